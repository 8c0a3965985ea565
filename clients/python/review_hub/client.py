"""``HubClient``: one connection at a time to the review hub, resumed by
position after every drop (PROTOCOL.md §3.3), with heartbeat, a watchdog,
full-jitter backoff, the close-code table of §4 and requests that survive
reconnects. It follows the TypeScript SDK (``web/sdk/client.ts`` and, for
the connection's life, ``connector.ts``) rule for rule; its state changes
only in ``_set_state``.
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
import random as _random
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Literal, Mapping, Optional, Union

from . import _ws
from .commands import HubCommands
from .backoff import DEFAULT_BACKOFF, Backoff, backoff_delay
from .close_codes import CLIENT_ABANDON_CODE, CloseAction, close_action, next_attempt
from .errors import ClientClosedError, TokenRefusedError, error_from_frame
from .events import Presence, Snapshot, Welcome, parse_event
from .feed import Abandon, Delivery, Feed, FeedStats, Position
from .requests import Ack, RequestTable
from .stream import END, EventStream

TokenSource = Union[str, Callable[[], Union[str, Awaitable[str]]]]
"""A token, or a function called for every connection attempt (so a refused token can be renewed)."""

StateKind = Literal["connecting", "connected", "reconnecting", "closed"]
"""The client's state."""

Delivered = Union[Delivery, Presence]
"""What listeners and ``events()`` receive: ``Snapshot``, an event dataclass, or ``Presence``."""

Listener = Callable[[Delivered], None]
"""A callback for everything the client delivers, called in order."""

_HELLO_ID = "hello"

log = logging.getLogger("review_hub")


@dataclass(frozen=True)
class _Ended:
    """How one connection ended."""

    code: int
    reason: str
    action: CloseAction
    welcomed: bool


class _Connection:
    def __init__(self, socket: _ws.Socket) -> None:
        self.socket = socket
        self.welcome: Optional[Welcome] = None
        self.outbox: "asyncio.Queue[Optional[str]]" = asyncio.Queue()

    def send(self, text: str) -> None:
        self.outbox.put_nowait(text)


