"""What the reference publisher's end-to-end tests share: the hub (from the
client's tests), approvals made as a proposing module and an operator would,
publisher processes started with ``python3 -m modules.publisher``, and the
publications' states read from ``GET /api/history``."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
for extra in (ROOT, ROOT / "clients" / "python", ROOT / "clients" / "python" / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from conftest import database, make_server, run, token  # noqa: E402,F401  (fixtures for the tests)
from fake_platforms import TG_TOKEN, VK_TOKEN, Platforms  # noqa: E402
from hub_server import HubServer  # noqa: E402

from review_hub import HubClient, RateLimitedError  # noqa: E402

HUB_ENV = {"UNDO_WINDOW_MS": "0", "PUBLISH_RETRY_BASE_MS": "300", "PUBLISH_LEASE_MS": "3000", "LOG_LEVEL": "warn"}
"""Approvals queue at once, retries come fast, a dead publisher's lease lapses in 3 s."""


async def approve_all(server: HubServer, rows: list[tuple[str, str, str]]) -> list[int]:
    """Inserts ``(platform, post_url, text)`` rows, announces them (SR) and approves each."""
    ids = [server.db.insert_response(platform, url, text) for platform, url, text in rows]
    async with HubClient(server.ws_url, token("proposer")) as module, \
            HubClient(server.ws_url, token("alice", "operator")) as operator:
        for rid in ids:
            await _patiently(module.submit, rid)
        for rid in ids:
            await _patiently(operator.approve, rid)
    return ids


async def _patiently(command: Any, rid: int) -> None:
    """Runs a command, waiting out the hub's per-connection rate limit (100 frames/s by default)."""
    while True:
        try:
            await command(rid)
            return
        except RateLimitedError:
            await asyncio.sleep(0.5)


def publications(server: HubServer) -> dict[int, dict[str, Any]]:
    """Every approval's publication (``state``, ``attempts``, ``url``, ``last_error`` …) by response id."""
    out: dict[int, dict[str, Any]] = {}
    cursor = ""
    while True:
        query = "limit=200&status=approved" + (f"&cursor={cursor}" if cursor else "")
        request = urllib.request.Request(f"{server.url}/api/history?{query}",
                                         headers={"Authorization": f"Bearer {token('alice', 'operator')}"})
        with urllib.request.urlopen(request, timeout=10) as res:
            page = json.loads(res.read())
        for item in page["items"]:
            out[item["response_id"]] = item["publication"] or {}
        cursor = page.get("next_cursor") or ""
        if not cursor:
            return out


def wait_settled(server: HubServer, ids: list[int], timeout: float = 90) -> dict[int, dict[str, Any]]:
    """Waits until every id is ``published`` or ``failed``; returns their publications."""
    deadline = time.monotonic() + timeout
    while True:
        states = publications(server)
        if all(states.get(i, {}).get("state") in ("published", "failed") for i in ids):
            return states
        if time.monotonic() > deadline:
            raise AssertionError(f"not settled: { {i: states.get(i) for i in ids} }")
        time.sleep(0.2)


def start_publisher(server: HubServer, platforms: Platforms, name: str, tmp: Path, *args: str,
                    **env: str) -> "subprocess.Popen[bytes]":
    """``python3 -m modules.publisher`` from the repository's root, as a user runs it."""
    full_env = {
        **os.environ, "HUB_URL": server.ws_url, "HUB_TOKEN": token(name),
        "VK_API_BASE": platforms.base, "VK_API_TOKEN": VK_TOKEN,
        "TELEGRAM_API_BASE": platforms.base, "TELEGRAM_BOT_TOKEN": TG_TOKEN,
        "PUBLISH_HTTP_TIMEOUT_MS": "1000", **env,
    }
    full_env.pop("PYTHONPATH", None)  # the module finds the client by itself
    log = open(tmp / f"{name}.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "modules.publisher", "--poll", "5", *args], cwd=ROOT,
                            env=full_env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    log.close()
    return proc


def stop(proc: "subprocess.Popen[bytes]") -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
