"""``post_sr``: announce a pending response over HTTP (``POST /api/sr``,
PROTOCOL.md §2), for one-shot scripts that do not keep a connection.
Standard library only (``urllib``).
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from .errors import HubError, error_from_frame
from .requests import Ack


def post_sr(base_url: str, token: str, response_id: int, *, timeout: float = 10.0) -> Ack:
    """Announces a pending response, as the ``SR`` frame does.

    :param base_url: the hub's HTTP base, e.g. ``http://127.0.0.1:8765``
    :param token: a ``module`` token
    :param response_id: ``responses.id`` of a row inserted with ``status = 'pending'``
    :param timeout: seconds for the whole request
    :returns: the ``ACK`` (``seq``; ``duplicate`` when already announced)
    :raises HubError: the server's error as its class (``NotPendingError`` for 409,
        ``UnauthorizedError`` for 401, ``UnavailableError`` for 503 …)
    """
    if isinstance(response_id, bool) or not isinstance(response_id, int) or response_id <= 0:
        raise ValueError("response_id must be a positive integer")
    request = urllib.request.Request(
        base_url.rstrip("/") + "/api/sr",
        data=json.dumps({"response_id": response_id}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body: Any = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            body = json.loads(error.read() or b"{}")
        except ValueError:
            body = {}
        if not isinstance(body, dict) or "code" not in body:
            body = {"code": "internal", "message": f"HTTP {error.code}", "retryable": error.code >= 500}
        raise error_from_frame(body) from None
    except (urllib.error.URLError, OSError) as error:
        raise HubError(f"cannot reach the hub: {error}", code="unavailable", retryable=True) from None
    if not isinstance(body, dict):
        raise HubError("the hub's answer is not an object", code="internal")
    return Ack.parse(body)
