"""The Publisher's own rules against a fake hub: it takes on connect, on
``queued`` and at a failure's ``due_at``; never holds more than its
concurrency; passes ``maybe_applied`` and ``retry_after_ms`` through; turns a
raising function into a retryable failure; and a report survives a drop."""
from __future__ import annotations

import asyncio

from conftest import run, token
from fake_hub import FakeHub

from review_hub import Failed, HubClient, Job, Published, Publisher


async def until(predicate, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def test_concurrency_bound_each_job_once_and_maybe_applied_passed_through() -> None:
    async def body() -> None:
        async with FakeHub() as hub:
            for rid in range(1, 6):
                await hub.queue(rid)  # due before the publisher connects: taken on connect
            running, peak, seen = 0, 0, []

            async def publish(job: Job) -> Published:
                nonlocal running, peak
                running += 1
                peak = max(peak, running)
                seen.append((job.response_id, job.maybe_applied, job.text))
                await asyncio.sleep(0.05)
                running -= 1
                return Published(platform_ref=f"ref-{job.response_id}")

            client = HubClient(hub.ws_url, token())
            publisher = Publisher(client, publish, concurrency=3, poll_interval=None)
            task = asyncio.ensure_future(publisher.run())
            await until(lambda: len(hub.reports) == 5)
            for rid in range(6, 13):  # queued while running: taken on the events
                await hub.queue(rid, maybe_applied=(rid == 7))
            await until(lambda: len(hub.reports) == 12)
            publisher.stop()
            await task
            await client.close()
            assert peak == 3
            assert sorted(r["response_id"] for r in hub.reports) == list(range(1, 13))
            assert all(r["type"] == "PUBLISHED" and r["attempt"] == 1 for r in hub.reports)
            assert {r["platform_ref"] for r in hub.reports} == {f"ref-{i}" for i in range(1, 13)}
            assert [m for rid, m, _ in seen if m] == [True] and (7, True, "reply 7") in seen
            assert all(t["max"] <= 3 for t in hub.takes)
            assert publisher.stats.published == 12 and publisher.stats.taken == 12

    run(body())


def test_retry_after_is_reported_and_the_job_taken_again_at_due_at() -> None:
    async def body() -> None:
        async with FakeHub() as hub:
            attempts: list[int] = []

            async def publish(job: Job) -> "Published | Failed":
                attempts.append(job.attempt)
                if job.attempt == 1:
                    return Failed("429 Too Many Requests", retryable=True, retry_after_ms=400)
                return Published()

            client = HubClient(hub.ws_url, token())
            publisher = Publisher(client, publish, poll_interval=None)  # only events drive it
            task = asyncio.ensure_future(publisher.run())
            await client.wait_connected()
            await hub.queue(1)
            await until(lambda: len(hub.reports) == 2)
            publisher.stop()
            await task
            await client.close()
            failed, published = hub.reports
            assert failed["type"] == "PUBLISH_FAILED" and failed["retry_after_ms"] == 400 and failed["retryable"]
            assert published["type"] == "PUBLISHED" and published["attempt"] == 2
            assert attempts == [1, 2]

    run(body())


def test_a_raising_function_is_a_retryable_failure_and_a_final_one_is_reported_final() -> None:
    async def body() -> None:
        async with FakeHub() as hub:
            async def publish(job: Job) -> Failed:
                if job.response_id == 1:
                    raise RuntimeError("boom")
                return Failed("bad token", retryable=False)

            client = HubClient(hub.ws_url, token())
            publisher = Publisher(client, publish, concurrency=2, poll_interval=None)
            task = asyncio.ensure_future(publisher.run())
            await client.wait_connected()
            await hub.queue(1)
            await hub.queue(2)
            await until(lambda: len(hub.reports) == 2)
            publisher.stop()
            await task
            await client.close()
            by_id = {r["response_id"]: r for r in hub.reports}
            assert by_id[1]["retryable"] is True and "boom" in by_id[1]["reason"]
            assert by_id[2]["retryable"] is False and by_id[2]["reason"] == "bad token"
            assert publisher.stats.raised == 1

    run(body())


def test_a_report_lost_with_the_connection_is_sent_again_after_the_reconnect() -> None:
    async def body() -> None:
        async with FakeHub(drop_on_first_published=True) as hub:
            calls: list[int] = []

            async def publish(job: Job) -> Published:
                calls.append(job.response_id)
                return Published(platform_ref="x")

            client = HubClient(hub.ws_url, token())
            publisher = Publisher(client, publish, poll_interval=None)
            task = asyncio.ensure_future(publisher.run())
            await client.wait_connected()
            await hub.queue(1)
            await until(lambda: len(hub.reports) == 2)
            publisher.stop()
            await task
            await client.close()
            assert [r["type"] for r in hub.reports] == ["PUBLISHED", "PUBLISHED"]
            assert calls == [1]  # published once; only the report was repeated
            assert client.stats.connections == 2 and hub.jobs[1].state == "published"

    run(body())


def test_a_job_without_an_event_is_found_by_the_poll_and_stop_drains() -> None:
    async def body() -> None:
        async with FakeHub() as hub:
            release = asyncio.Event()

            async def publish(job: Job) -> Published:
                if job.response_id == 2:
                    await release.wait()
                return Published()

            client = HubClient(hub.ws_url, token())
            publisher = Publisher(client, publish, poll_interval=0.3)
            task = asyncio.ensure_future(publisher.run())
            await client.wait_connected()
            await hub.queue(1, silent=True)  # no queued event: only the poll finds it
            await until(lambda: len(hub.reports) == 1)
            await hub.queue(2)
            await until(lambda: hub.jobs[2].state == "publishing")
            publisher.stop()  # takes nothing more; the job in hand is finished and reported
            await hub.queue(3)
            await asyncio.sleep(0.5)
            assert not task.done()
            release.set()
            await asyncio.wait_for(task, 5)
            await client.close()
            assert [r["response_id"] for r in hub.reports] == [1, 2]
            assert hub.jobs[3].state == "queued"

    run(body())
