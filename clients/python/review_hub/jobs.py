"""Publication jobs (PROTOCOL.md §3.4, v1.2) and what a publishing function
returns for one: ``Published`` or ``Failed``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, Optional, Union


def parse_time(text: Optional[str]) -> Optional[datetime]:
    """Parses the hub's ISO-8601 UTC times (``2026-12-05T19:00:00.000Z``).

    :returns: an aware datetime, or None for a missing or bad value
    """
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Job:
    """A publication taken with ``TAKE``: publish ``text`` as a reply to ``post_url``."""

    response_id: int
    platform: str
    """``vk`` or ``telegram``."""
    post_url: str
    text: str
    """The approved reply."""
    attempt: int
    """This attempt's number (from 1): report it back with the outcome."""
    lease_until: str
    """Until when this module holds the job (ISO-8601 UTC); after it, the job is queued again."""
    maybe_applied: bool
    """An earlier attempt was taken and never reported: the reply may already be on
    the platform, so look for it before posting again."""
    decided_by: str
    decided_at: str
    raw: Mapping[str, Any] = field(repr=False)

    @staticmethod
    def parse(item: Mapping[str, Any]) -> "Job":
        """Builds it from one element of ``ACK.jobs``."""
        attempt = item.get("attempt")
        return Job(
            response_id=int(item.get("response_id") or 0),
            platform=str(item.get("platform") or ""),
            post_url=str(item.get("post_url") or ""),
            text=str(item.get("text") or ""),
            attempt=attempt if isinstance(attempt, int) and attempt > 0 else 1,
            lease_until=str(item.get("lease_until") or ""),
            maybe_applied=item.get("maybe_applied") is True,
            decided_by=str(item.get("decided_by") or ""),
            decided_at=str(item.get("decided_at") or ""),
            raw=item,
        )


@dataclass(frozen=True)
class Published:
    """The reply is on the platform."""

    platform_ref: Optional[str] = None
    """The platform's id of the reply (at most 128 characters)."""
    url: Optional[str] = None
    """A link to the reply: https, on the platform's own host, at most 512 characters."""


@dataclass(frozen=True)
class Failed:
    """The attempt failed."""

    reason: str
    """What went wrong, for people (cut to 1024 characters)."""
    retryable: bool = True
    """False: the hub marks the publication ``failed`` until an admin sends ``RETRY``."""
    retry_after_ms: Optional[int] = None
    """The platform's own wait (e.g. a 429's ``retry_after``), 0–86400000."""


Outcome = Union[Published, Failed]
"""What a publishing function returns."""
