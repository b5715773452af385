"""Alert records as reports and the dashboard show them, read from `alert_state` rows.

The alerts package owns the content of `labels` and `data`; this reads them tolerantly (Alertmanager's
names and ours: `starts_at`/`startsAt`/`fired_at`, `ends_at`/`endsAt`/`resolved_at`, annotations'
`summary`/`description`), so a report never fails on an alert it cannot fully read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

_STARTS = ("starts_at", "startsAt", "fired_at", "active_since", "firing_since", "active_at", "activeAt")
_ENDS = ("ends_at", "endsAt", "resolved_at", "resolvedAt")


def _moment(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _first(data: Mapping[str, Any], keys: Iterable[str]) -> datetime | None:
    for key in keys:
        moment = _moment(data.get(key))
        if moment is not None:
            return moment
    return None


def alert_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """One `list_alerts` row as a flat, JSON-friendly record."""
    labels = dict(row.get("labels") or {})
    data = dict(row.get("data") or {})
    annotations = dict(data.get("annotations") or {})
    updated = row.get("updated_at")
    starts = _first(data, _STARTS) or updated
    ends = _first(data, _ENDS) if row.get("state") == "resolved" else None
    if row.get("state") == "resolved" and ends is None:
        ends = updated
    summary = (annotations.get("summary") or data.get("summary") or annotations.get("description")
               or data.get("description") or row.get("rule"))
    context = dict(data.get("context") or {})
    return {
        "fingerprint": row.get("fingerprint"), "rule": row.get("rule"), "state": row.get("state"),
        "brand": labels.get("brand"), "severity": labels.get("severity") or data.get("severity"),
        "metric": labels.get("metric") or context.get("metric"), "direction": context.get("direction"),
        "labels": labels, "summary": str(summary) if summary is not None else "",
        "description": str(annotations.get("description") or ""),
        "value": data.get("value"), "expected": data.get("expected"), "peak_score": data.get("peak_score"),
        "quotes": list(context.get("top_mentions") or []),
        "rising_terms": [_term(item) for item in context.get("rising_terms") or []],
        "starts_at": starts, "ends_at": ends, "updated_at": updated,
    }


def _term(item: Any) -> str:
    return str(item.get("term", "")) if isinstance(item, Mapping) else str(item)


def with_notifications(record: dict[str, Any], notified: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """`record` with what its notifications of the current episode said: when they were queued, the
    peak value they reported (the lowest, for an alert on a fall) and the value expected when it fired."""
    began = record["starts_at"]
    episode = [n for n in notified if n.get("fingerprint") == record["fingerprint"]
               and (began is None or _moment(n.get("queued_at")) is None or _moment(n.get("queued_at")) >= began)]
    values = [float(n["value"]) for n in episode if isinstance(n.get("value"), int | float)]
    pick = min if record.get("direction") == "down" else max
    firing = [n for n in episode if n.get("status") == "firing"]
    told = dict(firing[0].get("annotations") or {}) if firing else {}  # what it said when it fired, not since
    expected = firing[0].get("expected") if firing else None
    return {**record, "notified": [_moment(n.get("queued_at")) for n in episode],
            "peak": pick(values) if values else None,
            "expected": expected if expected is not None else record.get("expected"),
            "description": str(told.get("description") or record["description"])}


def alert_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [alert_record(row) for row in frame.to_dict("records", into=dict[str, Any]())]


def alerts_between(records: Iterable[dict[str, Any]], start: datetime, end: datetime,
                   brands: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The alerts active at some moment of [start, end) (for `brands`, when given), oldest first."""
    wanted = set(brands) if brands is not None else None
    chosen = []
    for record in records:
        if wanted is not None and record["brand"] is not None and record["brand"] not in wanted:
            continue
        began, ended = record["starts_at"], record["ends_at"]
        if began is not None and began >= end:
            continue
        if ended is not None and ended < start:
            continue
        chosen.append(record)
    return sorted(chosen, key=lambda r: (r["starts_at"] or datetime.min.replace(tzinfo=UTC), r["fingerprint"]))


def jsonable(record: Mapping[str, Any]) -> dict[str, Any]:
    """Datetimes as ISO 8601 strings."""
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in record.items()}
