"""The only importer of ``websockets``: one ``open_socket`` over the library's
two client APIs, so the rest of the package runs on Debian 12's 10.4 (the
legacy ``websockets.client``) and on current releases (``websockets.asyncio``,
13 and later, where the legacy API is deprecated and then removed).
"""
from __future__ import annotations

import importlib
from typing import Any, Protocol, Union

try:  # websockets >= 13: the new asyncio implementation
    _connect: Any = importlib.import_module("websockets.asyncio.client").connect
    _NEW_API = True
except ImportError:  # websockets 10.x–12.x: the legacy one (deprecated in 14)
    _connect = importlib.import_module("websockets.client").connect
    _NEW_API = False

from websockets.exceptions import ConnectionClosed

__all__ = ["Socket", "open_socket", "close_code_of", "ConnectionClosed"]


class Socket(Protocol):
    """What the client uses of a connection (both APIs have it)."""

    async def send(self, message: str) -> None:
        """Sends one text frame."""

    async def recv(self) -> Union[str, bytes]:
        """Receives one message; raises ``ConnectionClosed`` when the connection ends."""

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Starts the closing handshake and waits for it."""


async def open_socket(url: str, *, open_timeout: float, max_size: int) -> Socket:
    """Opens a WebSocket connection.

    Protocol pings are left to the server (the hub has its own heartbeat);
    compression is off (the hub does not negotiate it).

    :param url: ``ws://`` or ``wss://`` endpoint
    :param open_timeout: seconds for the TCP, TLS and HTTP upgrade
    :param max_size: largest incoming message, bytes
    :returns: the open connection
    """
    kwargs: dict[str, Any] = {
        "open_timeout": open_timeout,
        "max_size": max_size,
        "ping_interval": None,
        "close_timeout": 5,
        "compression": None,
    }
    socket: Socket = await _connect(url, **kwargs)
    return socket


def close_code_of(error: ConnectionClosed) -> tuple[int, str]:
    """The close code and reason the peer sent, or 1006 when none arrived.

    :param error: the exception that ended ``recv``
    :returns: ``(code, reason)``
    """
    rcvd = error.rcvd
    if rcvd is None:
        return 1006, "connection dropped"
    return int(rcvd.code), str(rcvd.reason)
