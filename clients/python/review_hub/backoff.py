"""Reconnect delays: exponential backoff with full jitter (PROTOCOL.md §4:
first try within 1 s, cap 30 s), the same formula as the TypeScript SDK's
``web/sdk/backoff.ts``, so that clients dropped together by one server
restart do not come back together.
"""
from __future__ import annotations

import random as _random
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Backoff:
    """Bounds of the backoff, in seconds."""

    base: float = 1.0
    """Ceiling of the first delay: the first try comes within this."""
    cap: float = 30.0
    """Largest ceiling of any delay."""


DEFAULT_BACKOFF = Backoff()


def backoff_ceiling(attempt: int, bounds: Backoff = DEFAULT_BACKOFF) -> float:
    """The ceiling of the delay before an attempt: ``min(cap, base * 2**attempt)``.

    :param attempt: 0 for the first retry after a good connection
    :param bounds: the bounds
    :returns: seconds
    """
    exponent = min(max(0, int(attempt)), 40)  # 2**40 s is past any cap; no overflow
    return float(min(bounds.cap, bounds.base * float(2**exponent)))


def backoff_delay(
    attempt: int,
    random: Callable[[], float] = _random.random,
    bounds: Backoff = DEFAULT_BACKOFF,
) -> float:
    """A full-jitter delay: uniform in ``[0, ceiling)``.

    :param attempt: 0 for the first retry after a good connection
    :param random: uniform numbers in ``[0, 1)`` (injected by tests)
    :param bounds: the bounds
    :returns: seconds
    """
    r = min(max(random(), 0.0), 1.0 - 1e-12)
    return r * backoff_ceiling(attempt, bounds)
