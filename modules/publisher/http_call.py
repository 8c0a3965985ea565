"""One HTTP request to a platform's API (standard library ``urllib``, run
in a thread), telling apart a request that surely did not reach the platform
from one whose outcome is unknown (a timeout or a dropped connection after
sending: the reply may be posted)."""
from __future__ import annotations

import asyncio
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any, Mapping, Optional

MAX_BODY = 1 << 20
"""Largest answer read from a platform (bytes): a hostile or broken API cannot make us hold more."""


@dataclass(frozen=True)
class HttpAnswer:
    """What the platform answered."""

    status: int
    headers: Mapping[str, str]
    body: Any
    """The decoded JSON, or None when the body is not JSON."""


class NotSent(Exception):
    """The request did not reach the platform (refused, DNS): safe to retry."""


class OutcomeUnknown(Exception):
    """The request may have been applied (timeout or drop after sending)."""


def _request(method: str, url: str, body: Optional[bytes], content_type: Optional[str], timeout: float) -> HttpAnswer:
    headers = {"Accept": "application/json", "User-Agent": "review-hub-publisher/0.1"}
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw, heads = response.status, response.read(MAX_BODY), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, heads = error.code, error.read(MAX_BODY), dict(error.headers or {})
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (ConnectionRefusedError, socket.gaierror)):
            raise NotSent(str(reason)) from None
        raise OutcomeUnknown(str(reason)) from None
    except (TimeoutError, socket.timeout, ConnectionError, HTTPException) as error:
        raise OutcomeUnknown(repr(error)) from None
    try:
        decoded = json.loads(raw) if raw else None
    except ValueError:
        decoded = None
    return HttpAnswer(status, {k.lower(): v for k, v in heads.items()}, decoded)


async def post_form(url: str, fields: Mapping[str, Any], timeout: float) -> HttpAnswer:
    """POSTs ``application/x-www-form-urlencoded`` fields (VK's methods)."""
    body = urllib.parse.urlencode({k: str(v) for k, v in fields.items()}).encode()
    return await asyncio.to_thread(_request, "POST", url, body, "application/x-www-form-urlencoded", timeout)


async def post_json(url: str, payload: Mapping[str, Any], timeout: float) -> HttpAnswer:
    """POSTs a JSON body (the Telegram Bot API)."""
    return await asyncio.to_thread(_request, "POST", url, json.dumps(payload).encode(), "application/json", timeout)


def retry_after_ms(answer: HttpAnswer) -> Optional[int]:
    """A ``Retry-After`` header in milliseconds (seconds form only), or None."""
    value = answer.headers.get("retry-after", "")
    return int(value) * 1000 if value.isdigit() else None
