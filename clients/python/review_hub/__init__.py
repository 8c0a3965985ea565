"""A Python client of the review hub's wire protocol (docs/PROTOCOL.md v1.2).

- ``HubClient``: the WebSocket connection that resumes without loss;
- ``Publisher``: the ``TAKE`` → publish → ``PUBLISHED``/``PUBLISH_FAILED`` loop;
- ``post_sr``: ``POST /api/sr`` for one-shot scripts;
- ``tokens.mint``: tokens for a web application that signs in its users.
"""
from . import tokens
from .backoff import DEFAULT_BACKOFF, Backoff, backoff_ceiling, backoff_delay
from .client import Delivered, HubClient, StateKind, TokenSource
from .close_codes import FINAL_CLOSE_CODES, close_action
from .errors import (  # one class per ERROR.code
    AlreadyAuthenticatedError,
    BadFrameError,
    BadJsonError,
    BadStateError,
    ClaimedError,
    ClientClosedError,
    ERROR_CLASSES,
    ForbiddenError,
    HubError,
    InternalError,
    NotAuthenticatedError,
    NotFoundError,
    NotPendingError,
    RateLimitedError,
    RequestTimeoutError,
    TokenRefusedError,
    TooLargeError,
    TooLateError,
    TooManyClaimsError,
    UnauthorizedError,
    UnavailableError,
    UnknownTypeError,
    error_from_frame,
)
from .events import (
    ApprovedEvent,
    ClaimedEvent,
    Event,
    HubEvent,
    OtherEvent,
    PendingEvent,
    Presence,
    PublishedEvent,
    PublishFailedEvent,
    PublishingEvent,
    QueuedEvent,
    RejectedEvent,
    ReleasedEvent,
    ReopenedEvent,
    Snapshot,
    SnapshotItem,
    Welcome,
    parse_event,
)
from .feed import FeedStats, Position
from .http import post_sr
from .jobs import Failed, Job, Outcome, Published
from .publisher import Publisher, PublisherStats, PublishFunction
from .requests import Ack
from .stream import EventStream

__version__ = "0.1.0"

__all__ = [
    "Ack",
    "AlreadyAuthenticatedError",
    "ApprovedEvent",
    "Backoff",
    "BadFrameError",
    "BadJsonError",
    "BadStateError",
    "ClaimedError",
    "ClaimedEvent",
    "ClientClosedError",
    "DEFAULT_BACKOFF",
    "Delivered",
    "ERROR_CLASSES",
    "Event",
    "EventStream",
    "FINAL_CLOSE_CODES",
    "Failed",
    "FeedStats",
    "ForbiddenError",
    "HubClient",
    "HubError",
    "HubEvent",
    "InternalError",
    "Job",
    "NotAuthenticatedError",
    "NotFoundError",
    "NotPendingError",
    "OtherEvent",
    "Outcome",
    "PendingEvent",
    "Position",
    "Presence",
    "PublishFailedEvent",
    "PublishFunction",
    "Published",
    "PublishedEvent",
    "Publisher",
    "PublisherStats",
    "PublishingEvent",
    "QueuedEvent",
    "RateLimitedError",
    "RejectedEvent",
    "ReleasedEvent",
    "ReopenedEvent",
    "RequestTimeoutError",
    "Snapshot",
    "SnapshotItem",
    "StateKind",
    "TokenRefusedError",
    "TokenSource",
    "TooLargeError",
    "TooLateError",
    "TooManyClaimsError",
    "UnauthorizedError",
    "UnavailableError",
    "UnknownTypeError",
    "Welcome",
    "backoff_ceiling",
    "backoff_delay",
    "close_action",
    "error_from_frame",
    "parse_event",
    "post_sr",
    "tokens",
    "__version__",
]
