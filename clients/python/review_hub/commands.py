"""The commands a client sends, one method per frame of PROTOCOL.md §3.1
(those with a reply), built on ``request``; ``HubClient`` provides it."""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from .jobs import Job
from .requests import Ack


class HubCommands:
    """``submit``, ``approve``, ``reject``, ``take``, ``published``, ``publish_failed``."""

    async def request(self, frame: Mapping[str, Any]) -> Ack:
        """Sends a command and waits for its reply (``HubClient`` implements it)."""
        raise NotImplementedError

    async def submit(self, response_id: int) -> Ack:
        """Announces a pending response (``SR``; role ``module``).

        :returns: the ``ACK``: ``seq`` of the ``pending`` event; ``duplicate`` if already announced
        :raises NotPendingError: it was decided
        """
        return await self.request({"type": "SR", "response_id": _positive(response_id)})

    async def approve(self, response_id: int, text: Optional[str] = None) -> Ack:
        """``APPROVED`` (role ``operator``), with the edited reply if any."""
        frame: dict[str, Any] = {"type": "APPROVED", "response_id": _positive(response_id)}
        if text is not None:
            frame["text"] = text
        return await self.request(frame)

    async def reject(self, response_id: int, reason: Optional[str] = None) -> Ack:
        """``REJECTED`` (role ``operator``), with a reason if any."""
        frame: dict[str, Any] = {"type": "REJECTED", "response_id": _positive(response_id)}
        if reason is not None:
            frame["reason"] = reason
        return await self.request(frame)

    async def take(self, platforms: Optional[Sequence[str]] = None, max_jobs: int = 1) -> list[Job]:
        """``TAKE`` (v1.2, role ``module``): up to ``max_jobs`` (1–20) due publications under a lease.

        :returns: the jobs, possibly none
        """
        if not 1 <= max_jobs <= 20:
            raise ValueError("max_jobs must be 1–20")
        frame: dict[str, Any] = {"type": "TAKE", "max": max_jobs}
        if platforms is not None:
            frame["platforms"] = list(platforms)
        ack = await self.request(frame)
        jobs = ack.fields.get("jobs")
        return [Job.parse(j) for j in jobs if isinstance(j, dict)] if isinstance(jobs, list) else []

    async def published(
        self, response_id: int, attempt: int, platform_ref: Optional[str] = None, url: Optional[str] = None
    ) -> Ack:
        """``PUBLISHED`` (v1.2): the reply is on the platform.

        :returns: the ``ACK`` (``duplicate`` when it was already recorded)
        """
        frame: dict[str, Any] = {"type": "PUBLISHED", "response_id": _positive(response_id), "attempt": attempt}
        if platform_ref is not None:
            frame["platform_ref"] = platform_ref[:128]
        if url is not None:
            frame["url"] = url
        return await self.request(frame)

    async def publish_failed(
        self,
        response_id: int,
        attempt: int,
        reason: str,
        retryable: bool = True,
        retry_after_ms: Optional[int] = None,
    ) -> Ack:
        """``PUBLISH_FAILED`` (v1.2): this attempt failed.

        :returns: the ``ACK`` (``stale`` when a newer attempt is under way)
        """
        frame: dict[str, Any] = {
            "type": "PUBLISH_FAILED",
            "response_id": _positive(response_id),
            "attempt": attempt,
            "reason": reason[:1024],
            "retryable": retryable,
        }
        if retry_after_ms is not None:
            frame["retry_after_ms"] = max(0, min(86_400_000, int(retry_after_ms)))
        return await self.request(frame)


def _positive(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("response_id must be a positive integer")
    return value
