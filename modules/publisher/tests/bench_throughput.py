"""Throughput of the reference publisher against the fake platforms (not a
test): N approvals on a fresh hub, then P publisher processes; prints jobs/s
from the publishers' start to the last ``published``.

    /usr/bin/python3 modules/publisher/tests/bench_throughput.py --jobs 300 --processes 1 3 --db sqlite
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from pub_support import HUB_ENV, Platforms, approve_all, publications, run, start_publisher, stop, token

from review_hub import HubClient, PublishedEvent
from hub_server import Database, HubServer


def measure(kind: str, jobs: int, processes: int, concurrency: int, delay: float) -> float:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db = Database(kind, tmp)
        server = HubServer(db, tmp, HUB_ENV).start()
        try:
            with Platforms(delay=delay) as platforms:
                rows = [("vk" if i % 2 else "telegram",
                         "https://vk.com/wall-1_1" if i % 2 else "https://t.me/channel/1", f"reply {i}")
                        for i in range(jobs)]
                ids = run(approve_all(server, rows), timeout=600)
                procs = []

                async def publish_all() -> float:
                    # Count `published` events on an operator connection (cheap, unlike polling history).
                    done: set[int] = set()
                    finished = asyncio.Event()

                    def on(item: object) -> None:
                        if isinstance(item, PublishedEvent):
                            done.add(item.response_id)
                            if len(done) == jobs:
                                finished.set()

                    async with HubClient(server.ws_url, token("watcher", "operator")) as watcher:
                        watcher.add_listener(on)
                        started = time.monotonic()
                        procs.extend(start_publisher(server, platforms, f"bench-{n}", tmp, "--concurrency",
                                                     str(concurrency), "--log-level", "WARNING")
                                     for n in range(processes))
                        await finished.wait()
                        return time.monotonic() - started

                try:
                    elapsed = run(publish_all(), timeout=600)
                finally:
                    for proc in procs:
                        stop(proc)
                states = publications(server)
                assert all(states[i]["state"] == "published" for i in ids)
                assert all(platforms.posts_of(text) == 1 for _p, _u, text in rows)
                return jobs / elapsed
        finally:
            server.kill()
            db.drop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds each platform write takes")
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "mysql"])
    args = parser.parse_args()
    for processes in args.processes:
        rate = measure(args.db, args.jobs, processes, args.concurrency, args.delay)
        print(f"{args.db} jobs={args.jobs} processes={processes} concurrency={args.concurrency} "
              f"platform_delay={args.delay}s: {rate:.1f} jobs/s (including process start)")


if __name__ == "__main__":
    main()
