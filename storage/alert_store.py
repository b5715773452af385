"""Alert persistence: the engine's state, the router's group timers and the notification outbox, so
that an evaluation's outcome commits in one transaction and a restart picks up exactly where the last
commit left off. Silences and acknowledgements, which people add, are kept by `storage.silences`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, text, update

from brandpulse.alerts.model import AlertBook, AlertState, Notification
from brandpulse.alerts.outbox import OutboxItem
from brandpulse.alerts.routing import RoutingState
from brandpulse.storage.dialect import insert_ignoring_conflicts, upsert
from brandpulse.storage.schema import (
    alert_state,
    brands,
    mention_brands,
    mentions,
    outbox,
    sentiments,
    service_state,
)
from brandpulse.storage.state import load_document, save_document

ROUTING_KEY = "alerts.routing"
#: Advisory lock id for alert-state transactions (any fixed 64-bit number unique to this purpose).
ALERT_STATE_LOCK = 0x6272616E64_01


def load_alert_book(connection: Connection) -> AlertBook:
    rows = connection.execute(select(alert_state.c.fingerprint, alert_state.c.data))
    return AlertBook({fingerprint: AlertState.from_dict(data) for fingerprint, data in rows})


def save_alert_book(connection: Connection, book: AlertBook, now: datetime) -> None:
    """Upsert every state whose content changed since it was loaded."""
    stored = dict(connection.execute(select(alert_state.c.fingerprint, alert_state.c.data)).all())
    changed = [state for fingerprint, state in sorted(book.states.items())
               if stored.get(fingerprint) != state.to_dict()]
    if changed:
        connection.execute(
            upsert(connection, alert_state, ["fingerprint"], ["rule", "labels", "state", "data", "updated_at"]),
            [{"fingerprint": s.fingerprint, "rule": s.rule, "labels": s.labels, "state": s.state,
              "data": s.to_dict(), "updated_at": now} for s in changed])


def load_routing_state(connection: Connection) -> RoutingState:
    return RoutingState.from_dict(load_document(connection, ROUTING_KEY))


def save_routing_state(connection: Connection, state: RoutingState, now: datetime) -> None:
    save_document(connection, ROUTING_KEY, state.to_dict(), now)


def enqueue_notifications(connection: Connection, notifications: Iterable[Notification], now: datetime) -> int:
    """Write notifications to the outbox in the caller's transaction; an id already there is ignored."""
    rows = [{"id": item.id, "receiver": item.receiver, "dedup_key": item.dedup_key, "payload": item.payload,
             "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}
            for item in (OutboxItem.of(notification, now) for notification in notifications)]
    if not rows:
        return 0
    inserted = connection.execute(insert_ignoring_conflicts(connection, outbox, ["id"]).returning(outbox.c.id), rows)
    return len(inserted.all())


def _item(row: Any) -> OutboxItem:
    return OutboxItem(id=row.id, receiver=row.receiver, dedup_key=row.dedup_key, payload=row.payload,
                      status=row.status, attempts=row.attempts, next_attempt_at=row.next_attempt_at,
                      last_error=row.last_error, created_at=row.created_at, sent_at=row.sent_at)


class SqlOutbox:
    """`alerts.outbox.Outbox` over the `outbox` table; each call is its own short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def enqueue(self, notifications: Iterable[Notification], now: datetime) -> int:
        with self.engine.begin() as connection:
            return enqueue_notifications(connection, notifications, now)

    def due(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        query = (select(outbox).where(outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
                 .order_by(outbox.c.created_at, outbox.c.id).limit(limit))
        with self.engine.connect() as connection:
            return [_item(row) for row in connection.execute(query)]

    def mark_sent(self, item_id: str, now: datetime) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(outbox).where(outbox.c.id == item_id).values(
                status="sent", sent_at=now, attempts=outbox.c.attempts + 1, next_attempt_at=None))

    def mark_failed(self, item_id: str, error: str, next_attempt_at: datetime | None, now: datetime) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(outbox).where(outbox.c.id == item_id).values(
                attempts=outbox.c.attempts + 1, last_error=error[:2000], next_attempt_at=next_attempt_at,
                status="pending" if next_attempt_at is not None else "dead"))

    def items(self) -> list[OutboxItem]:
        with self.engine.connect() as connection:
            return [_item(row) for row in connection.execute(select(outbox).order_by(outbox.c.created_at))]


def lock_alert_state(connection: Connection) -> None:
    """Serialise alert-state read-modify-write transactions across processes.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: taking the write lock up front (a write
    that changes nothing), so two evaluations cannot both read the old state.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ALERT_STATE_LOCK})
    else:
        connection.execute(update(service_state).where(service_state.c.key == ROUTING_KEY)
                           .values(key=service_state.c.key))


def mentions_for_urgency(connection: Connection, mention_ids: Iterable[int], model_id: str) -> list[dict[str, Any]]:
    """Newly scored mentions with what urgency looks at: brand, text, link, author, reach, score, anger."""
    ids = sorted(set(mention_ids))
    if not ids:
        return []
    query = (select(mentions.c.id, mentions.c.source, mentions.c.external_id, brands.c.name.label("brand"),
                    mentions.c.text, mentions.c.url, mentions.c.author_handle, mentions.c.author_reach,
                    mentions.c.language, mentions.c.created_at, sentiments.c.score, sentiments.c.p_anger)
             .select_from(mentions.join(mention_brands, mention_brands.c.mention_id == mentions.c.id)
                          .join(brands, brands.c.id == mention_brands.c.brand_id)
                          .join(sentiments, (sentiments.c.mention_id == mentions.c.id)
                                & (sentiments.c.model_id == model_id)))
             .where(mentions.c.id.in_(ids)))
    return [{"id": f"{row.source}:{row.external_id}", "brand": row.brand, "text": row.text, "url": row.url,
             "author": row.author_handle, "reach": row.author_reach, "score": row.score, "source": row.source,
             "language": row.language, "created_at": row.created_at, "anger": row.p_anger}
            for row in connection.execute(query)]


def notified_alerts(connection: Connection, fingerprints: Iterable[str] | None = None,
                    since: datetime | None = None) -> list[dict[str, Any]]:
    """Every alert that a queued notification carried, oldest first, as {"queued_at", **alert}: the
    record of what receivers were told (value, expected, summary, top mentions), episode by episode.
    Alerts that live only in notifications (urgent mentions) are here too."""
    wanted = set(fingerprints) if fingerprints is not None else None
    query = select(outbox.c.created_at, outbox.c.payload).order_by(outbox.c.created_at, outbox.c.id)
    if since is not None:
        query = query.where(outbox.c.created_at >= since)
    rows = connection.execute(query)
    seen: set[tuple[str, str, str]] = set()
    found = []
    for queued_at, payload in rows:
        for alert in (payload or {}).get("alerts") or []:
            fingerprint = alert.get("fingerprint")
            if wanted is not None and fingerprint not in wanted:
                continue
            key = (fingerprint, str(queued_at), alert.get("status"))  # one per receiver is enough
            if key not in seen:
                seen.add(key)
                found.append({"queued_at": queued_at, **alert})
    return found