class HubClient(HubCommands):
    """A connection to the review hub that never loses an event.

    Use it as an async context manager (``async with HubClient(url, token) as hub``),
    which waits for the first ``WELCOME``, or call ``start()`` and ``close()``.
    """

    def __init__(
        self,
        url: str,
        token: TokenSource,
        *,
        resume: Optional[Position] = None,
        backoff: Backoff = DEFAULT_BACKOFF,
        request_timeout: float = 10.0,
        connect_timeout: float = 10.0,
        max_token_refusals: int = 3,
        max_message_bytes: int = 16 * 1024 * 1024,
        random: Callable[[], float] = _random.random,
    ) -> None:
        """
        :param url: the WebSocket endpoint, e.g. ``ws://127.0.0.1:8765/ws``
        :param token: the JWT, or a function giving one for each connection
        :param resume: a saved position to resume from instead of a snapshot
        :param backoff: reconnect bounds (first try within 1 s, cap 30 s)
        :param request_timeout: seconds a sent request waits for its reply
        :param connect_timeout: seconds a new connection may take to be welcomed
        :param max_token_refusals: with a token function, consecutive 4001 closes before giving up
        :param max_message_bytes: largest frame accepted from the server (a ``SNAPSHOT`` can be big)
        :param random: uniform numbers in [0, 1) for the jitter
        """
        self.url = url
        self._token = token
        self._backoff = backoff
        self._connect_timeout = connect_timeout
        self._max_token_refusals = max_token_refusals
        self._max_message_bytes = max_message_bytes
        self._random = random
        self._feed = Feed(resume)
        self._requests = RequestTable(request_timeout)
        self._listeners: list[Listener] = []
        self._connect_listeners: list[Callable[[Welcome], None]] = []
        self._queues: list["asyncio.Queue[object]"] = []
        self._state: StateKind = "connecting"
        self._conn: Optional[_Connection] = None
        self._attempt = 0
        self._token_refusals = 0
        self._clock_offset = 0.0
        self._task: Optional["asyncio.Task[None]"] = None
        self._closed_error: Optional[ClientClosedError] = None
        self._welcomed = asyncio.Event()
        self._done = asyncio.Event()
        self._closing = False
        self._stop = asyncio.Event()
        self.welcome: Optional[Welcome] = None
        """The last ``WELCOME``."""
        self.snapshot: Optional[Snapshot] = None
        """The last ``SNAPSHOT`` (a fresh start; events since are delivered one by one)."""
        self.presence: Optional[Presence] = None
        """The last ``PRESENCE`` (operators only)."""
        self.last_close: Optional[tuple[int, str]] = None
        """The last close seen: code (1006 dropped, 4000 given up by the client) and reason."""
        self.retry_at: Optional[float] = None
        """While reconnecting, when the next try starts (``time.time()``)."""

    # -- lifecycle -----------------------------------------------------------

    async def __aenter__(self) -> "HubClient":
        self.start()
        try:
            await self.wait_connected()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def start(self) -> None:
        """Starts connecting in the background (once)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def wait_connected(self, timeout: Optional[float] = None) -> Welcome:
        """Waits until a connection is welcomed.

        :raises ClientClosedError: when the client stopped first (``TokenRefusedError`` for 4001)
        :raises asyncio.TimeoutError: after ``timeout`` seconds
        """
        self.start()
        waiter = asyncio.ensure_future(self._welcomed.wait())
        done = asyncio.ensure_future(self._done.wait())
        try:
            await asyncio.wait_for(asyncio.wait({waiter, done}, return_when=asyncio.FIRST_COMPLETED), timeout)
        finally:
            waiter.cancel()
            done.cancel()
        if self._state == "connected" and self.welcome is not None:
            return self.welcome
        if self._closed_error is not None:
            raise self._closed_error
        raise ClientClosedError("the client is closed")

    async def wait_closed(self) -> None:
        """Waits until the client stops for good.

        :raises ClientClosedError: when the server ended it with a final close
            (1000, 1003, 1007, 1009; ``TokenRefusedError`` for 4001)
        """
        await self._done.wait()
        if self._closed_error is not None and self._closed_error.close_code is not None:
            raise self._closed_error

    async def close(self) -> None:
        """Closes the connection for good (1000); pending requests fail with ``ClientClosedError``."""
        self._closing = True
        self._stop.set()
        task = self._task
        if task is not None and not task.done():
            # Closing the socket ends the read loop, which then sees ``_closing``:
            # no task cancellation, which ``asyncio.wait_for`` may swallow when a
            # frame arrives at the same moment (CPython gh-86296).
            conn = self._conn
            if conn is not None:
                try:
                    await asyncio.wait_for(conn.socket.close(1000, "client closed"), 5)
                except Exception:
                    pass
            done, _ = await asyncio.wait({task}, timeout=5)
            if not done:
                task.cancel()
                await asyncio.wait({task}, timeout=5)
        self._finish(None)

    # -- what the client knows ----------------------------------------------

    @property
    def state(self) -> StateKind:
        """``connecting``, ``connected``, ``reconnecting`` or ``closed``."""
        return self._state

    @property
    def position(self) -> Optional[Position]:
        """The last contiguous position applied (save it to resume after a restart)."""
        return self._feed.position

    @property
    def stats(self) -> FeedStats:
        """Counters of connections, resumes, snapshots, duplicates dropped and gaps."""
        return self._feed.stats

    @property
    def closed_error(self) -> Optional[ClientClosedError]:
        """Why the client stopped, once it did."""
        return self._closed_error

    def server_now(self) -> float:
        """The server's clock as best known (seconds since the epoch), from the last ``HEARTBEAT.ts``."""
        return time.time() + self._clock_offset

    # -- delivery ------------------------------------------------------------

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Calls ``listener`` with everything delivered from now on, in order.

        :returns: a function that removes it
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def add_connect_listener(self, listener: Callable[[Welcome], None]) -> Callable[[], None]:
        """Calls ``listener`` with each ``WELCOME`` (every connection and reconnection).

        :returns: a function that removes it
        """
        self._connect_listeners.append(listener)
        return lambda: self._connect_listeners.remove(listener) if listener in self._connect_listeners else None

    def events(self) -> "EventStream":
        """Everything delivered from this call on: ``Snapshot``, the event dataclasses
        (each once, in ``seq`` order, across reconnects) and ``Presence``.

        The iterator ends when the client is closed, and raises ``ClientClosedError``
        when the server closed it for good. Unconsumed items are kept, so iterate
        steadily or use ``add_listener``. What came before the call is not
        repeated: ``snapshot`` holds the last ``Snapshot``.
        """
        return EventStream(self)

    def _deliver(self, item: Delivered) -> None:
        for listener in list(self._listeners):
            try:
                listener(item)
            except Exception:  # a listener's bug must not break the connection
                log.exception("listener failed on %r", item)
        if isinstance(item, Snapshot):
            self.snapshot = item
        for queue in self._queues:
            queue.put_nowait(item)

    # -- commands (the frames themselves are in HubCommands) ---------------

    async def request(self, frame: Mapping[str, Any]) -> Ack:
        """Sends a command and waits for its reply; it is sent again after a reconnect.

        :param frame: the command (``type`` and fields; the client adds ``id``)
        :returns: the ``ACK``
        :raises HubError: the server's ``ERROR`` as its class, ``RequestTimeoutError``
            or ``ClientClosedError``
        """
        if self._state == "closed":
            raise self._closed_error or ClientClosedError("the client is closed")
        conn = self._conn
        send = conn.send if conn is not None and conn.welcome is not None else None
        return await self._requests.add(frame, send)

    # -- the connection loop -------------------------------------------------

    def _set_state(self, state: StateKind) -> None:
        """The only place the state changes."""
        if self._state == "closed":
            return
        self._state = state
        if state == "connected":
            self.retry_at = None
            self._welcomed.set()
        else:
            self._welcomed.clear()

    async def _run(self) -> None:
        try:
            while True:
                ended = await self._connect_once()
                if self._closing:
                    return self._finish(None)
                self.last_close = (ended.code, ended.reason)
                if ended.action in ("stop", "fix"):
                    return self._finish(
                        ClientClosedError(
                            f"the server closed the connection: {ended.code} {ended.reason}".strip(),
                            close_code=ended.code,
                            close_reason=ended.reason,
                        )
                    )
                if ended.action == "refresh_token":
                    self._token_refusals += 1
                    if not callable(self._token) or self._token_refusals >= self._max_token_refusals:
                        return self._finish(
                            TokenRefusedError(
                                f"token refused: {ended.reason or ended.code}",
                                close_code=ended.code,
                                close_reason=ended.reason,
                            )
                        )
                attempt = next_attempt(self._attempt, ended.action, ended.welcomed)
                delay = backoff_delay(attempt, self._random, self._backoff)
                self._attempt = attempt + 1
                self.retry_at = time.time() + delay
                self._set_state("reconnecting")
                log.info("connection ended (%s %s); reconnecting in %.2f s", ended.code, ended.reason, delay)
                stop = asyncio.ensure_future(self._stop.wait())
                await asyncio.wait({stop}, timeout=delay)
                stop.cancel()
                if self._closing:
                    return self._finish(None)
        except asyncio.CancelledError:
            self._finish(None)
            raise
        except Exception as error:  # a bug in this client: stop rather than spin
            log.exception("client loop failed")
            self._finish(ClientClosedError(f"client failed: {error!r}"))

    async def _resolve_token(self) -> str:
        if isinstance(self._token, str):
            return self._token
        value = self._token()
        if inspect.isawaitable(value):
            value = await value
        return str(value)

    async def _connect_once(self) -> _Ended:
        try:
            token = await self._resolve_token()
        except Exception as error:
            return _Ended(CLIENT_ABANDON_CODE, f"token: {error}", "back_off", False)
        try:
            socket = await _ws.open_socket(
                self.url, open_timeout=self._connect_timeout, max_size=self._max_message_bytes
            )
        except asyncio.CancelledError:
            raise
        except Exception as error:  # refused, DNS, handshake status, timeout
            return _Ended(1006, f"cannot open: {error}", "back_off", False)
        if self._closing:
            await socket.close(1000, "client closed")
            return _Ended(1000, "client closed", "stop", False)
        conn = _Connection(socket)
        self._conn = conn
        writer = asyncio.ensure_future(self._write(conn))
        heartbeat: Optional["asyncio.Task[None]"] = None
        code, reason = 1006, ""
        action: CloseAction = "resume"
        try:
            hello: dict[str, Any] = {"type": "CL", "id": _HELLO_ID, "token": token}
            position = self._feed.position
            if position is not None:
                hello["resume"] = {"epoch": position.epoch, "last_seq": position.seq}
            conn.send(json.dumps(hello))
            watchdog = self._connect_timeout
            while True:
                try:
                    data = await asyncio.wait_for(socket.recv(), watchdog)
                except asyncio.TimeoutError:
                    why = "no WELCOME in time" if conn.welcome is None else "the server went silent"
                    code, reason, action = CLIENT_ABANDON_CODE, why, "resume"
                    break
                except _ws.ConnectionClosed as closed:
                    code, reason = _ws.close_code_of(closed)
                    action = close_action(code)
                    break
                try:
                    outcome = self._on_message(conn, data)
                except Abandon as why:
                    code, reason, action = CLIENT_ABANDON_CODE, str(why), "resume"
                    break
                if outcome is not None:
                    code, reason, action = CLIENT_ABANDON_CODE, outcome, "back_off"
                    break
                if conn.welcome is not None:
                    watchdog = conn.welcome.heartbeat_timeout_ms / 1000
                    if heartbeat is None:
                        heartbeat = asyncio.ensure_future(self._heartbeat(conn, conn.welcome))
            return _Ended(code, reason, action, conn.welcome is not None)
        finally:
            self._conn = None
            self._requests.disconnected()
            if heartbeat is not None:
                heartbeat.cancel()
            conn.outbox.put_nowait(None)
            writer.cancel()
            closing = 1000 if self._closing else CLIENT_ABANDON_CODE
            try:
                # A fixed ASCII reason: it always fits the 123-byte limit.
                await asyncio.wait_for(socket.close(closing, "client closed" if closing == 1000 else "client moved on"), 2)
            except BaseException:
                pass

    def _on_message(self, conn: _Connection, data: Union[str, bytes]) -> Optional[str]:
        """Handles one frame; returns a reason to give the connection up with backoff."""
        if not isinstance(data, str):
            return None
        try:
            frame = json.loads(data)
        except ValueError:
            return None
        if not isinstance(frame, dict):
            return None
        kind = frame.get("type")
        if kind == "WELCOME":
            return self._on_welcome(conn, Welcome.parse(frame))
        if kind == "SNAPSHOT":
            if conn.welcome is not None:
                for item in self._feed.snapshot(Snapshot.parse(frame)):
                    self._deliver(item)
        elif kind == "EVENT":
            if conn.welcome is not None:
                for item in self._feed.event(parse_event(frame)):
                    self._deliver(item)
        elif kind == "ACK":
            self._requests.settle(frame.get("id"), frame)
        elif kind == "ERROR":
            if frame.get("id") == _HELLO_ID:
                error = error_from_frame(frame)
                if error.code == "unauthorized":
                    return None  # the 4001 close follows
                return f"hello refused: {error.code} {error.message}"
            if not self._requests.settle(frame.get("id"), frame):
                log.warning("ERROR for no request: %s", frame)
        elif kind == "HEARTBEAT":
            ts = frame.get("ts")
            if isinstance(ts, (int, float)):
                self._clock_offset = ts / 1000 - time.time()
        elif kind == "PRESENCE":
            if conn.welcome is not None:
                operators = frame.get("operators")
                total = frame.get("total")
                self.presence = Presence(
                    operators=tuple(o for o in operators if isinstance(o, dict)) if isinstance(operators, list) else (),
                    total=total if isinstance(total, int) else len(operators) if isinstance(operators, list) else 0,
                    raw=frame,
                )
                self._deliver(self.presence)
        return None  # a frame type from a newer server is ignored

    def _on_welcome(self, conn: _Connection, welcome: Welcome) -> Optional[str]:
        self._feed.welcome(welcome)  # raises Abandon for a resume of an unknown log
        conn.welcome = welcome
        self.welcome = welcome
        self._token_refusals = 0
        self._set_state("connected")
        self._requests.flush(conn.send)
        for listener in list(self._connect_listeners):
            try:
                listener(welcome)
            except Exception:
                log.exception("connect listener failed")
        return None

    async def _write(self, conn: _Connection) -> None:
        while True:
            text = await conn.outbox.get()
            if text is None:
                return
            try:
                await conn.socket.send(text)
            except Exception:
                return  # the reader sees the close and ends the connection

    async def _heartbeat(self, conn: _Connection, welcome: Welcome) -> None:
        interval = max(0.05, welcome.heartbeat_interval_ms / 1000)
        while True:
            await asyncio.sleep(interval)
            conn.send('{"type":"HEARTBEAT"}')

    def _finish(self, error: Optional[ClientClosedError]) -> None:
        if self._state == "closed":
            return
        self._closed_error = error
        self._set_state("closed")
        self._state = "closed"
        self._requests.fail_all(error or ClientClosedError("the client is closed"))
        for queue in self._queues:
            queue.put_nowait(END)
        self._done.set()
