"""Silences and acknowledgements: what on-call people add by hand, as plain records and the rules for
making them. The router (``routing``) reads both; storage keeps them (``storage.silences``); the CLI
and the dashboard make them through storage, which builds them here, so one set of checks applies.

* :class:`Silence` mutes every alert whose labels match all its matchers, from ``starts_at`` until
  ``ends_at`` (Alertmanager's shape: matchers, creator, comment, window).
* :class:`Acknowledgement`: someone is on an alert; no repeat notifications while it keeps firing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta  # noqa: F401 (UTC: doctest)
from typing import Any, Literal

from .matchers import Matcher, matches_all, parse_matchers
from .model import iso, parse_time, utc

SilenceState = Literal["pending", "active", "expired"]
#: How long a silence lasts when nobody says (``brandpulse silence add`` without ``--duration``).
DEFAULT_SILENCE = timedelta(hours=2)


@dataclass
class Silence:
    """Mutes every alert whose labels match all matchers, from ``starts_at`` until ``ends_at``."""

    matchers: list[Matcher]
    created_by: str
    comment: str
    starts_at: datetime
    ends_at: datetime
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        self.matchers = parse_matchers(self.matchers)
        if not self.matchers:
            raise ValueError("a silence needs at least one matcher")
        if all(m.matches({}) for m in self.matchers):
            raise ValueError("a silence must not match every alert (give at least one non-empty matcher)")
        if not self.created_by or not self.comment:
            raise ValueError("a silence needs its creator and a comment")
        self.starts_at, self.ends_at = utc(self.starts_at), utc(self.ends_at)
        if self.ends_at < self.starts_at:   # equal is the empty window of one expired before it started
            raise ValueError("a silence must not end before it starts")
        if self.created_at is not None:
            self.created_at = utc(self.created_at)

    def state(self, now: datetime) -> SilenceState:
        now = utc(now)
        if now < self.starts_at:
            return "pending"
        return "active" if now < self.ends_at else "expired"

    def is_active(self, now: datetime) -> bool:
        return self.state(now) == "active"

    def matches(self, labels: Mapping[str, str]) -> bool:
        return matches_all(self.matchers, labels)

    def mutes(self, labels: Mapping[str, str], now: datetime) -> bool:
        """Whether this silence keeps an alert with these labels quiet at ``now``."""
        return self.is_active(now) and self.matches(labels)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "matchers": [m.to_dict() for m in self.matchers], "created_by": self.created_by,
                "comment": self.comment, "starts_at": iso(self.starts_at), "ends_at": iso(self.ends_at),
                "created_at": iso(self.created_at)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Silence:
        return cls(id=data["id"], matchers=parse_matchers(data["matchers"]), created_by=data["created_by"],
                   comment=data["comment"], starts_at=_moment(data["starts_at"]), ends_at=_moment(data["ends_at"]),
                   created_at=parse_time(data.get("created_at")))


@dataclass
class Acknowledgement:
    """Someone is on it: no repeat notifications for this alert while it keeps firing (until
    ``expires_at`` if set). Resolution is still announced."""

    fingerprint: str
    acknowledged_by: str
    at: datetime
    comment: str = ""
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.acknowledged_by:
            raise ValueError("an acknowledgement needs the name of who is on it")
        self.at = utc(self.at)
        if self.expires_at is not None:
            self.expires_at = utc(self.expires_at)

    def is_active(self, now: datetime) -> bool:
        return self.expires_at is None or utc(now) < self.expires_at

    def to_dict(self) -> dict[str, Any]:
        return {"fingerprint": self.fingerprint, "acknowledged_by": self.acknowledged_by, "at": iso(self.at),
                "comment": self.comment, "expires_at": iso(self.expires_at)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Acknowledgement:
        return cls(fingerprint=data["fingerprint"], acknowledged_by=data["acknowledged_by"],
                   at=_moment(data["at"]), comment=data.get("comment", ""),
                   expires_at=parse_time(data.get("expires_at")))


def new_silence(matchers: str | Iterable[str | Matcher | Mapping[str, Any]], created_by: str, comment: str,
                now: datetime, duration: timedelta = DEFAULT_SILENCE, starts_at: datetime | None = None) -> Silence:
    """A silence from ``now`` (or ``starts_at``) for ``duration``, refused when it could never mute anything.

    >>> s = new_silence('brand="acme",alertname=NegativeSpike', "ana", "known outage",
    ...                 datetime(2025, 1, 1, tzinfo=UTC), timedelta(hours=1))
    """
    start = utc(starts_at or now)
    end = start + duration
    if end <= start:
        raise ValueError("a silence must end after it starts")
    if end <= utc(now):
        raise ValueError("that silence would already be over")
    return Silence(matchers=parse_matchers(matchers), created_by=created_by, comment=comment,
                   starts_at=start, ends_at=end, created_at=utc(now))


def new_acknowledgement(fingerprint: str, acknowledged_by: str, now: datetime, comment: str = "",
                        duration: timedelta | None = None) -> Acknowledgement:
    """``acknowledged_by`` is on the alert from ``now``, for ``duration`` (None: until it resolves)."""
    if duration is not None and duration <= timedelta(0):
        raise ValueError("an acknowledgement must last a while")
    return Acknowledgement(fingerprint=fingerprint, acknowledged_by=acknowledged_by, at=now, comment=comment,
                           expires_at=utc(now) + duration if duration is not None else None)


def find(silences: Iterable[Silence], silence_id: str) -> Silence:
    """A silence by id or by a unique prefix of it."""
    silences = list(silences)
    hits = [s for s in silences if s.id == silence_id] or [s for s in silences if s.id.startswith(silence_id)]
    if len(hits) != 1:
        raise KeyError(f"no single silence with id {silence_id!r}" + (f" ({len(hits)} match)" if hits else ""))
    return hits[0]


def _moment(text: str | datetime) -> datetime:
    moment = parse_time(text)
    if moment is None:
        raise ValueError("a time is required")
    return moment
