"""VK: a reply is ``wall.createComment`` on the post; ``wall.getComments``
finds an earlier reply of ours when an attempt may already have been applied.
Errors are classified from VK's documented codes
(https://dev.vk.com/reference/errors): 6 (too many requests per second),
9 (flood control), 10 (internal server error), 1 (unknown) and 29 (rate limit)
are retryable; 5 (authorization failed: a bad or expired token) and every
other code are final."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Optional

from review_hub import Failed, Job, Published

from .http_call import HttpAnswer, NotSent, OutcomeUnknown, post_form, retry_after_ms

log = logging.getLogger("publisher.vk")

POST_URL = re.compile(r"^https://(?:m\.)?vk\.com/(?:[\w.]+\?w=)?wall(-?\d+)_(\d+)")
RETRYABLE = {1: None, 6: 1_000, 9: 60_000, 10: None, 29: 3_600_000}
"""Retryable VK error codes with the wait to ask for (None: the hub's own backoff)."""


@dataclass(frozen=True)
class VkConfig:
    """From the environment: ``VK_API_BASE``, ``VK_API_TOKEN``, ``VK_API_VERSION``, ``VK_FROM_GROUP``."""

    base: str
    token: str
    version: str
    from_group: Optional[int]
    timeout: float


def parse_post_url(url: str) -> Optional[tuple[int, int]]:
    """``https://vk.com/wall-123_456`` → ``(-123, 456)``; None when it is not a VK wall post."""
    match = POST_URL.match(url)
    return (int(match.group(1)), int(match.group(2))) if match else None


class VkPublisher:
    """Posts replies as comments on VK wall posts."""

    def __init__(self, config: VkConfig) -> None:
        self.config = config

    async def _call(self, method: str, **params: Any) -> HttpAnswer:
        fields = {**params, "access_token": self.config.token, "v": self.config.version}
        return await post_form(f"{self.config.base.rstrip('/')}/method/{method}", fields, self.config.timeout)

    def request_for(self, job: Job) -> dict[str, Any]:
        """The ``wall.createComment`` parameters for a job (shown by ``--dry-run``)."""
        target = parse_post_url(job.post_url)
        if target is None:
            raise ValueError(f"not a VK wall post URL: {job.post_url}")
        params: dict[str, Any] = {"owner_id": target[0], "post_id": target[1], "message": job.text,
                                  "guid": f"review-hub-{job.response_id}"}
        if self.config.from_group:
            params["from_group"] = 1
        return params

    async def publish(self, job: Job) -> "Published | Failed":
        """Posts the reply, or finds it when an earlier attempt may have posted it."""
        if not self.config.token:
            return Failed("VK_API_TOKEN is not set", retryable=False)
        try:
            params = self.request_for(job)
        except ValueError as error:
            return Failed(str(error), retryable=False)
        if job.maybe_applied:
            found = await self._find_earlier(job, params)
            if isinstance(found, (Published, Failed)):
                return found
        try:
            answer = await self._call("wall.createComment", **params)
        except NotSent as error:
            return Failed(f"VK not reached: {error}", retryable=True)
        except OutcomeUnknown as error:
            # The comment may be on the wall: look before the hub queues another attempt.
            log.warning("reply %s: outcome unknown (%s); looking for it", job.response_id, error)
            found = await self._find_earlier(job, params)
            if isinstance(found, (Published, Failed)):
                return found
            return Failed(f"VK outcome unknown ({error}); the reply is not on the wall", retryable=True)
        outcome = self._classify(answer)
        if isinstance(outcome, Failed):
            return outcome
        comment_id = answer.body["response"].get("comment_id")
        return self._published(params, comment_id)

    def _published(self, params: dict[str, Any], comment_id: Any) -> Published:
        url = f"https://vk.com/wall{params['owner_id']}_{params['post_id']}?reply={comment_id}"
        return Published(platform_ref=str(comment_id), url=url)

    def _classify(self, answer: HttpAnswer) -> Optional[Failed]:
        if answer.status == 429:
            return Failed("VK HTTP 429", retryable=True, retry_after_ms=retry_after_ms(answer))
        if answer.status >= 500:
            return Failed(f"VK HTTP {answer.status}", retryable=True, retry_after_ms=retry_after_ms(answer))
        body = answer.body if isinstance(answer.body, dict) else {}
        error = body.get("error")
        if isinstance(error, dict):
            code = error.get("error_code")
            text = f"VK error {code}: {error.get('error_msg', '')}"[:1024]
            if code in RETRYABLE:
                return Failed(text, retryable=True, retry_after_ms=RETRYABLE[code])
            return Failed(text, retryable=False)
        if answer.status != 200 or not isinstance(body.get("response"), dict):
            return Failed(f"VK answered HTTP {answer.status} without a response", retryable=True)
        return None

    async def _find_earlier(self, job: Job, params: dict[str, Any]) -> "Published | Failed | None":
        """Looks through the post's newest comments for this reply (same text, and our group when set)."""
        for offset in range(0, 500, 100):
            try:
                answer = await self._call("wall.getComments", owner_id=params["owner_id"], post_id=params["post_id"],
                                          count=100, offset=offset, sort="desc")
            except (NotSent, OutcomeUnknown) as error:
                return Failed(f"VK wall.getComments failed: {error}", retryable=True)
            failed = self._classify(answer)
            if failed is not None:
                return failed
            response = answer.body["response"]
            items = response.get("items") if isinstance(response.get("items"), list) else []
            for item in items:
                if not isinstance(item, dict) or item.get("text") != job.text:
                    continue
                if self.config.from_group and item.get("from_id") != -self.config.from_group:
                    continue
                log.info("reply %s already on VK as comment %s: not posting again", job.response_id, item.get("id"))
                return self._published(params, item.get("id"))
            if len(items) < 100:
                break
        return None
