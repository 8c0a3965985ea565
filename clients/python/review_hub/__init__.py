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
from .errors import *  # noqa: F401,F403  (one class per ERROR.code)
from .errors import ERROR_CLASSES, ClientClosedError, HubError, RequestTimeoutError, TokenRefusedError, error_from_frame
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

__version__ = "0.1.0"
