"""Errors: one exception class per ``ERROR.code`` of PROTOCOL.md §4, the
client's own (``timeout``, ``closed``), and the final close that stops a
client. Every class carries the protocol ``code``, ``retryable`` and the
frame's extra fields.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

__all__ = [
    "HubError",
    "BadJsonError",
    "BadFrameError",
    "UnknownTypeError",
    "NotAuthenticatedError",
    "UnauthorizedError",
    "AlreadyAuthenticatedError",
    "ForbiddenError",
    "NotFoundError",
    "NotPendingError",
    "TooLargeError",
    "RateLimitedError",
    "UnavailableError",
    "ClaimedError",
    "TooLateError",
    "TooManyClaimsError",
    "BadStateError",
    "InternalError",
    "RequestTimeoutError",
    "ClientClosedError",
    "TokenRefusedError",
    "ERROR_CLASSES",
    "error_from_frame",
]


class HubError(Exception):
    """A failed request, or a refusal of the connection."""

    code: str = "internal"
    """The protocol ``ERROR.code`` (or ``timeout`` / ``closed``)."""

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        retryable: bool = False,
        fields: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.retryable = retryable
        """Whether trying again may succeed."""
        self.fields: Mapping[str, Any] = dict(fields or {})
        """Extra fields of the ``ERROR`` frame (e.g. ``status``, ``decided_by``)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class BadJsonError(HubError):
    """``bad_json``: the frame was not JSON."""

    code = "bad_json"


class BadFrameError(HubError):
    """``bad_frame``: a field is missing or wrong (the message names it)."""

    code = "bad_frame"


class UnknownTypeError(HubError):
    """``unknown_type``: the server does not know the frame's ``type``."""

    code = "unknown_type"


class NotAuthenticatedError(HubError):
    """``not_authenticated``: a command before ``CL``."""

    code = "not_authenticated"


class UnauthorizedError(HubError):
    """``unauthorized``: a bad or expired token."""

    code = "unauthorized"


class AlreadyAuthenticatedError(HubError):
    """``already_authenticated``: a second ``CL``."""

    code = "already_authenticated"


class ForbiddenError(HubError):
    """``forbidden``: the role may not send this command."""

    code = "forbidden"


class NotFoundError(HubError):
    """``not_found``: no such response."""

    code = "not_found"


class NotPendingError(HubError):
    """``not_pending``: the response was already decided (fields ``status``, ``decided_by``)."""

    code = "not_pending"

    @property
    def status(self) -> str:
        """Its status now (``approved``, ``rejected``)."""
        return str(self.fields.get("status", ""))

    @property
    def decided_by(self) -> Optional[str]:
        """Who decided it, when known."""
        value = self.fields.get("decided_by")
        return value if isinstance(value, str) else None


class TooLargeError(HubError):
    """``too_large``: a field over its limit (named in the message)."""

    code = "too_large"


class RateLimitedError(HubError):
    """``rate_limited`` (retryable)."""

    code = "rate_limited"


class UnavailableError(HubError):
    """``unavailable``: the database does not answer (retryable)."""

    code = "unavailable"


class ClaimedError(HubError):
    """``claimed``: another user holds a live claim (fields ``claimed_by``, ``claim_until``)."""

    code = "claimed"


class TooLateError(HubError):
    """``too_late``: an ``UNDO`` after the window (v1.2)."""

    code = "too_late"


class TooManyClaimsError(HubError):
    """``too_many_claims``: the user holds ``CLAIM_MAX_PER_USER`` live claims (v1.2)."""

    code = "too_many_claims"


class BadStateError(HubError):
    """``bad_state``: the response is not in a state the command applies to (v1.2)."""

    code = "bad_state"

    @property
    def state(self) -> str:
        """``pending``, ``held``, ``queued``, ``publishing``, ``published``, ``failed`` or ``rejected``."""
        return str(self.fields.get("state", ""))


class InternalError(HubError):
    """``internal``: the server failed."""

    code = "internal"


class RequestTimeoutError(HubError):
    """``timeout`` (client side): no reply within the request timeout (retryable)."""

    code = "timeout"


class ClientClosedError(HubError):
    """``closed`` (client side): the client is closed, so the request cannot be answered.

    When the server closed it for good, ``close_code`` and ``close_reason``
    say how (1000, 1003, 1007, 1009, or 4001 for a refused token).
    """

    code = "closed"

    def __init__(self, message: str, *, close_code: Optional[int] = None, close_reason: str = "") -> None:
        super().__init__(message, retryable=False)
        self.close_code = close_code
        """The server's close code, or None when the application closed the client."""
        self.close_reason = close_reason
        """The server's close reason."""


class TokenRefusedError(ClientClosedError):
    """The server closed with 4001: the token is bad or expired (a token function may renew it)."""


ERROR_CLASSES: dict[str, type[HubError]] = {
    cls.code: cls
    for cls in (
        BadJsonError,
        BadFrameError,
        UnknownTypeError,
        NotAuthenticatedError,
        UnauthorizedError,
        AlreadyAuthenticatedError,
        ForbiddenError,
        NotFoundError,
        NotPendingError,
        TooLargeError,
        RateLimitedError,
        UnavailableError,
        ClaimedError,
        TooLateError,
        TooManyClaimsError,
        BadStateError,
        InternalError,
    )
}
"""Each protocol ``ERROR.code`` with its class."""


def error_from_frame(frame: Mapping[str, Any]) -> HubError:
    """Builds the exception for an ``ERROR`` frame (``HubError`` for a code this client does not know).

    :param frame: the parsed frame
    :returns: the exception, carrying every field but ``type``, ``id``, ``code``, ``message``, ``retryable``
    """
    code = str(frame.get("code", "internal"))
    message = frame.get("message")
    fields = {k: v for k, v in frame.items() if k not in ("type", "id", "code", "message", "retryable")}
    cls = ERROR_CLASSES.get(code, HubError)
    return cls(
        message if isinstance(message, str) else code,
        code=code,
        retryable=frame.get("retryable") is True,
        fields=fields,
    )
