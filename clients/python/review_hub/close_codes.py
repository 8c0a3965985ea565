"""The close codes of PROTOCOL.md §4 with what the client does after each,
the table of ``src/protocol/close_codes.ts`` in Python.
"""
from __future__ import annotations

from typing import Literal

CloseAction = Literal["stop", "fix", "refresh_token", "back_off", "resume"]
"""What a client does after a close:

- ``stop``: the server ended the session on purpose;
- ``fix``: the client sent something the server cannot take (a bug): stop;
- ``refresh_token``: the token was refused or expired: get a new one, or stop;
- ``back_off``: overloaded or failing: reconnect, keep growing the delay;
- ``resume``: reconnect and resume; after a good connection the backoff restarts.
"""

CLOSE_ACTIONS: dict[int, CloseAction] = {
    1000: "stop",
    1001: "resume",
    1003: "fix",
    1007: "fix",
    1008: "back_off",
    1009: "fix",
    1011: "back_off",
    1012: "resume",
    4001: "refresh_token",
    4002: "back_off",
    4008: "resume",
    4009: "resume",
    4029: "back_off",
}

FINAL_CLOSE_CODES = frozenset(c for c, a in CLOSE_ACTIONS.items() if a in ("stop", "fix", "refresh_token"))
"""1000, 1003, 1007, 1009 and 4001: the client does not reconnect by itself
(4001 only with a token function, which may give a new token)."""

CLIENT_ABANDON_CODE = 4000
"""The code the client closes with when it gives up on a connection itself."""


def close_action(code: int) -> CloseAction:
    """What to do after a close with this code.

    Codes the server does not send (1005 no code, 1006 a dropped connection,
    a proxy's 1002) mean ``resume``.

    :param code: the WebSocket close code
    :returns: the reaction
    """
    return CLOSE_ACTIONS.get(code, "resume")


def next_attempt(previous: int, action: CloseAction, welcomed: bool) -> int:
    """The backoff attempt number for the next reconnect.

    :param previous: the attempt number the last reconnect used plus one (0 at start)
    :param action: the reaction to the close
    :param welcomed: whether the connection that ended got a ``WELCOME``
    :returns: the attempt number for the next delay
    """
    return 0 if welcomed and action == "resume" else previous
