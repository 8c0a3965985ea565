"""The reference publisher's pure rules: post URLs → API targets, and each
platform answer → retryable or final (from VK's and the Bot API's codes)."""
from __future__ import annotations

from typing import Any, Optional

import pytest
import pub_support  # noqa: F401  (puts the client on the path)

from modules.publisher import telegram, vk
from modules.publisher.http_call import HttpAnswer
from review_hub import Failed


@pytest.mark.parametrize("url,target", [
    ("https://vk.com/wall-123_456", (-123, 456)),
    ("https://vk.com/wall123_456", (123, 456)),
    ("https://m.vk.com/wall-1_2", (-1, 2)),
    ("https://vk.com/club1?w=wall-1_2", (-1, 2)),
    ("https://vk.com.evil.example/wall-1_2", None),
    ("http://vk.com/wall-1_2", None),
    ("https://t.me/channel/789", None),
])
def test_vk_post_urls(url: str, target: Optional[tuple[int, int]]) -> None:
    assert vk.parse_post_url(url) == target


@pytest.mark.parametrize("url,target", [
    ("https://t.me/channel/789", ("@channel", 789)),
    ("https://t.me/c/1234567/89", (-1001234567, 89)),
    ("https://telegram.me/some_chan/5", ("@some_chan", 5)),
    ("https://t.me/channel", None),
    ("https://t.me.evil.example/channel/1", None),
    ("https://vk.com/wall-1_2", None),
])
def test_telegram_post_urls(url: str, target: Any) -> None:
    assert telegram.parse_post_url(url) == target


def vk_answer(status: int, body: Any, retry_after: str = "") -> HttpAnswer:
    return HttpAnswer(status, {"retry-after": retry_after} if retry_after else {}, body)


def vk_error(code: int) -> HttpAnswer:
    return vk_answer(200, {"error": {"error_code": code, "error_msg": f"error {code}"}})


VK = vk.VkPublisher(vk.VkConfig(base="http://x", token="t", version="5.199", from_group=None, timeout=1))
TG = telegram.TelegramPublisher(telegram.TelegramConfig(base="http://x", token="t", timeout=1))


@pytest.mark.parametrize("answer,retryable,wait", [
    (vk_error(6), True, 1_000),          # too many requests per second
    (vk_error(9), True, 60_000),         # flood control
    (vk_error(10), True, None),          # internal server error
    (vk_error(1), True, None),           # unknown error
    (vk_error(29), True, 3_600_000),     # rate limit reached
    (vk_error(5), False, None),          # user authorization failed: bad token
    (vk_error(15), False, None),         # access denied
    (vk_error(14), False, None),         # captcha needed: a person must act
    (vk_error(100), False, None),        # a parameter is invalid
    (vk_error(213), False, None),        # no access to comments
    (vk_answer(429, None, "7"), True, 7_000),
    (vk_answer(502, None), True, None),
    (vk_answer(200, {"unexpected": 1}), True, None),
])
def test_vk_answers(answer: HttpAnswer, retryable: bool, wait: Optional[int]) -> None:
    failed = VK._classify(answer)
    assert isinstance(failed, Failed) and failed.retryable is retryable and failed.retry_after_ms == wait


def test_vk_success_is_no_failure() -> None:
    assert VK._classify(vk_answer(200, {"response": {"comment_id": 5}})) is None


def tg(status: int, code: int, **extra: Any) -> HttpAnswer:
    return HttpAnswer(status, {}, {"ok": False, "error_code": code, "description": "d", **extra})


@pytest.mark.parametrize("answer,retryable,wait", [
    (tg(429, 429, parameters={"retry_after": 3}), True, 3_000),
    (HttpAnswer(429, {"retry-after": "2"}, None), True, 2_000),
    (tg(500, 500), True, None),
    (HttpAnswer(502, {}, None), True, None),
    (tg(401, 401), False, None),         # bad bot token
    (tg(400, 400), False, None),         # message to be replied not found, chat not found
    (tg(403, 403), False, None),         # the bot may not post there
    (tg(404, 404), False, None),
])
def test_telegram_answers(answer: HttpAnswer, retryable: bool, wait: Optional[int]) -> None:
    failed = TG._classify(answer)
    assert isinstance(failed, Failed) and failed.retryable is retryable and failed.retry_after_ms == wait


def test_telegram_success_is_no_failure() -> None:
    assert TG._classify(HttpAnswer(200, {}, {"ok": True, "result": {"message_id": 3}})) is None
