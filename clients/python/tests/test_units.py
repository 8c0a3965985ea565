"""The client's pure parts: backoff, the close table, the seq rules, errors,
event parsing, tokens, and the request table's rule."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from conftest import run

import review_hub
from review_hub import tokens
from review_hub.backoff import Backoff, backoff_ceiling, backoff_delay
from review_hub.close_codes import FINAL_CLOSE_CODES, close_action, next_attempt
from review_hub.events import Snapshot, Welcome, parse_event
from review_hub.feed import Abandon, Feed, Position, judge_seq
from review_hub.requests import RequestTable

SECRET = "x" * 32


def test_backoff_is_full_jitter_within_1s_first_and_capped_at_30s() -> None:
    assert [backoff_ceiling(a) for a in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff_ceiling(10_000) == 30
    assert backoff_delay(0, lambda: 0.999999) < 1.0
    assert backoff_delay(0, lambda: 0.0) == 0.0
    assert backoff_delay(20, lambda: 0.5) == 15.0
    assert backoff_delay(3, lambda: 1.5) < 8  # a bad random source cannot push past the ceiling
    assert backoff_ceiling(1, Backoff(base=0.1, cap=0.15)) == 0.15


def test_close_table_matches_the_contract() -> None:
    assert FINAL_CLOSE_CODES == {1000, 1003, 1007, 1009, 4001}
    assert {c: close_action(c) for c in (1001, 1012, 4008, 4009, 1006, 1005, 1002, 4000)} == {
        c: "resume" for c in (1001, 1012, 4008, 4009, 1006, 1005, 1002, 4000)
    }
    assert {close_action(c) for c in (1008, 1011, 4002, 4029)} == {"back_off"}
    assert close_action(4001) == "refresh_token"
    assert next_attempt(5, "resume", True) == 0
    assert next_attempt(5, "back_off", True) == 5
    assert next_attempt(5, "resume", False) == 5


def welcome(epoch: str = "e1", seq: int = 0, resumed: bool = False) -> Welcome:
    return Welcome.parse({"type": "WELCOME", "epoch": epoch, "seq": seq, "resumed": resumed})


def event(seq: int, rid: int = 1) -> review_hub.HubEvent:
    return parse_event({"type": "EVENT", "event": "pending", "seq": seq, "response_id": rid})


def test_seq_rules() -> None:
    assert [judge_seq(5, s) for s in (4, 5, 6, 7)] == ["duplicate", "duplicate", "apply", "gap"]


def test_feed_buffers_events_before_the_snapshot_drops_repeats_and_abandons_on_a_gap() -> None:
    feed = Feed(None)
    feed.welcome(welcome())
    assert feed.event(event(4)) == []  # before SNAPSHOT: kept
    out = feed.snapshot(Snapshot.parse({"type": "SNAPSHOT", "seq": 3, "items": []}))
    assert [type(x).__name__ for x in out] == ["Snapshot", "PendingEvent"]
    assert feed.position == Position("e1", 4)
    assert feed.event(event(4)) == [] and feed.stats.duplicates_dropped == 1
    with pytest.raises(Abandon):
        feed.event(event(6))
    assert feed.position == Position("e1", 4) and feed.stats.gaps == 1


def test_feed_refuses_a_resume_of_an_unknown_log() -> None:
    feed = Feed(Position("old", 9))
    with pytest.raises(Abandon):
        feed.welcome(welcome("new", 9, resumed=True))
    assert feed.position is None  # the next connection asks for a snapshot


def test_every_error_code_has_its_class() -> None:
    codes = ["bad_json", "bad_frame", "unknown_type", "not_authenticated", "unauthorized", "already_authenticated",
             "forbidden", "not_found", "not_pending", "too_large", "rate_limited", "unavailable", "claimed",
             "too_late", "too_many_claims", "bad_state", "internal"]
    for code in codes:
        error = review_hub.error_from_frame({"type": "ERROR", "id": "r1", "code": code, "message": "m",
                                             "retryable": code in ("rate_limited", "unavailable"), "state": "queued"})
        assert type(error) is review_hub.ERROR_CLASSES[code] and error.code == code
        assert isinstance(error, review_hub.HubError) and error.fields == {"state": "queued"}
        assert error.retryable == (code in ("rate_limited", "unavailable"))
    bad_state = review_hub.error_from_frame({"code": "bad_state", "state": "published"})
    assert isinstance(bad_state, review_hub.BadStateError) and bad_state.state == "published"
    unknown = review_hub.error_from_frame({"code": "brand_new", "message": "?"})
    assert type(unknown) is review_hub.HubError and unknown.code == "brand_new"


def test_every_event_kind_parses_to_its_class() -> None:
    frames = {
        "pending": review_hub.PendingEvent, "approved": review_hub.ApprovedEvent,
        "rejected": review_hub.RejectedEvent, "claimed": review_hub.ClaimedEvent,
        "released": review_hub.ReleasedEvent, "reopened": review_hub.ReopenedEvent,
        "queued": review_hub.QueuedEvent, "publishing": review_hub.PublishingEvent,
        "published": review_hub.PublishedEvent, "publish_failed": review_hub.PublishFailedEvent,
        "from_the_future": review_hub.OtherEvent,
    }
    for kind, cls in frames.items():
        parsed = parse_event({"type": "EVENT", "event": kind, "seq": 7, "response_id": 3, "maybe_applied": True,
                              "final": False, "due_at": "2026-01-01T00:00:00.000Z", "attempt": 2})
        assert type(parsed) is cls and parsed.seq == 7 and parsed.response_id == 3
    queued = parse_event({"type": "EVENT", "event": "queued", "seq": 1, "response_id": 1, "attempt": 2,
                          "due_at": "x", "maybe_applied": True})
    assert isinstance(queued, review_hub.QueuedEvent) and queued.maybe_applied and queued.attempt == 2
    # Hostile or broken fields never raise: they take neutral values.
    assert parse_event({"event": "approved", "seq": "7", "by": 5}).seq == 0


def _verify(token: str, secret: str) -> dict[str, object]:
    header, payload, signature = token.split(".")
    expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)) == expected
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"alg": "HS256", "typ": "JWT"}
    return tokens.decode_unverified(token)


def test_mint_signs_hs256_with_iat_exp_and_a_random_jti() -> None:
    first = _verify(tokens.mint(SECRET, "alice", "operator", "8h", now=1_000_000), SECRET)
    assert first["sub"] == "alice" and first["role"] == "operator"
    assert first["iat"] == 1_000_000 and first["exp"] == 1_000_000 + 8 * 3600
    second = _verify(tokens.mint(SECRET, "alice", "operator", 60), SECRET)
    assert second["jti"] != first["jti"] and abs(int(str(second["iat"])) - time.time()) < 5
    with_claims = _verify(tokens.mint(SECRET, "m", "module", timedelta(days=30), iss="flask", aud=["hub"]), SECRET)
    assert with_claims["iss"] == "flask" and with_claims["aud"] == ["hub"]
    assert "iss" not in first and "aud" not in first


@pytest.mark.parametrize("args", [
    ("short-secret", "a", "operator", "1h"),
    (SECRET, "", "operator", "1h"),
    (SECRET, "a" * 256, "operator", "1h"),
    (SECRET, "\U0001F600" * 128, "operator", "1h"),  # 256 UTF-16 units: the server's count
    (SECRET, "a", "root", "1h"),
    (SECRET, "a", "operator", "721h"),
    (SECRET, "a", "operator", "31d"),
    (SECRET, "a", "operator", 0),
    (SECRET, "a", "operator", "-1h"),
    (SECRET, "a", "operator", "8 hours"),
])
def test_mint_refuses_what_deno_task_token_refuses(args: tuple[str, str, str, object]) -> None:
    with pytest.raises(ValueError):
        tokens.mint(*args)  # type: ignore[arg-type]


def test_mint_accepts_the_limits_exactly() -> None:
    tokens.mint(SECRET, "a" * 255, "admin", "720h")
    tokens.mint(SECRET, "\U0001F600" * 127 + "a", "admin", "1h")
    tokens.mint(SECRET, "a", "module", "2h", max_ttl_hours=2)
    with pytest.raises(ValueError):
        tokens.mint(SECRET, "a", "module", "3h", max_ttl_hours=2)


def test_request_table_resends_after_a_drop_and_settles_once() -> None:
    async def body() -> None:
        table = RequestTable(timeout=5)
        sent: list[str] = []
        waiting = table.add({"type": "SR", "response_id": 1}, None)  # disconnected: waits
        assert sent == []
        table.flush(sent.append)
        assert json.loads(sent[0]) == {"type": "SR", "response_id": 1, "id": "r1"}
        table.flush(sent.append)
        assert len(sent) == 1  # not twice on one connection
        table.disconnected()
        table.flush(sent.append)
        assert len(sent) == 2  # again on the next connection
        assert table.settle("r1", {"type": "ACK", "id": "r1", "seq": 4, "duplicate": True}) is True
        assert table.settle("r1", {"type": "ACK", "id": "r1", "seq": 5}) is False
        ack = await waiting
        assert ack.seq == 4 and ack.duplicate
        failing = table.add({"type": "SR", "response_id": 2}, sent.append)
        table.settle("r2", {"type": "ERROR", "id": "r2", "code": "not_pending", "status": "approved"})
        with pytest.raises(review_hub.NotPendingError):
            await failing
        assert len(table) == 0

    run(body())


def test_request_table_times_out_a_sent_request_only() -> None:
    async def body() -> None:
        table = RequestTable(timeout=0.05)
        unsent = table.add({"type": "SR", "response_id": 1}, None)
        sent = table.add({"type": "SR", "response_id": 2}, lambda _t: None)
        with pytest.raises(review_hub.RequestTimeoutError):
            await sent
        await asyncio.sleep(0.1)
        assert not unsent.done()
        table.fail_all(review_hub.ClientClosedError("closed"))
        with pytest.raises(review_hub.ClientClosedError):
            await unsent

    run(body())


def test_a_take_in_flight_is_not_resent_after_a_drop() -> None:
    async def body() -> None:
        table = RequestTable(timeout=5)
        sent: list[str] = []
        take = table.add({"type": "TAKE", "max": 2}, sent.append)
        unsent_take = table.add({"type": "TAKE", "max": 1}, None)
        table.disconnected()
        with pytest.raises(review_hub.UnavailableError) as lost:
            await take
        assert lost.value.retryable
        table.flush(sent.append)
        assert [json.loads(t)["max"] for t in sent] == [2, 1]  # the unsent one goes on the next connection
        assert not unsent_take.done()
        table.fail_all(review_hub.ClientClosedError("closed"))
        with pytest.raises(review_hub.ClientClosedError):
            await unsent_take

    run(body())
