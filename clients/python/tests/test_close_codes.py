"""The close-code table against the real hub (and a proxy for the codes the
hub sends only on its own schedule): final codes stop the client and raise;
the others reconnect and resume; a seq gap forces a reconnect from the last
contiguous seq."""
from __future__ import annotations

import asyncio
from typing import Any, Callable

import pytest
from conftest import run, token
from hub_server import HubServer
from ws_proxy import Proxy

import review_hub
from review_hub import ClientClosedError, HubClient, PendingEvent


async def send_raw_text(hub: HubClient, payload: bytes) -> None:
    """Sends a text frame whose payload is not UTF-8 (the library refuses to build one)."""
    socket: Any = hub._conn.socket  # type: ignore[union-attr]
    if hasattr(socket, "write_frame"):  # websockets < 13 (legacy)
        await socket.write_frame(True, 0x1, payload)
    else:
        from websockets.frames import Frame, Opcode

        socket.protocol.send_frame(Frame(Opcode.TEXT, payload))
        socket.send_data()


async def assert_stopped(hub: HubClient, code: int) -> None:
    with pytest.raises(ClientClosedError) as stopped:
        await asyncio.wait_for(hub.wait_closed(), 10)
    assert stopped.value.close_code == code and hub.state == "closed"
    await asyncio.sleep(1.5)  # past the first backoff: no reconnect
    assert hub.stats.connections == 1 and hub.state == "closed"
    with pytest.raises(ClientClosedError):
        await hub.submit(1)


def test_binary_frame_1003_stops(server: HubServer) -> None:
    async def body() -> None:
        hub = HubClient(server.ws_url, token())
        await hub.wait_connected()
        await hub._conn.socket.send(b"\x00\x01")  # type: ignore[union-attr]
        await assert_stopped(hub, 1003)

    run(body())


def test_text_that_is_not_utf8_1007_stops(server: HubServer) -> None:
    async def body() -> None:
        hub = HubClient(server.ws_url, token())
        await hub.wait_connected()
        await send_raw_text(hub, b'{"type":"HEARTBEAT","x":"\xff\xfe"}')
        await assert_stopped(hub, 1007)

    run(body())


def test_frame_over_the_limit_1009_stops_and_fails_the_request(make_server: Callable[..., HubServer]) -> None:
    server = make_server(MAX_MESSAGE_BYTES="4096")

    async def body() -> None:
        hub = HubClient(server.ws_url, token())
        await hub.wait_connected()
        with pytest.raises(ClientClosedError) as failed:
            await hub.request({"type": "SR", "response_id": 1, "pad": "x" * 8000})
        assert failed.value.close_code == 1009
        await assert_stopped(hub, 1009)

    run(body())


def test_bad_token_4001_stops(server: HubServer) -> None:
    async def body() -> None:
        hub = HubClient(server.ws_url, token(ttl="1s"))
        await hub.wait_connected()
        # v1.1: a token that expires during the connection closes it 4001 within 5 s of exp.
        with pytest.raises(review_hub.TokenRefusedError) as refused:
            await asyncio.wait_for(hub.wait_closed(), 15)
        assert refused.value.close_code == 4001
        assert hub.stats.connections == 1

    run(body())


@pytest.mark.parametrize("code,final", [(1000, True), (1001, False), (1012, False), (4029, False), (1011, False)])
def test_close_codes_through_a_proxy(sqlite_server: HubServer, code: int, final: bool) -> None:
    server = sqlite_server

    async def body() -> None:
        async with Proxy(server.ws_url) as proxy:
            hub = HubClient(proxy.ws_url, token())
            events = hub.events()
            await hub.wait_connected()
            assert isinstance(await anext(events), review_hub.Snapshot)  # it has a position to resume from
            await proxy.close_clients(code, "test")
            if final:
                await assert_stopped(hub, code)
                with pytest.raises(ClientClosedError):
                    async for _ in events:
                        pass
                return
            for _ in range(200):  # 1001/1012 resume at once; 4029/1011 back off (first try within 1 s)
                if hub.stats.connections == 2 and hub.state == "connected":
                    break
                await asyncio.sleep(0.05)
            assert hub.stats.connections == 2 and hub.last_close == (code, "test")
            assert hub.welcome is not None and hub.welcome.resumed is True
            await hub.close()

    run(body())


def test_a_gap_reconnects_from_the_last_contiguous_seq(server: HubServer) -> None:
    ids = [server.db.insert_response() for _ in range(4)]

    async def body() -> None:
        async with Proxy(server.ws_url) as proxy, HubClient(server.ws_url, token("mod")) as module:
            proxy.drop_seqs = {2}
            seen: list[int] = []
            async with HubClient(proxy.ws_url, token("alice", "operator")) as operator:
                operator.add_listener(lambda e: seen.append(e.seq) if isinstance(e, PendingEvent) else None)
                for rid in ids:
                    await module.submit(rid)
                for _ in range(200):
                    if len(seen) == 4:
                        break
                    await asyncio.sleep(0.05)
                assert proxy.dropped == [2]
                assert seen == [1, 2, 3, 4]
                assert operator.stats.gaps == 1 and operator.stats.resumes == 1
                assert operator.last_close is not None and operator.last_close[0] == 4000
                assert proxy.connections == 2

    run(body())
