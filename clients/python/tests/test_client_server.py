"""HubClient against the real hub, on SQLite and MariaDB: hello, SR and ACK,
post_sr, resume across kill -9, requests that survive a restart, and the
minted tokens."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import run, token
from hub_server import SECRET, HubServer

import review_hub
from review_hub import Event, HubClient, PendingEvent, Snapshot, tokens
from review_hub.client import EventStream


async def next_event(events: EventStream) -> Event:
    """The next log event (``Presence`` and ``Snapshot`` skipped)."""
    async for item in events:
        if isinstance(item, Event):
            return item
    raise AssertionError("the stream ended")


def test_hello_welcomes_and_sends_the_pending_snapshot(server: HubServer) -> None:
    rid = server.db.insert_response()

    async def body() -> None:
        hub = HubClient(server.ws_url, token("mod-a"))
        got: list[Any] = []
        hub.add_listener(got.append)
        async with hub:
            welcome = hub.welcome
            assert welcome is not None and welcome.role == "module" and welcome.user == "mod-a"
            assert welcome.resumed is False and welcome.heartbeat_interval_ms > 0
            for _ in range(100):
                if got:
                    break
                await asyncio.sleep(0.05)
            assert isinstance(got[0], Snapshot)
            assert [i.response_id for i in got[0].items] == [rid]
            assert hub.position is not None and hub.position.seq == got[0].seq
        assert hub.state == "closed" and hub.closed_error is None

    run(body())


def test_submit_gets_ack_and_the_pending_event_once(server: HubServer) -> None:
    rid = server.db.insert_response(text="hello there")

    async def body() -> None:
        async with HubClient(server.ws_url, token("mod-b")) as module, \
                HubClient(server.ws_url, token("alice", "operator")) as operator:
            events = operator.events()
            ack = await module.submit(rid)
            assert ack.seq is not None and ack.duplicate is False
            event = await next_event(events)
            assert isinstance(event, PendingEvent) and event.seq == ack.seq and event.response_id == rid
            again = await module.submit(rid)
            assert again.duplicate is True and again.seq == ack.seq
            approved = await operator.approve(rid)
            assert approved.seq == ack.seq + 1
            with pytest.raises(review_hub.NotPendingError) as refused:
                await module.submit(rid)
            assert refused.value.status == "approved" and refused.value.decided_by == "alice"
            with pytest.raises(review_hub.NotFoundError):
                await module.submit(rid + 1000)
            with pytest.raises(review_hub.ForbiddenError):
                await operator.submit(rid)

    run(body())


def test_post_sr_over_http(server: HubServer) -> None:
    rid = server.db.insert_response()
    ack = review_hub.post_sr(server.url, token("script"), rid)
    assert ack.seq is not None and not ack.duplicate
    assert review_hub.post_sr(server.url, token("script"), rid).duplicate is True
    with pytest.raises(review_hub.UnauthorizedError):
        review_hub.post_sr(server.url, "not-a-token", rid)
    with pytest.raises(review_hub.ForbiddenError):
        review_hub.post_sr(server.url, token("alice", "operator"), rid)
    with pytest.raises(review_hub.NotFoundError):
        review_hub.post_sr(server.url, token("script"), rid + 1000)


def test_resume_across_kill_9_loses_nothing_and_repeats_nothing(server: HubServer) -> None:
    """An operator client listens while a module announces rows and the server is
    killed with SIGKILL twice: it sees every seq from the first on, once, in order;
    the module's requests made while the server was down are answered after it
    comes back."""
    ids = [server.db.insert_response(text=f"reply {i}") for i in range(30)]

    async def body() -> None:
        seen: list[int] = []
        async with HubClient(server.ws_url, token("mod-c"), request_timeout=60) as module, \
                HubClient(server.ws_url, token("alice", "operator")) as operator:
            operator.add_listener(lambda e: seen.append(e.seq) if isinstance(e, PendingEvent) else None)
            acks = []
            for n, rid in enumerate(ids):
                if n in (10, 20):
                    server.kill()
                    # Requests made while the server is down wait and are sent after the resume.
                    waiting = [asyncio.ensure_future(module.submit(r)) for r in ids[n:n + 3]]
                    await asyncio.sleep(0.3)
                    assert not any(w.done() for w in waiting)
                    server.start()
                    acks.extend([await w for w in waiting])
                    for _ in range(400):  # the operator is back (its backoff may outlast the restart)
                        if operator.stats.connections == (2 if n == 10 else 3) and operator.state == "connected":
                            break
                        await asyncio.sleep(0.05)
                    continue
                if n in (11, 12, 21, 22):
                    continue
                acks.append(await module.submit(rid))
            head = max(a.seq or 0 for a in acks)
            for _ in range(200):
                if seen and seen[-1] >= head:
                    break
                await asyncio.sleep(0.05)
            assert sorted({a.seq for a in acks}) == list(range(1, 31))
            assert seen == list(range(1, 31)), seen
            assert operator.stats.resumes == 2 and operator.stats.gaps == 0
            assert module.stats.connections >= 3

    run(body())


def test_a_saved_position_resumes_in_a_new_client(server: HubServer) -> None:
    first, second = server.db.insert_response(), server.db.insert_response()

    async def body() -> None:
        async with HubClient(server.ws_url, token("mod-d")) as module:
            await module.submit(first)
            position = module.position
            assert position is not None
        async with HubClient(server.ws_url, token("mod-d")) as module:
            await module.submit(second)
        seen: list[int] = []
        async with HubClient(server.ws_url, token("mod-e"), resume=position) as late:
            late.add_listener(lambda e: seen.append(e.response_id) if isinstance(e, PendingEvent) else None)
            assert late.welcome is not None and late.welcome.resumed is True
            for _ in range(100):
                if seen:
                    break
                await asyncio.sleep(0.05)
        assert seen == [second]

    run(body())


def test_minted_tokens_are_welcomed_with_their_role(server: HubServer) -> None:
    async def body() -> None:
        for role in tokens.ROLES:
            minted = tokens.mint(SECRET, f"user-{role}", role, "10m")
            claims = tokens.decode_unverified(minted)
            assert claims["iat"] <= claims["exp"] - 600 + 1 and len(claims["jti"]) == 32
            async with HubClient(server.ws_url, minted) as hub:
                assert hub.welcome is not None
                assert (hub.welcome.role, hub.welcome.user) == (role, f"user-{role}")
        longest = "\U0001F600" * 127 + "a"  # 255 UTF-16 units: the longest sub the server takes
        async with HubClient(server.ws_url, tokens.mint(SECRET, longest, "module", "1m")) as hub:
            assert hub.welcome is not None and hub.welcome.user == longest
        expired = tokens.mint(SECRET, "old", "module", "1h", now=__import__("time").time() - 7200)
        with pytest.raises(review_hub.TokenRefusedError) as refused:
            async with HubClient(server.ws_url, expired):
                pass
        assert refused.value.close_code == 4001
        forged = tokens.mint("another-secret-of-at-least-32-characters", "x", "module", "1h")
        with pytest.raises(review_hub.TokenRefusedError):
            async with HubClient(server.ws_url, forged):
                pass

    run(body())


def test_a_token_function_renews_a_refused_token(server: HubServer) -> None:
    async def body() -> None:
        calls: list[int] = []

        def source() -> str:
            calls.append(1)
            return "expired-or-bad" if len(calls) == 1 else token("renewed")

        async with HubClient(server.ws_url, source) as hub:
            assert hub.welcome is not None and hub.welcome.user == "renewed"
            assert hub.last_close is not None and hub.last_close[0] == 4001
        assert len(calls) == 2

        always_bad = HubClient(server.ws_url, lambda: "bad", max_token_refusals=2)
        with pytest.raises(review_hub.TokenRefusedError):
            await always_bad.wait_connected()

    run(body())


def test_heartbeats_keep_an_idle_connection_open(make_server) -> None:  # type: ignore[no-untyped-def]
    """With a 300 ms interval and a 1 s timeout, an idle client that did not send
    HEARTBEAT would be closed 4008 within a second or two; this one stays."""
    server = make_server(HEARTBEAT_INTERVAL_MS="300", HEARTBEAT_TIMEOUT_MS="1000")

    async def body() -> None:
        async with HubClient(server.ws_url, token("idle")) as hub:
            assert hub.welcome is not None and hub.welcome.heartbeat_interval_ms == 300
            await asyncio.sleep(4)
            assert hub.state == "connected" and hub.stats.connections == 1 and hub.last_close is None
            assert abs(hub.server_now() - __import__("time").time()) < 5  # the HEARTBEAT replies set the clock

    run(body())
