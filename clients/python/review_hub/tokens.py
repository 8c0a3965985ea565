"""Mint the hub's tokens (PROTOCOL.md §5) with the standard library, for a
web application (Flask or any) that signs in its users: HS256 JWTs with
``sub``, ``role``, ``iat``, ``exp``, a random ``jti``, and optional ``iss``
and ``aud``, refused by the same rules as the server's ``deno task token``.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from datetime import timedelta
from typing import Any, Optional, Sequence, Union

ROLES = ("operator", "admin", "module")
"""The roles a token may carry."""

MIN_SECRET_LENGTH = 32
"""The server refuses a shorter ``AUTH_SECRET`` (RFC 7518 §3.2)."""

_TTL = re.compile(r"^(\d+)(s|m|h|d)$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def parse_ttl(ttl: Union[int, float, timedelta, str]) -> int:
    """A lifetime in seconds from seconds, a ``timedelta`` or text like ``90s``, ``30m``, ``8h``, ``7d``.

    :raises ValueError: for anything else, or a lifetime that is not positive
    """
    if isinstance(ttl, bool):
        raise ValueError("ttl must be seconds, a timedelta or text like '8h'")
    if isinstance(ttl, timedelta):
        seconds = int(ttl.total_seconds())
    elif isinstance(ttl, (int, float)):
        seconds = int(ttl)
    elif isinstance(ttl, str):
        match = _TTL.match(ttl.strip())
        if not match:
            raise ValueError(f"ttl {ttl!r} is not like 90s, 30m, 8h or 7d")
        seconds = int(match.group(1)) * _UNIT[match.group(2)]
    else:
        raise ValueError("ttl must be seconds, a timedelta or text like '8h'")
    if seconds <= 0:
        raise ValueError("ttl must be positive")
    return seconds


def mint(
    secret: str,
    sub: str,
    role: str,
    ttl: Union[int, float, timedelta, str],
    iss: Optional[str] = None,
    aud: Optional[Union[str, Sequence[str]]] = None,
    max_ttl_hours: float = 720,
    now: Optional[float] = None,
) -> str:
    """Mints a token the hub accepts.

    :param secret: the hub's ``AUTH_SECRET`` (at least 32 characters)
    :param sub: the user or module name, 1–255 characters
    :param role: ``operator``, ``admin`` or ``module``
    :param ttl: lifetime: seconds, a ``timedelta`` or text like ``8h``
    :param iss: the ``iss`` claim (needed when the hub sets ``AUTH_ISSUER``)
    :param aud: the ``aud`` claim (needed when the hub sets ``AUTH_AUDIENCE``)
    :param max_ttl_hours: the hub's ``MAX_TOKEN_TTL_HOURS`` (default 720)
    :param now: the time to mint at, seconds since the epoch (tests)
    :returns: the compact JWT
    :raises ValueError: a short secret, a bad ``sub`` or role, or a lifetime past the limit
    """
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"the secret must have at least {MIN_SECRET_LENGTH} characters")
    # Counted as the server counts (JavaScript's length: UTF-16 code units), so an emoji is 2.
    if not isinstance(sub, str) or not 1 <= len(sub.encode("utf-16-le")) // 2 <= 255:
        raise ValueError("sub must be 1–255 characters")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    seconds = parse_ttl(ttl)
    if seconds > max_ttl_hours * 3600:
        raise ValueError(f"ttl {seconds} s is past the limit of {max_ttl_hours} h (MAX_TOKEN_TTL_HOURS)")
    iat = int(time.time() if now is None else now)
    claims: dict[str, Any] = {"sub": sub, "role": role, "iat": iat, "exp": iat + seconds, "jti": secrets.token_hex(16)}
    if iss is not None:
        claims["iss"] = iss
    if aud is not None:
        claims["aud"] = aud if isinstance(aud, str) else list(aud)
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode("ascii"), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def decode_unverified(token: str) -> dict[str, Any]:
    """The claims of a token, without checking its signature (for display and tests).

    :raises ValueError: when it is not a compact JWT
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a compact JWT")
    padded = parts[1] + "=" * (-len(parts[1]) % 4)
    claims = json.loads(base64.urlsafe_b64decode(padded))
    if not isinstance(claims, dict):
        raise ValueError("claims are not an object")
    return claims
