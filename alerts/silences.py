"""Silences by hand: what ``brandpulse silence add/list/expire`` does, as pure functions over
:class:`~alerts.model.Silence` records: make one (checked), find one by an id prefix, list them with
their state. Storage keeps them (``storage.silences``: store, list, end one now)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta  # noqa: F401 (UTC: doctest)

from .durations import parse_duration
from .matchers import Matcher, parse_matchers
from .model import Silence, utc


def new_silence(matchers: str | Iterable[str | Matcher], created_by: str, comment: str, now: datetime,
                duration: str | timedelta = "2h", starts_at: datetime | None = None,
                ends_at: datetime | None = None) -> Silence:
    """A silence from ``now`` (or ``starts_at``) for ``duration`` (or until ``ends_at``).

    >>> s = new_silence('brand="acme",alertname=NegativeSpike', "ana", "known outage",
    ...                 datetime(2025, 1, 1, tzinfo=UTC), "1h")
    """
    start = utc(starts_at or now)
    end = utc(ends_at) if ends_at else start + parse_duration(duration)
    if end <= start:
        raise ValueError("a silence must end after it starts")
    if end <= utc(now):
        raise ValueError("that silence would already be over")
    return Silence(matchers=parse_matchers(matchers), created_by=created_by, comment=comment,
                   starts_at=start, ends_at=end, updated_at=utc(now))


def find(silences: Iterable[Silence], silence_id: str) -> Silence:
    """A silence by id or by a unique prefix of it."""
    hits = [s for s in silences if s.id == silence_id] or [s for s in silences if s.id.startswith(silence_id)]
    if len(hits) != 1:
        raise KeyError(f"no single silence with id {silence_id!r}" + (f" ({len(hits)} match)" if hits else ""))
    return hits[0]


def listing(silences: Iterable[Silence], now: datetime, include_expired: bool = False) -> list[dict]:
    """Rows for ``brandpulse silence list``: id, state, matchers, creator, comment, start and end."""
    rows = []
    for s in sorted(silences, key=lambda s: (s.starts_at, s.ends_at, s.id)):
        state = s.state(now)
        if state == "expired" and not include_expired:
            continue
        rows.append({"id": s.id, "state": state, "matchers": ",".join(str(m) for m in s.matchers),
                     "created_by": s.created_by, "comment": s.comment, "starts_at": s.starts_at.isoformat(),
                     "ends_at": s.ends_at.isoformat()})
    return rows
