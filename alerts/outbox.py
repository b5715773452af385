"""The notification outbox: notifications are written here in the same transaction as the alert and
routing state that produced them, then a sender drains it, calling the channels.

:class:`Outbox` is the protocol storage implements over SQL; :class:`MemoryOutbox` implements it in
memory (tests, the demo). :func:`deliver` is the sender. :func:`next_attempt` is the retry policy.

Exactly-once, as far as it can be had: a tick recomputed after a crash before its commit regenerates
the same notification ids, and ``enqueue`` ignores ids it already holds; a tick that committed leaves
its notifications ``pending`` here, and the sender sends them after a restart. Only a crash between a
successful send and ``mark_sent`` can repeat a message (PagerDuty's dedup key absorbs that).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from .channels import DeliveryError
from .model import Notification, iso, parse_time, utc

OutboxStatus = Literal["pending", "sent", "dead"]
MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)


def next_attempt(attempts: int, now: datetime, *, max_attempts: int = MAX_ATTEMPTS,
                 base: timedelta = BASE_DELAY, cap: timedelta = MAX_DELAY,
                 rng: Callable[[], float] = random.random) -> datetime | None:
    """When to try again after ``attempts`` failed attempts, or None to give up.

    Exponential backoff with "full jitter" in its upper half: the delay is drawn from
    ``[d/2, d]`` with ``d = min(cap, base * 2**(attempts - 1))``; after ``max_attempts`` it gives up."""
    if attempts >= max_attempts:
        return None
    doubling: int = 2 ** max(0, attempts - 1)
    ceiling = min(cap, base * doubling)
    return utc(now) + ceiling * (0.5 + 0.5 * rng())


@dataclass
class OutboxItem:
    """One row of the outbox."""

    id: str                     # the notification id (unique)
    receiver: str
    dedup_key: str              # stable per alert group
    payload: dict[str, Any]     # Notification.to_dict()
    status: OutboxStatus = "pending"
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None

    @property
    def notification(self) -> Notification:
        return Notification.from_dict(self.payload)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "receiver": self.receiver, "dedup_key": self.dedup_key, "payload": self.payload,
                "status": self.status, "attempts": self.attempts, "next_attempt_at": iso(self.next_attempt_at),
                "last_error": self.last_error, "created_at": iso(self.created_at), "sent_at": iso(self.sent_at)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutboxItem:
        values = dict(data)
        for name in ("next_attempt_at", "created_at", "sent_at"):
            values[name] = parse_time(values.get(name))
        return cls(**values)

    @classmethod
    def of(cls, notification: Notification, now: datetime) -> OutboxItem:
        return cls(id=notification.id, receiver=notification.receiver, dedup_key=notification.dedup_key,
                   payload=notification.to_dict(), next_attempt_at=utc(now), created_at=utc(now))


class Outbox(Protocol):
    """What the sender needs from the outbox (storage implements it over SQL)."""

    def enqueue(self, notifications: Iterable[Notification], now: datetime) -> int:
        """Add notifications as pending, due at once; ids already present are ignored. Returns how
        many were new."""

    def due(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        """Pending items whose next attempt is due, oldest first."""

    def mark_sent(self, item_id: str, now: datetime) -> None: ...

    def mark_failed(self, item_id: str, error: str, next_attempt_at: datetime | None, now: datetime) -> None:
        """Count a failed attempt; retry at ``next_attempt_at``, or give up (status dead) when None."""

    def items(self) -> list[OutboxItem]:
        """Every row (for status reports and tests)."""


@dataclass
class MemoryOutbox:
    """An in-memory :class:`Outbox`; ``to_dict``/``from_dict`` stand in for a database across a
    simulated restart."""

    rows: dict[str, OutboxItem] = field(default_factory=dict)

    def enqueue(self, notifications: Iterable[Notification], now: datetime) -> int:
        added = 0
        for notification in notifications:
            if notification.id not in self.rows:
                self.rows[notification.id] = OutboxItem.of(notification, now)
                added += 1
        return added

    def due(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        now = utc(now)
        ready = [r for r in self.rows.values()
                 if r.status == "pending" and (r.next_attempt_at is None or r.next_attempt_at <= now)]
        return sorted(ready, key=lambda r: (r.created_at or now, r.id))[:limit]

    def mark_sent(self, item_id: str, now: datetime) -> None:
        row = self.rows[item_id]
        row.status, row.sent_at, row.attempts = "sent", utc(now), row.attempts + 1
        row.next_attempt_at = None

    def mark_failed(self, item_id: str, error: str, next_attempt_at: datetime | None, now: datetime) -> None:
        row = self.rows[item_id]
        row.attempts += 1
        row.last_error = error
        row.next_attempt_at = next_attempt_at
        if next_attempt_at is None:
            row.status = "dead"

    def items(self) -> list[OutboxItem]:
        return list(self.rows.values())

    def to_dict(self) -> dict[str, Any]:
        return {k: v.to_dict() for k, v in self.rows.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MemoryOutbox:
        return cls({k: OutboxItem.from_dict(v) for k, v in data.items()})


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)


def deliver(outbox: Outbox, channels: Mapping[str, Any], now: datetime, *, limit: int = 100,
            policy: Callable[[int, datetime], datetime | None] = next_attempt) -> DeliveryReport:
    """Send every due item through its receiver's channel; record success or schedule a retry.

    ``channels`` maps receiver names to objects with ``send(notification)`` (see alerts.channels).
    A :class:`~alerts.channels.DeliveryError` with ``retryable=False``, or a receiver that no longer
    exists, makes the item dead at once; other errors are retried per ``policy``."""
    report = DeliveryReport()
    for item in outbox.due(now, limit=limit):
        channel = channels.get(item.receiver)
        if channel is None:
            outbox.mark_failed(item.id, f"no receiver named {item.receiver!r}", None, now)
            report.dead.append(item.id)
            continue
        try:
            channel.send(item.notification)
        except DeliveryError as exc:
            retry = policy(item.attempts + 1, now) if exc.retryable else None
            outbox.mark_failed(item.id, str(exc), retry, now)
            (report.retrying if retry else report.dead).append(item.id)
        except Exception as exc:  # a bug or an unexpected library error: retry, but keep the message
            retry = policy(item.attempts + 1, now)
            outbox.mark_failed(item.id, f"{type(exc).__name__}: {exc}", retry, now)
            (report.retrying if retry else report.dead).append(item.id)
        else:
            outbox.mark_sent(item.id, now)
            report.sent.append(item.id)
    return report


@dataclass
class ReceiverHealth:
    receiver: str
    sent: int = 0
    pending: int = 0
    dead: int = 0
    failing: bool = False            # the latest attempt failed
    consecutive_failures: int = 0    # failed attempts since the last success
    last_error: str | None = None
    last_success: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"receiver": self.receiver, "sent": self.sent, "pending": self.pending, "dead": self.dead,
                "failing": self.failing, "consecutive_failures": self.consecutive_failures,
                "last_error": self.last_error, "last_success": iso(self.last_success)}


def receiver_health(items: Sequence[OutboxItem] | Iterable[OutboxItem]) -> dict[str, ReceiverHealth]:
    """Per receiver, from outbox rows: what ``brandpulse status`` reports. A receiver is ``failing``
    when it has dead rows newer than its last success, or pending rows that already failed."""
    health: dict[str, ReceiverHealth] = {}
    rows = list(items)
    for row in rows:
        h = health.setdefault(row.receiver, ReceiverHealth(row.receiver))
        if row.status == "sent":
            h.sent += 1
            if row.sent_at and (h.last_success is None or row.sent_at > h.last_success):
                h.last_success = row.sent_at
        elif row.status == "pending":
            h.pending += 1
        else:
            h.dead += 1
    for h in health.values():
        failed = [r for r in rows if r.receiver == h.receiver and r.last_error and r.status != "sent"
                  and (h.last_success is None or (r.created_at or h.last_success) >= h.last_success)]
        h.consecutive_failures = sum(r.attempts for r in failed)
        h.failing = bool(failed)
        if failed:
            latest = max(failed, key=lambda r: (iso(r.created_at) or "", r.attempts, r.id))
            h.last_error = latest.last_error
    return health
