"""Silences as the dashboard writes and lists them (Alertmanager's shape: matchers, creator, comment, window).

Matchers are stored as the alerts package's `Matcher.to_dict()` (`{"name", "value", "op"}`, op one of
=, !=, =~, !~), so the alert router reads back exactly what the dashboard wrote; Alertmanager's
`is_regex`/`is_equal` form is accepted on the way in. A silence mutes every alert whose labels satisfy
all its matchers while `starts_at <= now < ends_at`. Expiring a silence sets its end to now, so its
history stays readable.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select, update

from alerts.matchers import Matcher, matches_all
from storage.schema import silences

SILENCE_COLUMNS = ["id", "matchers", "created_by", "comment", "starts_at", "ends_at", "created_at"]


def normalise_matcher(matcher: Mapping[str, Any]) -> dict[str, Any]:
    """A matcher as stored: validated by `alerts.matchers.Matcher` (a bad regex raises ValueError)."""
    name, value = str(matcher.get("name") or "").strip(), matcher.get("value")
    if not name or value is None:
        raise ValueError("a matcher needs a label name and a value")
    op = matcher.get("op")
    if op is None:
        regex, equal = bool(matcher.get("is_regex", False)), bool(matcher.get("is_equal", True))
        op = {(False, True): "=", (False, False): "!=", (True, True): "=~", (True, False): "!~"}[(regex, equal)]
    return Matcher(name=name, value=str(value), op=op).to_dict()


def silence_matches(matchers: Sequence[Mapping[str, Any]], labels: Mapping[str, Any]) -> bool:
    """Whether a stored silence's matchers all match an alert's labels."""
    return matches_all([Matcher.from_dict(m) for m in matchers],
                       {str(k): "" if v is None else str(v) for k, v in labels.items()})


def create_silence(connection: Connection, *, matchers: Sequence[Mapping[str, Any]], created_by: str, comment: str,
                   starts_at: datetime, ends_at: datetime, now: datetime, silence_id: str | None = None) -> str:
    """Store a silence and return its id."""
    rows = [normalise_matcher(m) for m in matchers]
    if not rows:
        raise ValueError("a silence needs at least one matcher")
    if ends_at <= starts_at:
        raise ValueError("a silence must end after it starts")
    silence_id = silence_id or uuid.uuid4().hex
    connection.execute(silences.insert().values(id=silence_id, matchers=rows, created_by=created_by or "unknown",
                                                comment=comment or "", starts_at=starts_at, ends_at=ends_at,
                                                created_at=now))
    return silence_id


def list_silences(connection: Connection, *, active_at: datetime | None = None) -> pd.DataFrame:
    """Silences, newest first; with `active_at`, only those in force (or scheduled to be) at that moment."""
    query = select(*(silences.c[name] for name in SILENCE_COLUMNS)).order_by(silences.c.created_at.desc(),
                                                                             silences.c.id)
    if active_at is not None:
        query = query.where(silences.c.ends_at > active_at)
    return pd.DataFrame(connection.execute(query).all(), columns=SILENCE_COLUMNS)


def expire_silence(connection: Connection, silence_id: str, *, now: datetime) -> bool:
    """End a silence now; False when there is no such silence still in force."""
    result = connection.execute(update(silences).where(silences.c.id == silence_id, silences.c.ends_at > now)
                                .values(ends_at=now))
    return result.rowcount > 0
