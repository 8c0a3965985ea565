"""The publisher process: a ``HubClient`` with a module token, a
``Publisher`` whose function sends each job to its platform, and a clean stop
on SIGTERM/SIGINT (jobs in hand finish and are reported)."""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from typing import Any, Optional, Sequence

from review_hub import Failed, HubClient, Job, Published, Publisher

from . import config as config_module
from .telegram import TelegramPublisher
from .vk import VkPublisher

log = logging.getLogger("publisher")


class Platforms:
    """Sends each job to the platform it names."""

    def __init__(self, cfg: config_module.Config) -> None:
        self.vk = VkPublisher(cfg.vk)
        self.telegram = TelegramPublisher(cfg.telegram)

    async def publish(self, job: Job) -> "Published | Failed":
        """The Publisher's function."""
        if job.platform == "vk":
            return await self.vk.publish(job)
        if job.platform == "telegram":
            return await self.telegram.publish(job)
        return Failed(f"unknown platform {job.platform!r}", retryable=False)

    def request_for(self, job: Job) -> dict[str, Any]:
        """What would be sent for a job (``--dry-run``)."""
        if job.platform == "vk":
            return self.vk.request_for(job)
        return self.telegram.request_for(job)


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 -m modules.publisher", description=__doc__)
    parser.add_argument("--concurrency", type=int, default=4, help="jobs in hand at once (default 4)")
    parser.add_argument("--platforms", default="", help="comma list: vk,telegram (default: both)")
    parser.add_argument("--poll", type=float, default=30.0, help="seconds between safety TAKEs (default 30)")
    parser.add_argument("--dry-run", action="store_true",
                        help="check the configuration and the hub connection, show the request for "
                             "--post-url/--text, take no job and post nothing")
    parser.add_argument("--post-url", default="https://vk.com/wall-1_1", help="with --dry-run")
    parser.add_argument("--text", default="(reply text)", help="with --dry-run")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


async def dry_run(cfg: config_module.Config, args: argparse.Namespace) -> int:
    platforms = Platforms(cfg)
    platform = "vk" if "vk.com" in args.post_url else "telegram"
    job = Job(response_id=0, platform=platform, post_url=args.post_url, text=args.text, attempt=1,
              lease_until="", maybe_applied=False, decided_by="", decided_at="", raw={})
    try:
        request = platforms.request_for(job)
    except ValueError as error:
        print(f"dry run: {error}")
        return 2
    configured = bool(cfg.vk.token if platform == "vk" else cfg.telegram.token)
    print(f"dry run: {platform} request (not sent): {json.dumps(request, ensure_ascii=False)}")
    print(f"dry run: {platform} token {'set' if configured else 'NOT SET'}")
    async with HubClient(cfg.hub_url, cfg.token) as hub:
        welcome = hub.welcome
        assert welcome is not None
        print(f"dry run: hub {cfg.hub_url} welcomed {welcome.user!r} as {welcome.role}; head seq {welcome.seq}")
        if welcome.role != "module":
            print("dry run: the token's role must be 'module' to take jobs")
            return 2
    return 0 if configured else 2


async def run(cfg: config_module.Config, args: argparse.Namespace) -> int:
    platforms = [p for p in args.platforms.split(",") if p] or None
    hub = HubClient(cfg.hub_url, cfg.token)
    publisher = Publisher(hub, Platforms(cfg).publish, platforms=platforms, concurrency=args.concurrency,
                          poll_interval=args.poll)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, publisher.stop)
    log.info("publishing from %s (concurrency %s, platforms %s)", cfg.hub_url, args.concurrency,
             platforms or "all")
    try:
        await publisher.run()
    except Exception as error:
        log.error("stopped: %s", error)
        return 1
    finally:
        await hub.close()
        log.info("stopped; %s", publisher.stats)
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    cfg = config_module.load()
    return asyncio.run(dry_run(cfg, args) if args.dry_run else run(cfg, args))


if __name__ == "__main__":
    sys.exit(main())
