"""Silences as the dashboard writes and lists them (Alertmanager's shape: matchers, creator, comment, window).

Matchers are stored as the alerts package's `Matcher.to_dict()` (`{"name", "value", "op"}`, op one of
=, !=, =~, !~), so the alert router reads back exactly what the dashboard wrote; Alertmanager's
`is_regex`/`is_equal` form is accepted on the way in. A silence mutes every alert whose labels satisfy
all its matchers while `starts_at <= now < ends_at`. Expiring a silence sets its end to now, so its
history stays readable.

This module only stores and reads silences. Which alerts a silence mutes is the alerts package's
logic (`alerts.model.Silence.matches`): `storage.alert_store.load_silences` hands back those records,
and whoever needs the answer (the router, the dashboard) asks them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, case, select, update

from brandpulse.alerts.matchers import Matcher, Op
from brandpulse.alerts.model import Acknowledgement, Silence
from brandpulse.storage.alert_store import acknowledge, load_acknowledgements
from brandpulse.storage.schema import silences

SILENCE_COLUMNS = ["id", "matchers", "created_by", "comment", "starts_at", "ends_at", "created_at"]


def normalise_matcher(matcher: Mapping[str, Any]) -> dict[str, Any]:
    """A matcher as stored: validated by `alerts.matchers.Matcher` (a bad regex raises ValueError)."""
    name, value = str(matcher.get("name") or "").strip(), matcher.get("value")
    if not name or value is None:
        raise ValueError("a matcher needs a label name and a value")
    op: Op | None = matcher.get("op")
    if op is None:
        regex, equal = bool(matcher.get("is_regex", False)), bool(matcher.get("is_equal", True))
        ops: dict[tuple[bool, bool], Op] = {(False, True): "=", (False, False): "!=", (True, True): "=~",
                                            (True, False): "!~"}
        op = ops[(regex, equal)]
    return Matcher(name=name, value=str(value), op=op).to_dict()


def create_silence(connection: Connection, *, matchers: Sequence[Mapping[str, Any]], created_by: str, comment: str,
                   starts_at: datetime, ends_at: datetime, now: datetime, silence_id: str | None = None) -> str:
    """Store a silence and return its id. It is checked as the alert router will read it back
    (`alerts.model.Silence`: a creator and a comment, not matching every alert, a valid window), so
    a bad silence is refused here rather than breaking alert evaluation later."""
    rows = [normalise_matcher(m) for m in matchers]
    if ends_at <= starts_at:
        raise ValueError("a silence must end after it starts")
    chosen_id: dict[str, Any] = {"id": silence_id} if silence_id else {}
    record = Silence(matchers=[Matcher.from_dict(m) for m in rows], created_by=created_by, comment=comment,
                     starts_at=starts_at, ends_at=ends_at, **chosen_id)
    connection.execute(silences.insert().values(id=record.id, matchers=rows, created_by=record.created_by,
                                                comment=record.comment, starts_at=record.starts_at,
                                                ends_at=record.ends_at, created_at=now))
    return record.id


def list_silences(connection: Connection, *, active_at: datetime | None = None) -> pd.DataFrame:
    """Silences, newest first; with `active_at`, only those in force (or scheduled to be) at that moment."""
    query = select(*(silences.c[name] for name in SILENCE_COLUMNS)).order_by(silences.c.created_at.desc(),
                                                                             silences.c.id)
    if active_at is not None:
        query = query.where(silences.c.ends_at > active_at)
    return pd.DataFrame(connection.execute(query).all(), columns=SILENCE_COLUMNS)


def acknowledge_alert(connection: Connection, fingerprint: str, *, by: str, comment: str, now: datetime,
                      expires_at: datetime | None = None) -> None:
    """Someone is on this alert: no repeat notifications while it keeps firing (until `expires_at`)."""
    if not by:
        raise ValueError("an acknowledgement needs the name of who is on it")
    acknowledge(connection, Acknowledgement(fingerprint=fingerprint, acknowledged_by=by, at=now, comment=comment,
                                            expires_at=expires_at), now)


def active_acknowledgements(connection: Connection, now: datetime) -> dict[str, dict[str, Any]]:
    """Acknowledgements in force, by alert fingerprint."""
    return {ack.fingerprint: ack.to_dict() for ack in load_acknowledgements(connection) if ack.is_active(now)}


def expire_silence(connection: Connection, silence_id: str, *, now: datetime) -> bool:
    """End a silence now; False when there is no such silence still in force.

    A scheduled silence that has not started yet ends before it ever starts: its window becomes the
    empty one at `now`, never one that ends before it starts."""
    starts_at = case((silences.c.starts_at > now, now), else_=silences.c.starts_at)
    result = connection.execute(update(silences).where(silences.c.id == silence_id, silences.c.ends_at > now)
                                .values(ends_at=now, starts_at=starts_at))
    return result.rowcount > 0
