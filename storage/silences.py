"""Silences and acknowledgements, kept: one function per job, used alike by the router, the CLI and
the dashboard.

The records and their rules are the alerts package's (`alerts.silences`): every silence and
acknowledgement is made there (`new_silence`, `new_acknowledgement`), so a bad one is refused the
same way whoever adds it, before it could break alert evaluation. Silences are rows of `silences`,
matchers stored as `Matcher.to_dict()` (`{"name", "value", "op"}`), so the router reads back exactly
what was written; expiring one sets its end to now, so its history stays readable. Acknowledgements
are one JSON document in `service_state`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, select, update

from brandpulse.alerts.matchers import Matcher
from brandpulse.alerts.silences import DEFAULT_SILENCE, Acknowledgement, Silence, find, new_acknowledgement, new_silence
from brandpulse.storage.schema import silences
from brandpulse.storage.state import load_document, save_document

ACKS_KEY = "alerts.acknowledgements"


def add_silence(connection: Connection, matchers: str | Iterable[str | Matcher | Mapping[str, Any]], *,
                created_by: str, comment: str, now: datetime, duration: timedelta = DEFAULT_SILENCE,
                starts_at: datetime | None = None) -> Silence:
    """Make a silence (`alerts.silences.new_silence`: ValueError when it could never work) and store it."""
    silence = new_silence(matchers, created_by, comment, now, duration, starts_at)
    connection.execute(silences.insert().values(
        id=silence.id, matchers=[m.to_dict() for m in silence.matchers], created_by=silence.created_by,
        comment=silence.comment, starts_at=silence.starts_at, ends_at=silence.ends_at, created_at=silence.created_at))
    return silence


def load_silences(connection: Connection, now: datetime, *, include_expired: bool = False) -> list[Silence]:
    """Silences newest first: those in force or scheduled at `now` (expired ones mute nothing), or all."""
    query = select(silences).order_by(silences.c.created_at.desc(), silences.c.id)
    if not include_expired:
        query = query.where(silences.c.ends_at > now)
    return [Silence(id=row.id, matchers=[Matcher.from_dict(m) for m in row.matchers], created_by=row.created_by,
                    comment=row.comment, starts_at=row.starts_at, ends_at=row.ends_at, created_at=row.created_at)
            for row in connection.execute(query)]


def expire_silence(connection: Connection, silence_id: str, *, now: datetime) -> Silence:
    """End the silence in force (or scheduled) with this id, or a unique prefix of it, now; KeyError
    when there is no single one.

    A scheduled silence that has not started yet ends before it ever starts: its window becomes the
    empty one at `now`, never one that ends before it starts."""
    silence = find(load_silences(connection, now), silence_id)
    starts_at = case((silences.c.starts_at > now, now), else_=silences.c.starts_at)
    connection.execute(update(silences).where(silences.c.id == silence.id).values(ends_at=now, starts_at=starts_at))
    return silence


def acknowledge_alert(connection: Connection, fingerprint: str, *, by: str, now: datetime, comment: str = "",
                      duration: timedelta | None = None) -> Acknowledgement:
    """Someone is on this alert: no repeat notifications while it keeps firing (for `duration`, or until
    it resolves). Replaces an earlier acknowledgement of it; ValueError without a name."""
    ack = new_acknowledgement(fingerprint, by, now, comment, duration)
    kept = [a for a in load_acknowledgements(connection, now) if a.fingerprint != fingerprint]
    save_document(connection, ACKS_KEY, [a.to_dict() for a in [*kept, ack]], now)
    return ack


def load_acknowledgements(connection: Connection, now: datetime) -> list[Acknowledgement]:
    """Acknowledgements in force at `now`."""
    stored = [Acknowledgement.from_dict(item) for item in load_document(connection, ACKS_KEY) or []]
    return [ack for ack in stored if ack.is_active(now)]
