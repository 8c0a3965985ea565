"""A small in-process hub speaking the publication part of PROTOCOL.md §3.4
(``TAKE``, ``PUBLISHED``, ``PUBLISH_FAILED``, events ``queued`` and
``publish_failed``), for unit tests of the Publisher's own rules (when it
takes, how many it holds, what it reports). The real server's side is tested
end to end elsewhere."""
from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Optional

from hub_server import free_port
from ws_proxy import _serve


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class FakeJob:
    response_id: int
    platform: str = "vk"
    attempt: int = 1
    due: float = 0.0
    maybe_applied: bool = False
    state: str = "queued"


@dataclass
class FakeHub:
    jobs: dict[int, FakeJob] = field(default_factory=dict)
    reports: list[dict[str, Any]] = field(default_factory=list)
    takes: list[dict[str, Any]] = field(default_factory=list)
    seq: int = 0
    drop_on_first_published: bool = False
    port: int = field(default_factory=free_port)
    _clients: set[Any] = field(default_factory=set)
    _server: Any = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def __aenter__(self) -> "FakeHub":
        self._server = await _serve(self._handle, "127.0.0.1", self.port, compression=None, ping_interval=None)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def broadcast(self, event: dict[str, Any]) -> None:
        self.seq += 1
        text = json.dumps({"type": "EVENT", "seq": self.seq, **event})
        for client in list(self._clients):
            try:
                await client.send(text)
            except Exception:
                pass

    async def queue(self, response_id: int, platform: str = "vk", maybe_applied: bool = False, attempt: int = 1,
                    delay: float = 0.0, silent: bool = False) -> None:
        job = FakeJob(response_id, platform, attempt, time.time() + delay, maybe_applied)
        self.jobs[response_id] = job
        if silent:  # e.g. a retry whose publish_failed this module never saw
            return
        await self.broadcast({"event": "queued", "response_id": response_id, "attempt": attempt,
                              "due_at": iso(job.due), "maybe_applied": maybe_applied})

    async def _handle(self, ws: Any, _path: Optional[str] = None) -> None:
        try:
            async for text in ws:
                frame = json.loads(text)
                reply = await self._answer(ws, frame)
                if reply is None:
                    continue
                if reply == "drop":
                    await ws.close(1011, "fake crash")
                    return
                await ws.send(json.dumps(reply))
                if frame["type"] == "CL":
                    self._clients.add(ws)
                    await ws.send(json.dumps({"type": "SNAPSHOT", "seq": self.seq, "items": []}))
        finally:
            self._clients.discard(ws)

    async def _answer(self, ws: Any, frame: dict[str, Any]) -> Any:
        kind, rid = frame["type"], frame.get("id")
        if kind == "CL":
            return {"type": "WELCOME", "id": rid, "client_id": "c", "role": "module", "user": "pub", "epoch": "e",
                    "seq": self.seq, "resumed": False, "heartbeat_interval_ms": 15000, "heartbeat_timeout_ms": 45000}
        if kind == "HEARTBEAT":
            return {"type": "HEARTBEAT", "ts": int(time.time() * 1000)}
        if kind == "TAKE":
            self.takes.append(frame)
            now = time.time()
            due = [j for j in self.jobs.values() if j.state == "queued" and j.due <= now
                   and (frame.get("platforms") is None or j.platform in frame["platforms"])]
            taken = sorted(due, key=lambda j: j.due)[: frame.get("max", 1)]
            for job in taken:
                job.state = "publishing"
            return {"type": "ACK", "id": rid, "jobs": [
                {"response_id": j.response_id, "platform": j.platform, "post_url": "https://vk.com/wall-1_1",
                 "text": f"reply {j.response_id}", "attempt": j.attempt, "lease_until": iso(now + 60),
                 "maybe_applied": j.maybe_applied, "decided_by": "alice", "decided_at": iso(now)} for j in taken]}
        if kind in ("PUBLISHED", "PUBLISH_FAILED"):
            self.reports.append(frame)
            if kind == "PUBLISHED" and self.drop_on_first_published:
                self.drop_on_first_published = False
                return "drop"
            job = self.jobs[frame["response_id"]]
            if kind == "PUBLISHED":
                if job.state == "published":
                    return {"type": "ACK", "id": rid, "duplicate": True, "seq": 1}
                job.state = "published"
                await self.broadcast({"event": "published", "response_id": job.response_id, "by": "pub",
                                      "attempt": frame["attempt"], "at": iso(time.time()), "platform_ref": None,
                                      "url": None})
                return {"type": "ACK", "id": rid, "seq": self.seq}
            final = not frame.get("retryable", True)
            job.state = "failed" if final else "queued"
            job.attempt += 1
            job.due = time.time() + frame.get("retry_after_ms", 30000) / 1000
            await self.broadcast({"event": "publish_failed", "response_id": job.response_id, "by": "pub",
                                  "attempt": frame["attempt"], "at": iso(time.time()), "reason": frame["reason"],
                                  "final": final, "due_at": None if final else iso(job.due)})
            return {"type": "ACK", "id": rid, "seq": self.seq}
        return {"type": "ERROR", "id": rid, "code": "unknown_type", "message": kind, "retryable": False}
