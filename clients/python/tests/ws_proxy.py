"""A WebSocket proxy between a client and the real hub, for faults the hub
does not make on demand: it drops chosen ``EVENT`` frames once (a gap) and
closes client connections with a chosen code. Runs on websockets 10.4 (the
legacy server) and on current releases (``websockets.asyncio.server``)."""
from __future__ import annotations

import asyncio
import importlib
import json
from typing import Any, Optional

from hub_server import free_port

from review_hub import _ws

try:
    _serve: Any = importlib.import_module("websockets.asyncio.server").serve
except ImportError:
    _serve = importlib.import_module("websockets.server").serve


class Proxy:
    """Forwards text frames both ways between each client and a fresh hub connection."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.drop_seqs: set[int] = set()
        """``EVENT`` seqs to drop, each once."""
        self.dropped: list[int] = []
        self.connections = 0
        self._clients: set[Any] = set()
        self._server: Any = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def __aenter__(self) -> "Proxy":
        self._server = await _serve(self._handle, "127.0.0.1", self.port, compression=None, ping_interval=None)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def close_clients(self, code: int, reason: str) -> None:
        """Closes every client connection with this code."""
        for client in list(self._clients):
            await client.close(code, reason)

    async def _handle(self, client: Any, _path: Optional[str] = None) -> None:
        self.connections += 1
        self._clients.add(client)
        upstream = await _ws.open_socket(self.upstream, open_timeout=10, max_size=1 << 24)

        async def down() -> None:
            while True:
                text = await upstream.recv()
                frame = json.loads(text)
                if frame.get("type") == "EVENT" and frame.get("seq") in self.drop_seqs:
                    self.drop_seqs.discard(frame["seq"])
                    self.dropped.append(frame["seq"])
                    continue
                await client.send(text)

        async def up() -> None:
            while True:
                await upstream.send(await client.recv())

        tasks = [asyncio.ensure_future(down()), asyncio.ensure_future(up())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            self._clients.discard(client)
            await upstream.close()
