"""The receiving side of the client, without I/O: applies ``WELCOME``,
``SNAPSHOT`` and ``EVENT`` frames to the resume position in ``seq`` order,
each once (PROTOCOL.md §3.3), and says when a connection can no longer be
trusted (a ``seq`` jump, a resume of an unknown log). The rules are those of
the TypeScript SDK's ``web/sdk/pending_feed.ts`` and ``sequencer.ts``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional, Union

from .events import HubEvent, Snapshot, Welcome

SeqVerdict = Literal["apply", "duplicate", "gap"]
"""``apply``: the next one; ``duplicate``: already applied; ``gap``: some are missing."""


@dataclass(frozen=True)
class Position:
    """Where a client stands in one event log: save it to resume after a restart."""

    epoch: str
    """The log's name, from ``WELCOME.epoch``."""
    seq: int
    """The last contiguous ``seq`` applied."""


def judge_seq(last: int, seq: int) -> SeqVerdict:
    """Judges an event's ``seq`` against the last contiguous one.

    :param last: the last contiguous ``seq`` applied
    :param seq: the incoming event's ``seq``
    :returns: the verdict
    """
    if seq <= last:
        return "duplicate"
    if seq == last + 1:
        return "apply"
    return "gap"


class Abandon(Exception):
    """The connection can no longer be trusted: reconnect and resume from ``Feed.position``."""


@dataclass
class FeedStats:
    """Counters of what the feed did."""

    connections: int = 0
    resumes: int = 0
    snapshots: int = 0
    duplicates_dropped: int = 0
    gaps: int = 0


Delivery = Union[Snapshot, HubEvent]
"""What the feed hands on to the application, in order."""


class Feed:
    """The position and the rules that keep it contiguous."""

    def __init__(self, start: Optional[Position]) -> None:
        self._position = start
        self._epoch = ""
        self._awaiting_snapshot = False
        self._buffered: list[HubEvent] = []
        self.stats = FeedStats()

    @property
    def position(self) -> Optional[Position]:
        """The last contiguous position applied, or None before the first snapshot."""
        return self._position

    def welcome(self, welcome: Welcome) -> None:
        """A new connection was welcomed.

        :raises Abandon: when the server resumes a log this client does not know
        """
        self._buffered = []
        if welcome.resumed and (self._position is None or self._position.epoch != welcome.epoch):
            self._position = None  # start over with a snapshot
            raise Abandon("resumed an unknown log")
        self._epoch = welcome.epoch
        self.stats.connections += 1
        self._awaiting_snapshot = not welcome.resumed
        if welcome.resumed:
            self.stats.resumes += 1

    def snapshot(self, snapshot: Snapshot) -> list[Delivery]:
        """Takes the snapshot's position, then applies the events that came early.

        :returns: the snapshot and the events to deliver
        :raises Abandon: on a gap among the early events
        """
        self._position = Position(self._epoch, snapshot.seq)
        self._awaiting_snapshot = False
        self.stats.snapshots += 1
        out: list[Delivery] = [snapshot]
        buffered, self._buffered = self._buffered, []
        for event in buffered:
            out.extend(self.event(event))
        return out

    def event(self, event: HubEvent) -> list[Delivery]:
        """Applies an event if it is the next one; drops a repeat.

        :returns: the event, or nothing for a repeat
        :raises Abandon: on a gap
        """
        position = self._position
        if self._awaiting_snapshot or position is None:
            self._buffered.append(event)  # the SNAPSHOT comes first; keep what arrives early
            return []
        verdict = judge_seq(position.seq, event.seq)
        if verdict == "duplicate":
            self.stats.duplicates_dropped += 1
            return []
        if verdict == "gap":
            self.stats.gaps += 1
            raise Abandon(f"seq jumped from {position.seq} to {event.seq}")
        self._position = Position(position.epoch, event.seq)
        return [event]
