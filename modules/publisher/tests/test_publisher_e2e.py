"""The reference publisher end to end: the real hub (SQLite and MariaDB),
publisher processes started as a user starts them, fake VK and Telegram APIs
with faults."""
from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path
from typing import Callable

from pub_support import (  # noqa: F401  (database, make_server are fixtures)
    HUB_ENV,
    Platforms,
    approve_all,
    database,
    make_server,
    run,
    start_publisher,
    stop,
    wait_settled,
)
from hub_server import HubServer
from pub_support import token

from review_hub import HubClient, PublishingEvent

VK_POST = "https://vk.com/wall-123_456"
TG_POST = "https://t.me/channel/789"


def test_every_approval_is_published_once_through_429_error_6_and_5xx(
        make_server: Callable[..., HubServer], tmp_path: Path) -> None:
    server = make_server(**HUB_ENV)
    rows = [("vk", VK_POST, f"vk reply {i}") for i in range(8)] + \
        [("telegram", TG_POST, f"tg reply {i}") for i in range(8)]
    with Platforms() as platforms:
        platforms.faults = {"vk reply 1": ["error6"], "vk reply 2": ["http429"], "vk reply 3": ["http500"],
                            "tg reply 1": ["http429"], "tg reply 2": ["http500"]}
        ids = run(approve_all(server, rows))
        proc = start_publisher(server, platforms, "publisher-1", tmp_path, "--concurrency", "4")
        try:
            states = wait_settled(server, ids)
        finally:
            stop(proc)
        assert {s["state"] for s in states.values()} == {"published"}
        for (platform, _url, text), rid in zip(rows, ids):
            assert platforms.posts_of(text) == 1, text
            expected_attempts = 2 if text in platforms.faults else 1
            assert states[rid]["attempts"] == expected_attempts, (text, states[rid])
            host = "https://vk.com/wall-123_456?reply=" if platform == "vk" else "https://t.me/channel/"
            assert states[rid]["url"].startswith(host)
        assert all(not queue for queue in platforms.faults.values())  # every fault was met


def test_a_final_error_ends_failed(make_server: Callable[..., HubServer], tmp_path: Path) -> None:
    server = make_server(**HUB_ENV)
    rows = [("vk", VK_POST, "bad token reply"), ("telegram", TG_POST, "gone post reply"),
            ("vk", "https://example.com/not-vk", "bad url reply")]
    with Platforms() as platforms:
        platforms.faults = {"bad token reply": ["error5"], "gone post reply": ["tg400"]}
        ids = run(approve_all(server, rows))
        proc = start_publisher(server, platforms, "publisher-1", tmp_path)
        try:
            states = wait_settled(server, ids)
        finally:
            stop(proc)
        assert [states[i]["state"] for i in ids] == ["failed"] * 3
        assert [states[i]["attempts"] for i in ids] == [1, 1, 1]
        assert "VK error 5" in states[ids[0]]["last_error"]
        assert "Telegram 400" in states[ids[1]]["last_error"]
        assert "not a VK wall post URL" in states[ids[2]]["last_error"]


def test_a_timeout_after_posting_is_found_and_not_posted_twice_on_vk(
        make_server: Callable[..., HubServer], tmp_path: Path) -> None:
    server = make_server(**HUB_ENV)
    with Platforms() as platforms:
        platforms.faults = {"slow reply": ["slow_after_post"]}
        ids = run(approve_all(server, [("vk", VK_POST, "slow reply")]))
        proc = start_publisher(server, platforms, "publisher-1", tmp_path)
        try:
            states = wait_settled(server, ids)
        finally:
            stop(proc)
        assert states[ids[0]]["state"] == "published" and states[ids[0]]["attempts"] == 1
        assert platforms.posts_of("slow reply") == 1
        assert ("vk", "wall.getComments") in platforms.calls


def test_maybe_applied_reply_is_found_not_posted_twice_on_vk(
        make_server: Callable[..., HubServer], tmp_path: Path) -> None:
    """A publisher is killed (SIGKILL) after VK stored the comment and before it
    reported; the lease lapses, the next attempt carries maybe_applied, and the
    second publisher finds the comment instead of posting it again."""
    server = make_server(**HUB_ENV)
    with Platforms() as platforms:
        platforms.faults = {"crash reply": ["hang_after_post"]}
        ids = run(approve_all(server, [("vk", VK_POST, "crash reply")]))
        first = start_publisher(server, platforms, "publisher-1", tmp_path)
        assert platforms.hanging.wait(30), "the first publisher never posted"
        first.send_signal(signal.SIGKILL)
        first.wait()
        second = start_publisher(server, platforms, "publisher-2", tmp_path)
        try:
            states = wait_settled(server, ids)
        finally:
            stop(second)
        assert states[ids[0]]["state"] == "published" and states[ids[0]]["attempts"] == 2
        assert platforms.posts_of("crash reply") == 1
        log = (tmp_path / "publisher-2.log").read_text()
        assert "already on VK" in log


def test_three_publishers_one_killed_mid_job(make_server: Callable[..., HubServer], tmp_path: Path) -> None:
    """Three publisher processes share 30 VK jobs; the one holding "reply 10" is
    killed (SIGKILL) after VK stored that comment and before it reported. Every
    approval ends published, each comment is on VK once, and "reply 10" took a
    second attempt (maybe_applied) by another process, which found the comment."""
    server = make_server(**HUB_ENV)
    rows = [("vk", VK_POST, f"reply {i}") for i in range(30)]
    with Platforms(delay=0.05) as platforms:
        platforms.faults = {"reply 10": ["hang_after_post"]}
        ids = run(approve_all(server, rows))
        holders: dict[int, str] = {}

        async def watch_and_kill() -> str:
            async with HubClient(server.ws_url, token("watcher", "operator")) as watcher:
                watcher.add_listener(
                    lambda e: holders.__setitem__(e.response_id, e.by) if isinstance(e, PublishingEvent) else None)
                procs.extend(start_publisher(server, platforms, f"publisher-{n}", tmp_path, "--concurrency", "2")
                             for n in range(3))
                while not platforms.hanging.is_set():
                    await asyncio.sleep(0.02)
                while ids[10] not in holders:
                    await asyncio.sleep(0.02)
                return holders[ids[10]]

        procs: list[subprocess.Popen[bytes]] = []
        try:
            victim = run(watch_and_kill())
            killed = procs[int(victim.rsplit("-", 1)[1])]
            killed.send_signal(signal.SIGKILL)
            killed.wait()
            states = wait_settled(server, ids)
        finally:
            for proc in procs:
                stop(proc)
        assert {s["state"] for s in states.values()} == {"published"}
        assert all(platforms.posts_of(text) == 1 for _p, _u, text in rows)
        assert states[ids[10]]["attempts"] == 2
        survivors = "".join((tmp_path / f"publisher-{n}.log").read_text() for n in range(3) if f"-{n}" != victim[-2:])
        assert "already on VK" in survivors
