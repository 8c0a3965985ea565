"""``Publisher``: the publishing module's loop of PROTOCOL.md §3.4 (v1.2):
``TAKE`` → the user's ``publish(job)`` → ``PUBLISHED`` or ``PUBLISH_FAILED``.

It sends ``TAKE`` when a connection is welcomed, on every ``queued`` event,
at the ``due_at`` of every non-final ``publish_failed``, when a job ends and
(as a safety net the contract allows) every ``poll_interval`` seconds, and
never holds more than ``concurrency`` jobs. ``job.maybe_applied`` reaches the
publishing function untouched: it is the function's duty to look for its own
earlier reply before posting again. Reports are retried while the hub says
``unavailable``/``rate_limited`` or does not answer: a late ``PUBLISHED`` is
still accepted by the hub, so a success is never dropped.
"""
from __future__ import annotations

import asyncio
import heapq
import logging
from dataclasses import dataclass
from typing import Awaitable, Callable, Optional, Sequence

from .client import Delivered, HubClient
from .errors import ClientClosedError, HubError
from .events import PublishFailedEvent, QueuedEvent, Snapshot, Welcome
from .jobs import Failed, Job, Outcome, Published, parse_time

PublishFunction = Callable[[Job], Awaitable[Outcome]]
"""``async def publish(job) -> Published | Failed``."""

log = logging.getLogger("review_hub.publisher")

MAX_DUE_TIMERS = 10_000
"""Due times remembered from ``publish_failed`` events; past this the poll covers the rest."""


@dataclass
class PublisherStats:
    """Counters of what the publisher did."""

    taken: int = 0
    published: int = 0
    failed: int = 0
    """Failures reported (retryable or final)."""
    raised: int = 0
    """Publishing functions that raised instead of returning ``Failed``."""
    report_errors: int = 0
    """Reports the hub refused (e.g. ``bad_state``) or that could not be delivered."""


