"""Requests awaiting their reply, with the TypeScript SDK's rule
(``web/sdk/requests.ts``): each request settles exactly once, by the first
``ACK`` or ``ERROR`` carrying its ``id``, by its timeout, or when the client
closes. A request is (re)sent whenever a connection is welcomed, so one made
while disconnected waits, and one in flight when a connection drops is sent
again after the resume (the server answers a repeat as a duplicate or stale);
a ``TAKE`` already sent is the exception (see ``disconnected``).
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from .errors import HubError, RequestTimeoutError, UnavailableError, error_from_frame

Send = Callable[[str], None]
"""Queues a frame's text on the welcomed connection."""


@dataclass(frozen=True)
class Ack:
    """The result of a command."""

    seq: Optional[int]
    """The ``seq`` of the event the command appended (or of the original, for a duplicate)."""
    duplicate: bool
    """True when the server had already done this."""
    stale: bool
    """(v1.2, ``PUBLISH_FAILED``) true when a newer attempt is under way: no event."""
    fields: Mapping[str, Any] = field(repr=False)
    """Every field of the ``ACK`` but ``type`` and ``id`` (e.g. ``jobs`` for ``TAKE``)."""

    @staticmethod
    def parse(frame: Mapping[str, Any]) -> "Ack":
        """Builds it from the decoded frame."""
        seq = frame.get("seq")
        fields = {k: v for k, v in frame.items() if k not in ("type", "id")}
        return Ack(
            seq=seq if isinstance(seq, int) and not isinstance(seq, bool) else None,
            duplicate=frame.get("duplicate") is True,
            stale=frame.get("stale") is True,
            fields=fields,
        )


@dataclass
class _Entry:
    id: str
    frame: Mapping[str, Any]
    future: "asyncio.Future[Ack]"
    timer: Optional[asyncio.TimerHandle] = None
    sends: int = 0


class RequestTable:
    """The table of requests awaiting their reply."""

    def __init__(self, timeout: float) -> None:
        """:param timeout: seconds a sent request waits for its reply"""
        self._timeout = timeout
        self._entries: dict[str, _Entry] = {}
        self._counter = 0

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, frame: Mapping[str, Any], send: Optional[Send]) -> "asyncio.Future[Ack]":
        """Registers a request and sends it at once when a connection is ready.

        :param frame: the command without ``id``
        :param send: the welcomed connection's sender, or None while disconnected
        :returns: the future of its ``ACK``
        """
        self._counter += 1
        entry = _Entry(id=f"r{self._counter}", frame=frame, future=asyncio.get_running_loop().create_future())
        self._entries[entry.id] = entry
        entry.future.add_done_callback(lambda _f: self._forget(entry))  # a cancelled caller frees it
        if send is not None:
            self._send(entry, send)
        return entry.future

    def flush(self, send: Send) -> None:
        """Sends every request not sent on the current connection, oldest first."""
        for entry in list(self._entries.values()):
            if entry.timer is None:
                self._send(entry, send)

    def settle(self, id: Any, frame: Mapping[str, Any]) -> bool:
        """Settles the request a reply names.

        :returns: False when no request awaits this id (a late or foreign reply)
        """
        entry = self._entries.get(id) if isinstance(id, str) else None
        if entry is None:
            return False
        self._forget(entry)
        if not entry.future.done():
            if frame.get("type") == "ACK":
                entry.future.set_result(Ack.parse(frame))
            else:
                entry.future.set_exception(error_from_frame(frame))
        return True

    def disconnected(self) -> None:
        """The connection dropped: every request will be sent again on the next one —
        except a ``TAKE`` already sent: its jobs (if the server took any) stay leased
        to this module until their leases lapse, so a second ``TAKE`` would only take
        more. It fails ``unavailable`` (retryable) instead, as in the TypeScript SDK.
        """
        for entry in list(self._entries.values()):
            if entry.frame.get("type") == "TAKE" and entry.sends > 0:
                self._forget(entry)
                if not entry.future.done():
                    entry.future.set_exception(
                        UnavailableError("the connection dropped before TAKE was answered", retryable=True)
                    )
                continue
            self._clear_timer(entry)

    def fail_all(self, error: HubError) -> None:
        """Fails every request (the client is closing)."""
        for entry in list(self._entries.values()):
            self._forget(entry)
            if not entry.future.done():
                entry.future.set_exception(error)

    def _send(self, entry: _Entry, send: Send) -> None:
        send(json.dumps({**entry.frame, "id": entry.id}))
        entry.sends += 1
        entry.timer = asyncio.get_running_loop().call_later(self._timeout, self._expire, entry)

    def _expire(self, entry: _Entry) -> None:
        self._forget(entry)
        if not entry.future.done():
            entry.future.set_exception(
                RequestTimeoutError(
                    f"no reply to {entry.frame.get('type')} within {self._timeout} s",
                    retryable=True,
                    fields={"sends": entry.sends},
                )
            )

    def _clear_timer(self, entry: _Entry) -> None:
        if entry.timer is not None:
            entry.timer.cancel()
        entry.timer = None

    def _forget(self, entry: _Entry) -> None:
        self._clear_timer(entry)
        if self._entries.get(entry.id) is entry:
            del self._entries[entry.id]
