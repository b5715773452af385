"""Alerts as the dashboard shows them: alerts only (pending, firing, resolved; never the `inactive`
rule states), each with what its notifications said, its window in the explorer, and the actions that
mean something for it (silence what still notifies, acknowledge what fires and nobody owns yet)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from brandpulse.reports.alerts_view import alert_records, with_notifications
from brandpulse.reports.web import links
from brandpulse.storage.alert_store import notified_alerts
from brandpulse.storage.queries import list_alerts
from brandpulse.storage.silences import load_acknowledgements, load_silences

ALERT_STATES = ("pending", "firing", "resolved")
NEGATIVE_METRICS = ("negative", "negative_share", "net_sentiment")


def _mentions_link(record: dict[str, Any], now: datetime) -> str | None:
    if not record["brand"] or record["starts_at"] is None:
        return None
    began: datetime = record["starts_at"].replace(minute=0, second=0, microsecond=0)
    ended: datetime = record["ends_at"] or now
    sentiment = "negative" if record.get("metric") in NEGATIVE_METRICS else None
    return links.explorer(brand=record["brand"], since=began, until=ended + timedelta(hours=1), sentiment=sentiment,
                          language=record["labels"].get("language"), source=record["labels"].get("source"))


def load_alerts(connection: Connection, now: datetime, states: Sequence[str] = ALERT_STATES) -> list[dict[str, Any]]:
    """Alerts in `states` (newest update first) with notifications, links, silences and acknowledgements."""
    records = alert_records(list_alerts(connection, states=[s for s in states if s in ALERT_STATES]))
    notified = notified_alerts(connection, [r["fingerprint"] for r in records]) if records else []
    silences = load_silences(connection, now)
    acks = {ack.fingerprint: ack.to_dict() for ack in load_acknowledgements(connection, now)}
    enriched = []
    for record in records:
        record = with_notifications(record, notified)
        silenced_by = [s.id for s in silences if s.mutes(record["labels"], now)]
        acknowledged = acks.get(record["fingerprint"])
        live = record["state"] != "resolved"
        enriched.append({**record, "silenced_by": silenced_by, "acknowledged": acknowledged,
                         "mentions_link": _mentions_link(record, now),
                         "can_silence": live and not silenced_by,
                         "can_acknowledge": record["state"] == "firing" and acknowledged is None})
    return enriched