class Publisher:
    """Takes publication jobs from the hub and runs the publishing function on each."""

    def __init__(
        self,
        hub: HubClient,
        publish: PublishFunction,
        *,
        platforms: Optional[Sequence[str]] = None,
        concurrency: int = 1,
        poll_interval: Optional[float] = 30.0,
        report_retry_cap: float = 30.0,
    ) -> None:
        """
        :param hub: a client with a ``module`` token (started by ``run`` if it is not)
        :param publish: ``async def publish(job) -> Published | Failed``
        :param platforms: take only these (``vk``, ``telegram``); None: all
        :param concurrency: jobs held at once (each ``TAKE`` asks for at most the free slots, ≤ 20)
        :param poll_interval: seconds between safety ``TAKE`` s (None: only on events)
        :param report_retry_cap: longest wait between tries of a report, seconds
        """
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.hub = hub
        self._publish = publish
        self._platforms = list(platforms) if platforms is not None else None
        self._concurrency = concurrency
        self._poll_interval = poll_interval
        self._report_retry_cap = report_retry_cap
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._active: set["asyncio.Task[None]"] = set()
        self._due: list[float] = []
        self._due_timer: Optional[asyncio.TimerHandle] = None
        self.stats = PublisherStats()

    async def run(self) -> None:
        """Publishes until ``stop()`` or until the hub client stops.

        :raises ClientClosedError: when the hub closed the connection for good (e.g. a refused token)
        """
        self.hub.start()
        remove_listener = self.hub.add_listener(self._on_delivered)
        remove_connect = self.hub.add_connect_listener(self._on_connected)
        if self.hub.state == "connected":
            self._wake.set()
        taker = asyncio.ensure_future(self._take_loop())
        closed = asyncio.ensure_future(self.hub.wait_closed())
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({taker, closed, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            remove_listener()
            remove_connect()
            taker.cancel()
            stopping.cancel()
            if self._due_timer is not None:
                self._due_timer.cancel()
            if self._active:  # let the jobs in hand finish and report
                await asyncio.gather(*self._active, return_exceptions=True)
            if not closed.done():
                closed.cancel()
        if taker.done() and not taker.cancelled() and taker.exception() is not None:
            raise taker.exception()  # type: ignore[misc]
        if closed.done() and not closed.cancelled():
            closed.result()  # raises the final close

    def stop(self) -> None:
        """Takes no more jobs; ``run`` returns once the jobs in hand are reported."""
        self._stopping.set()

    # -- when to take --------------------------------------------------------

    def _on_connected(self, _welcome: Welcome) -> None:
        self._wake.set()

    def _on_delivered(self, item: Delivered) -> None:
        if isinstance(item, (QueuedEvent, Snapshot)):
            self._wake.set()
        elif isinstance(item, PublishFailedEvent) and not item.final:
            due = parse_time(item.due_at)
            if due is not None:
                self._add_due(due.timestamp())

    def _add_due(self, server_time: float) -> None:
        if len(self._due) >= MAX_DUE_TIMERS:
            return  # bounded: the poll takes the rest
        heapq.heappush(self._due, server_time)
        self._arm_due()

    def _arm_due(self) -> None:
        if self._due_timer is not None:
            self._due_timer.cancel()
            self._due_timer = None
        if not self._due:
            return
        # Due by the server's clock; a little late rather than early (an early TAKE finds nothing).
        delay = max(0.0, self._due[0] - self.hub.server_now() + 0.05)
        self._due_timer = asyncio.get_running_loop().call_later(delay, self._due_fired)

    def _due_fired(self) -> None:
        self._due_timer = None
        now = self.hub.server_now()
        while self._due and self._due[0] <= now + 0.05:
            heapq.heappop(self._due)
        self._wake.set()
        self._arm_due()

    # -- taking and publishing -----------------------------------------------

    async def _take_loop(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                await asyncio.wait_for(self._wake.wait(), self._poll_interval)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            while not self._stopping.is_set():
                free = self._concurrency - len(self._active)
                if free <= 0:
                    break  # a job's end wakes the loop
                want = min(free, 20)
                try:
                    jobs = await self.hub.take(self._platforms, want)
                except ClientClosedError:
                    return
                except HubError as error:
                    failures += 1
                    log.warning("TAKE failed: %s", error)
                    await asyncio.sleep(min(self._report_retry_cap, 0.5 * 2 ** min(failures, 6)))
                    self._wake.set()
                    break
                failures = 0
                for job in jobs:
                    self.stats.taken += 1
                    task = asyncio.ensure_future(self._handle(job))
                    self._active.add(task)
                    task.add_done_callback(self._job_done)
                if len(jobs) < want:
                    break  # nothing more is due now

    def _job_done(self, task: "asyncio.Task[None]") -> None:
        self._active.discard(task)
        self._wake.set()

    async def _handle(self, job: Job) -> None:
        try:
            outcome = await self._publish(job)
            if not isinstance(outcome, (Published, Failed)):
                raise TypeError(f"publish returned {outcome!r}, not Published or Failed")
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.stats.raised += 1
            log.exception("publishing %s (attempt %s) raised", job.response_id, job.attempt)
            outcome = Failed(f"publisher error: {error!r}"[:1024], retryable=True)
        await self._report(job, outcome)

    async def _report(self, job: Job, outcome: Outcome) -> None:
        tries = 0
        while True:
            try:
                if isinstance(outcome, Published):
                    ack = await self.hub.published(job.response_id, job.attempt, outcome.platform_ref, outcome.url)
                    self.stats.published += 1
                    log.info("published %s (attempt %s)%s", job.response_id, job.attempt, " (already recorded)" if ack.duplicate else "")
                else:
                    ack = await self.hub.publish_failed(
                        job.response_id, job.attempt, outcome.reason, outcome.retryable, outcome.retry_after_ms
                    )
                    self.stats.failed += 1
                    log.info(
                        "failed %s (attempt %s, %s): %s%s",
                        job.response_id,
                        job.attempt,
                        "retryable" if outcome.retryable else "final",
                        outcome.reason,
                        " (stale: a newer attempt is under way)" if ack.stale else "",
                    )
                return
            except ClientClosedError:
                self.stats.report_errors += 1
                log.error("cannot report %s: the client is closed", job.response_id)
                return
            except HubError as error:
                if not error.retryable:
                    self.stats.report_errors += 1
                    log.warning("report of %s refused: %s %s", job.response_id, error.code, error.message)
                    return
                tries += 1
                await asyncio.sleep(min(self._report_retry_cap, 0.5 * 2 ** min(tries, 6)))
