"""``EventStream``: the async iterator ``HubClient.events()`` returns."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .client import Delivered, HubClient

END = object()
"""Put on a stream's queue when the client stops."""


class EventStream:
    """An async iterator over what a client delivers (see ``HubClient.events``)."""

    def __init__(self, hub: "HubClient") -> None:
        self._hub = hub
        self._queue: "asyncio.Queue[object]" = asyncio.Queue()
        hub._queues.append(self._queue)
        if hub.state == "closed":
            self._queue.put_nowait(END)

    def __aiter__(self) -> "EventStream":
        return self

    async def __anext__(self) -> "Delivered":
        item = await self._queue.get()
        if item is END:
            self.close()
            self._queue.put_nowait(END)  # every later call ends too
            error = self._hub.closed_error
            if error is not None and error.close_code is not None:
                raise error
            raise StopAsyncIteration
        return item  # type: ignore[return-value]

    def close(self) -> None:
        """Stops receiving (items already queued are dropped)."""
        if self._queue in self._hub._queues:
            self._hub._queues.remove(self._queue)
