"""The module's configuration, read from the environment like the server's
(names in the module's README section of clients/python/README.md)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional

from review_hub import tokens

from .telegram import TelegramConfig
from .vk import VkConfig


@dataclass(frozen=True)
class Config:
    """Everything the publisher needs."""

    hub_url: str
    token: str
    vk: VkConfig
    telegram: TelegramConfig


def _number(env: Mapping[str, str], name: str, default: str) -> float:
    value = env.get(name, default)
    try:
        number = float(value)
    except ValueError:
        raise SystemExit(f"{name} must be a number, not {value!r}") from None
    if number <= 0:
        raise SystemExit(f"{name} must be positive")
    return number


def load(env: Optional[Mapping[str, str]] = None) -> Config:
    """Reads the configuration; exits with a message naming a bad variable."""
    env = os.environ if env is None else env
    token = env.get("HUB_TOKEN", "")
    if not token:
        secret = env.get("AUTH_SECRET", "")
        if not secret:
            raise SystemExit("set HUB_TOKEN (a module token), or AUTH_SECRET to mint one")
        try:
            token = tokens.mint(secret, env.get("PUBLISHER_NAME", "publisher"), "module", "720h")
        except ValueError as error:
            raise SystemExit(f"AUTH_SECRET: {error}") from None
    timeout = _number(env, "PUBLISH_HTTP_TIMEOUT_MS", "10000") / 1000
    group = env.get("VK_FROM_GROUP", "")
    if group and not group.isdigit():
        raise SystemExit("VK_FROM_GROUP must be a community id (digits)")
    return Config(
        hub_url=env.get("HUB_URL", "ws://127.0.0.1:8765/ws"),
        token=token,
        vk=VkConfig(
            base=env.get("VK_API_BASE", "https://api.vk.com"),
            token=env.get("VK_API_TOKEN", ""),
            version=env.get("VK_API_VERSION", "5.199"),
            from_group=int(group) if group else None,
            timeout=timeout,
        ),
        telegram=TelegramConfig(
            base=env.get("TELEGRAM_API_BASE", "https://api.telegram.org"),
            token=env.get("TELEGRAM_BOT_TOKEN", ""),
            timeout=timeout,
        ),
    )
