"""The README's examples run as a user runs them (separate processes, PYTHONPATH
pointing at clients/python) against the real hub."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from conftest import run, token
from hub_server import HubServer

from review_hub import HubClient

HERE = Path(__file__).resolve().parents[1]


def _env(server: HubServer, **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(HERE), "HUB_URL": server.ws_url, "HUB_TOKEN": token("example"),
            **extra}


def test_the_ten_line_module_announces_and_sees_the_approval(server: HubServer) -> None:
    rid = server.db.insert_response(text="a kind reply")
    proc = subprocess.Popen([sys.executable, str(HERE / "examples" / "module.py")],
                            env=_env(server, RESPONSE_ID=str(rid)), stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("announced as seq 1")

    async def approve() -> None:
        async with HubClient(server.ws_url, token("alice", "operator")) as operator:
            await operator.approve(rid, "an edited reply")

    run(approve())
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert out.strip() == f"{rid} approved by alice : an edited reply"


def test_the_twenty_line_publisher_publishes_each_approval_once(make_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = make_server(UNDO_WINDOW_MS="0")
    ids = [server.db.insert_response(text=f"reply {i}") for i in range(5)]
    bad = server.db.insert_response(post_url="ftp://nowhere/1", text="bad")

    async def approve() -> None:
        async with HubClient(server.ws_url, token("proposer")) as module, \
                HubClient(server.ws_url, token("alice", "operator")) as operator:
            for rid in [*ids, bad]:
                await module.submit(rid)
                await operator.approve(rid)

    out = tmp_path / "published.jsonl"
    proc = subprocess.Popen([sys.executable, str(HERE / "examples" / "publisher.py")],
                            env=_env(server, PUBLISH_TO=str(out)))
    try:
        run(approve())
        deadline = time.monotonic() + 30
        while not (out.exists() and len(out.read_text().splitlines()) == 5):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(15)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(line["response_id"] for line in lines) == ids
    assert proc.returncode == 0 or proc.returncode == -15
