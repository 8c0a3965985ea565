"""What the hub sends, as frozen dataclasses: ``Welcome``, ``Snapshot``,
``Presence`` and one class per ``EVENT`` kind of PROTOCOL.md §3.2 (v1.2
included). ``parse_event`` turns a decoded ``EVENT`` frame into its class;
a kind this client does not know becomes ``OtherEvent`` (the contract may
grow). Every object keeps the frame it came from in ``raw``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Union


def _s(frame: Mapping[str, Any], name: str) -> str:
    value = frame.get(name)
    return value if isinstance(value, str) else ""


def _os(frame: Mapping[str, Any], name: str) -> Optional[str]:
    value = frame.get(name)
    return value if isinstance(value, str) else None


def _i(frame: Mapping[str, Any], name: str, default: int = 0) -> int:
    value = frame.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


@dataclass(frozen=True)
class Welcome:
    """``WELCOME``: the connection is authenticated."""

    client_id: str
    role: str
    user: str
    epoch: str
    seq: int
    """Head of the event log when the connection began."""
    resumed: bool
    heartbeat_interval_ms: int
    heartbeat_timeout_ms: int
    limits: Mapping[str, int]
    """(v1.2) Longest ``text`` and ``reason`` accepted; empty from a v1.1 server."""
    raw: Mapping[str, Any] = field(repr=False)

    @staticmethod
    def parse(frame: Mapping[str, Any]) -> "Welcome":
        """Builds it from the decoded frame."""
        limits = frame.get("limits")
        return Welcome(
            client_id=_s(frame, "client_id"),
            role=_s(frame, "role"),
            user=_s(frame, "user"),
            epoch=_s(frame, "epoch"),
            seq=_i(frame, "seq"),
            resumed=frame.get("resumed") is True,
            heartbeat_interval_ms=_i(frame, "heartbeat_interval_ms", 15000),
            heartbeat_timeout_ms=_i(frame, "heartbeat_timeout_ms", 45000),
            limits=dict(limits) if isinstance(limits, dict) else {},
            raw=frame,
        )


@dataclass(frozen=True)
class SnapshotItem:
    """A pending response in a ``SNAPSHOT``."""

    response_id: int
    platform: str
    post_url: str
    html: str
    claimed_by: Optional[str]
    claim_until: Optional[str]
    created_at: Optional[str]


@dataclass(frozen=True)
class Snapshot:
    """``SNAPSHOT``: every pending response at ``seq`` (a fresh start, not a replay)."""

    seq: int
    items: tuple[SnapshotItem, ...]
    in_flight: tuple[Mapping[str, Any], ...]
    """(v1.2) Decisions in their undo window and approvals not yet published."""
    raw: Mapping[str, Any] = field(repr=False)

    @staticmethod
    def parse(frame: Mapping[str, Any]) -> "Snapshot":
        """Builds it from the decoded frame."""
        items = frame.get("items")
        in_flight = frame.get("in_flight")
        return Snapshot(
            seq=_i(frame, "seq"),
            items=tuple(
                SnapshotItem(
                    response_id=_i(i, "response_id"),
                    platform=_s(i, "platform"),
                    post_url=_s(i, "post_url"),
                    html=_s(i, "html"),
                    claimed_by=_os(i, "claimed_by"),
                    claim_until=_os(i, "claim_until"),
                    created_at=_os(i, "created_at"),
                )
                for i in (items if isinstance(items, list) else [])
                if isinstance(i, dict)
            ),
            in_flight=tuple(x for x in (in_flight if isinstance(in_flight, list) else []) if isinstance(x, dict)),
            raw=frame,
        )


@dataclass(frozen=True)
class Presence:
    """``PRESENCE`` (to operators): who is connected."""

    operators: tuple[Mapping[str, Any], ...]
    total: int
    raw: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Event:
    """Fields every ``EVENT`` has."""

    seq: int
    response_id: int
    raw: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class PendingEvent(Event):
    """A response awaits review (also ``reopened`` carries a card: see ``ReopenedEvent``)."""

    platform: str
    post_url: str
    html: str


@dataclass(frozen=True)
class ApprovedEvent(Event):
    """A response was approved; ``text`` is the reply to publish."""

    by: str
    at: str
    text: str
    undo_until: Optional[str]


@dataclass(frozen=True)
class RejectedEvent(Event):
    """A response was rejected."""

    by: str
    at: str
    reason: Optional[str]
    undo_until: Optional[str]


@dataclass(frozen=True)
class ClaimedEvent(Event):
    """(v1.1) Someone took or renewed a claim."""

    by: str
    until: str


@dataclass(frozen=True)
class ReleasedEvent(Event):
    """(v1.1) A claim was released (``by`` released it)."""

    by: str


@dataclass(frozen=True)
class ReopenedEvent(Event):
    """(v1.2) A decision was undone: the response is pending again."""

    by: str
    at: str
    platform: str
    post_url: str
    html: str


@dataclass(frozen=True)
class QueuedEvent(Event):
    """(v1.2) A publication is due at ``due_at``: a publishing module sends ``TAKE``."""

    attempt: int
    due_at: str
    maybe_applied: bool


@dataclass(frozen=True)
class PublishingEvent(Event):
    """(v1.2) A module took a publication under a lease."""

    by: str
    attempt: int
    lease_until: str


@dataclass(frozen=True)
class PublishedEvent(Event):
    """(v1.2) A reply is on the platform."""

    by: str
    attempt: int
    at: str
    platform_ref: Optional[str]
    url: Optional[str]


@dataclass(frozen=True)
class PublishFailedEvent(Event):
    """(v1.2) An attempt failed; when not ``final`` the next is due at ``due_at``."""

    by: str
    attempt: int
    at: str
    reason: str
    final: bool
    due_at: Optional[str]


@dataclass(frozen=True)
class OtherEvent(Event):
    """An event kind this client does not know (from a newer server)."""

    kind: str


HubEvent = Union[
    PendingEvent,
    ApprovedEvent,
    RejectedEvent,
    ClaimedEvent,
    ReleasedEvent,
    ReopenedEvent,
    QueuedEvent,
    PublishingEvent,
    PublishedEvent,
    PublishFailedEvent,
    OtherEvent,
]
"""Any ``EVENT``."""


def parse_event(frame: Mapping[str, Any]) -> HubEvent:
    """Turns a decoded ``EVENT`` frame into its dataclass.

    :param frame: the frame (``type`` ``EVENT``)
    :returns: the event; ``OtherEvent`` for an unknown ``event``
    """
    base: dict[str, Any] = {"seq": _i(frame, "seq"), "response_id": _i(frame, "response_id"), "raw": frame}
    kind = _s(frame, "event")
    if kind == "pending":
        return PendingEvent(**base, platform=_s(frame, "platform"), post_url=_s(frame, "post_url"), html=_s(frame, "html"))
    if kind == "approved":
        return ApprovedEvent(
            **base, by=_s(frame, "by"), at=_s(frame, "at"), text=_s(frame, "text"), undo_until=_os(frame, "undo_until")
        )
    if kind == "rejected":
        return RejectedEvent(
            **base,
            by=_s(frame, "by"),
            at=_s(frame, "at"),
            reason=_os(frame, "reason"),
            undo_until=_os(frame, "undo_until"),
        )
    if kind == "claimed":
        return ClaimedEvent(**base, by=_s(frame, "by"), until=_s(frame, "until"))
    if kind == "released":
        return ReleasedEvent(**base, by=_s(frame, "by"))
    if kind == "reopened":
        return ReopenedEvent(
            **base,
            by=_s(frame, "by"),
            at=_s(frame, "at"),
            platform=_s(frame, "platform"),
            post_url=_s(frame, "post_url"),
            html=_s(frame, "html"),
        )
    if kind == "queued":
        return QueuedEvent(
            **base,
            attempt=_i(frame, "attempt", 1),
            due_at=_s(frame, "due_at"),
            maybe_applied=frame.get("maybe_applied") is True,
        )
    if kind == "publishing":
        return PublishingEvent(
            **base, by=_s(frame, "by"), attempt=_i(frame, "attempt", 1), lease_until=_s(frame, "lease_until")
        )
    if kind == "published":
        return PublishedEvent(
            **base,
            by=_s(frame, "by"),
            attempt=_i(frame, "attempt", 1),
            at=_s(frame, "at"),
            platform_ref=_os(frame, "platform_ref"),
            url=_os(frame, "url"),
        )
    if kind == "publish_failed":
        return PublishFailedEvent(
            **base,
            by=_s(frame, "by"),
            attempt=_i(frame, "attempt", 1),
            at=_s(frame, "at"),
            reason=_s(frame, "reason"),
            final=frame.get("final") is True,
            due_at=_os(frame, "due_at"),
        )
    return OtherEvent(**base, kind=kind)
