"""Telegram: a reply is Bot API ``sendMessage`` to the channel with
``reply_parameters`` naming the channel post. The Bot API cannot list a
channel's messages, so on ``maybe_applied`` the module cannot look for an
earlier reply: it says so in its log and posts again (at least once; a
reply may appear twice after a crash between posting and reporting).
Errors follow the Bot API's ``error_code``: 429 (with
``parameters.retry_after``) and 5xx are retryable; 401 (bad token), 400
(e.g. the post or chat does not exist), 403 (the bot is not allowed) and 404
are final."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Optional, Union

from review_hub import Failed, Job, Published

from .http_call import HttpAnswer, NotSent, OutcomeUnknown, post_json, retry_after_ms

log = logging.getLogger("publisher.telegram")

POST_URL = re.compile(r"^https://(?:t|telegram)\.me/(?:(c)/(\d+)|([A-Za-z][A-Za-z0-9_]{3,}))/(\d+)")


@dataclass(frozen=True)
class TelegramConfig:
    """From the environment: ``TELEGRAM_BOT_TOKEN``, ``TELEGRAM_API_BASE``."""

    base: str
    token: str
    timeout: float


def parse_post_url(url: str) -> Optional[tuple[Union[str, int], int]]:
    """``https://t.me/channel/789`` → ``("@channel", 789)``; ``https://t.me/c/123/789`` → ``(-100123, 789)``."""
    match = POST_URL.match(url)
    if not match:
        return None
    chat: Union[str, int] = int(f"-100{match.group(2)}") if match.group(1) else f"@{match.group(3)}"
    return chat, int(match.group(4))


class TelegramPublisher:
    """Posts replies to channel posts with a bot."""

    def __init__(self, config: TelegramConfig) -> None:
        self.config = config

    def request_for(self, job: Job) -> dict[str, Any]:
        """The ``sendMessage`` body for a job (shown by ``--dry-run``)."""
        target = parse_post_url(job.post_url)
        if target is None:
            raise ValueError(f"not a Telegram post URL: {job.post_url}")
        return {"chat_id": target[0], "text": job.text, "reply_parameters": {"message_id": target[1]}}

    async def publish(self, job: Job) -> "Published | Failed":
        """Posts the reply (again, when an earlier attempt may have posted it: see the module's doc)."""
        if not self.config.token:
            return Failed("TELEGRAM_BOT_TOKEN is not set", retryable=False)
        try:
            body = self.request_for(job)
        except ValueError as error:
            return Failed(str(error), retryable=False)
        if job.maybe_applied:
            log.warning("reply %s (attempt %s) may already be on Telegram; the Bot API cannot look for it, "
                        "so it is posted again", job.response_id, job.attempt)
        url = f"{self.config.base.rstrip('/')}/bot{self.config.token}/sendMessage"
        try:
            answer = await post_json(url, body, self.config.timeout)
        except NotSent as error:
            return Failed(f"Telegram not reached: {error}", retryable=True)
        except OutcomeUnknown as error:
            return Failed(f"Telegram outcome unknown ({error}); the reply may be on the channel", retryable=True)
        failed = self._classify(answer)
        if failed is not None:
            return failed
        result = answer.body["result"] if isinstance(answer.body, dict) else {}
        message_id = result.get("message_id")
        chat = body["chat_id"]
        link = f"https://t.me/{chat[1:]}/{message_id}" if isinstance(chat, str) else \
            f"https://t.me/c/{str(chat)[4:]}/{message_id}"
        return Published(platform_ref=str(message_id), url=link)

    def _classify(self, answer: HttpAnswer) -> Optional[Failed]:
        body = answer.body if isinstance(answer.body, dict) else {}
        if answer.status == 200 and body.get("ok") is True and isinstance(body.get("result"), dict):
            return None
        code = body.get("error_code", answer.status)
        text = f"Telegram {code}: {body.get('description', '')}"[:1024]
        if code == 429 or answer.status == 429:
            parameters = body.get("parameters")
            after = parameters.get("retry_after") if isinstance(parameters, dict) else None
            wait = int(after) * 1000 if isinstance(after, int) else retry_after_ms(answer)
            return Failed(text, retryable=True, retry_after_ms=wait)
        if isinstance(code, int) and code >= 500 or answer.status >= 500:
            return Failed(text, retryable=True)
        return Failed(text, retryable=False)
