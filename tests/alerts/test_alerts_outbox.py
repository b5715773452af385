"""The outbox: bounded backoff with jitter, and a restart between firing and sending sends exactly once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from brandpulse.alerts import channels
from brandpulse.alerts.config import AlertsConfig
from brandpulse.alerts.engine import evaluate
from brandpulse.alerts.model import AlertBook
from brandpulse.alerts.outbox import MAX_ATTEMPTS, MemoryOutbox, OutboxItem, deliver, next_attempt, receiver_health
from brandpulse.alerts.routing import Router, RoutingState
from tests.alerts.conftest import T0
from tests.alerts.test_alerts_channels import spike
from tests.alerts.test_alerts_engine import SPIKE, frame


def test_backoff_doubles_with_jitter_and_gives_up():
    low = [next_attempt(n, T0, rng=lambda: 0.0) - T0 for n in range(1, MAX_ATTEMPTS)]
    high = [next_attempt(n, T0, rng=lambda: 1.0) - T0 for n in range(1, MAX_ATTEMPTS)]
    assert high[:4] == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert low[:2] == [timedelta(seconds=15), timedelta(seconds=30)]
    assert max(high) <= timedelta(hours=1)                       # capped
    assert next_attempt(MAX_ATTEMPTS, T0) is None                 # bounded
    for n in range(1, MAX_ATTEMPTS):
        delay = next_attempt(n, T0) - T0
        assert low[n - 1] <= delay <= high[n - 1]


class Flaky:
    def __init__(self, failures: int, retryable: bool = True):
        self.failures, self.retryable, self.sent = failures, retryable, []

    def send(self, notification):
        if self.failures:
            self.failures -= 1
            raise channels.DeliveryError("boom", retryable=self.retryable)
        self.sent.append(notification.id)


def test_failures_are_retried_until_sent_and_visible_meanwhile():
    outbox = MemoryOutbox()
    assert outbox.enqueue([spike()], T0) == 1
    assert outbox.enqueue([spike()], T0) == 0                     # same id: kept once
    channel = Flaky(failures=2)
    now = T0
    for _ in range(10):
        deliver(outbox, {"team": channel}, now, policy=lambda n, t: t + timedelta(minutes=n))
        now += timedelta(minutes=5)
    assert channel.sent == ["abc-1"]
    (row,) = outbox.items()
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "boom")
    health = receiver_health(outbox.items())["team"]
    assert health.sent == 1 and not health.failing

    dead = MemoryOutbox()
    dead.enqueue([spike()], T0)
    deliver(dead, {"team": Flaky(failures=1, retryable=False)}, T0)
    assert dead.items()[0].status == "dead"
    assert receiver_health(dead.items())["team"].failing
    assert OutboxItem.from_dict(json.loads(json.dumps(dead.items()[0].to_dict()))) == dead.items()[0]


def test_unknown_receiver_rows_are_dead_not_stuck():
    outbox = MemoryOutbox()
    outbox.enqueue([spike()], T0)
    assert deliver(outbox, {}, T0).dead == ["abc-1"]


def _config(url: str) -> AlertsConfig:
    return AlertsConfig.model_validate({
        "rules": [{"name": "NegativeSpike", "metric": "negative"}],
        "receivers": [{"name": "team", "webhook": {"url": url}}],
        "route": {"receiver": "team", "group_by": ["alertname", "brand"], "group_wait": "0s"},
    })


class Store:
    """What the database holds between process lifetimes: JSON documents only."""

    def __init__(self):
        self.book, self.routing, self.outbox = {}, {}, {}

    def tick(self, config, series, now, crash_before_commit=False):
        """One evaluation: rules, routing, outbox, committed together (or not at all)."""
        book = AlertBook.from_dict(self.book)
        routing = RoutingState.from_dict(self.routing)
        outbox = MemoryOutbox.from_dict(self.outbox)
        result = evaluate(config, series, book, now)
        routing, notifications = Router(config).process(result.alerts, routing, [], now)
        outbox.enqueue(notifications, now)
        if crash_before_commit:
            return
        self.book = json.loads(json.dumps(result.state.to_dict()))
        self.routing = json.loads(json.dumps(routing.to_dict()))
        self.outbox = json.loads(json.dumps(outbox.to_dict()))

    def send(self, config, now):
        outbox = MemoryOutbox.from_dict(self.outbox)
        report = deliver(outbox, channels.build_all(config.receivers), now)
        self.outbox = json.loads(json.dumps(outbox.to_dict()))
        return report


def test_restart_between_firing_and_sending_sends_exactly_once(http_server):
    config = _config(f"{http_server.url}/hook")
    series = {"acme": frame(SPIKE)}
    store = Store()
    now = datetime(2025, 3, 6, 11, 0, 30, tzinfo=UTC)
    store.tick(config, series, now)                          # fires; notification committed, not sent
    assert [r["status"] for r in store.outbox.values()] == ["pending"]
    # -- the process dies here; a new one starts from the store --
    store.tick(config, series, now + timedelta(seconds=30))  # same bucket, same alerts: nothing new
    store.tick(config, series, now + timedelta(minutes=5))
    assert len(store.outbox) == 1
    store.send(config, now + timedelta(minutes=5))
    store.send(config, now + timedelta(minutes=6))
    assert len(http_server.requests) == 1
    assert http_server.requests[0].json()["alerts"][0]["labels"]["brand"] == "acme"


def test_crash_before_the_commit_regenerates_the_same_notification(http_server):
    config = _config(f"{http_server.url}/hook")
    series = {"acme": frame(SPIKE)}
    store = Store()
    now = datetime(2025, 3, 6, 11, 0, 30, tzinfo=UTC)
    store.tick(config, series, now, crash_before_commit=True)    # nothing reached the store
    assert store.outbox == {}
    store.tick(config, series, now + timedelta(seconds=10))       # redone after the restart
    store.tick(config, series, now + timedelta(seconds=20))
    store.send(config, now + timedelta(seconds=20))
    assert len(http_server.requests) == 1


def test_a_send_that_fails_before_the_restart_is_retried_after_it(http_server):
    config = _config(f"{http_server.url}/hook")
    store = Store()
    now = datetime(2025, 3, 6, 11, 0, 30, tzinfo=UTC)
    store.tick(config, {"acme": frame(SPIKE)}, now)
    http_server.fail_next(503)
    assert store.send(config, now).retrying
    # restart: the row is still pending with its next attempt time
    assert store.send(config, now + timedelta(hours=1)).sent
    assert [r.path for r in http_server.requests] == ["/hook", "/hook"]
    assert store.send(config, now + timedelta(hours=2)).sent == []
