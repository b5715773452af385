"""The records alerts passes in and out. Every record is a dataclass with a ``to_dict()`` that
``json.dumps`` accepts and a ``from_dict()`` that restores it exactly; times are tz-aware UTC.

* :class:`Alert`: an alert as routing and channels see it (labels identify, annotations describe).
* :class:`AlertState` / :class:`AlertBook`: the rule engine's memory, one entry per (rule, series),
  stored by storage as one JSON blob per fingerprint.
* :class:`Notification`: one message for one receiver about one group of alerts (an outbox row).

What people add by hand, silences and acknowledgements, are records of their own module, ``silences``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Literal, overload

Status = Literal["firing", "resolved"]
EventKind = Literal["pending", "firing", "resolved", "cancelled"]


def utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@overload
def iso(moment: datetime) -> str: ...
@overload
def iso(moment: None) -> None: ...
def iso(moment: datetime | None) -> str | None:
    return None if moment is None else utc(moment).isoformat()


@overload
def parse_time(text: str | datetime) -> datetime: ...
@overload
def parse_time(text: None) -> None: ...
def parse_time(text: str | datetime | None) -> datetime | None:
    if text is None:
        return None
    if isinstance(text, datetime):
        return utc(text)
    return utc(datetime.fromisoformat(text))


def fingerprint(labels: Mapping[str, str]) -> str:
    """Stable identity of an alert: a hash of its sorted labels (never of values or counts)."""
    canonical = json.dumps(sorted((str(k), str(v)) for k, v in labels.items()), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _jsonable_dict(data: Mapping[str, Any]) -> dict[str, Any]:
    """A record's ``to_dict``: string keys, :func:`_jsonable` values."""
    return {str(k): _jsonable(v) for k, v in data.items()}


def _jsonable(value: Any) -> Any:
    """Plain JSON types only (numpy scalars, datetimes and tuples become numbers, strings, lists)."""
    if isinstance(value, Mapping):
        return _jsonable_dict(value)
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()
    return value


@dataclass
class Alert:
    labels: dict[str, str]
    annotations: dict[str, str] = field(default_factory=dict)
    status: Status = "firing"
    starts_at: datetime | None = None
    #: When a resolved alert ended; for a firing alert, optionally when it lapses unless refreshed.
    ends_at: datetime | None = None
    value: float | None = None
    expected: float | None = None
    score: float | None = None
    generator: str | None = None
    #: What messages show besides labels: metric, since, top_mentions, rising_terms, dashboard_url...
    context: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""

    def __post_init__(self) -> None:
        self.labels = {str(k): str(v) for k, v in self.labels.items()}
        if not self.fingerprint:
            self.fingerprint = fingerprint(self.labels)
        if self.starts_at is not None:
            self.starts_at = utc(self.starts_at)
        if self.ends_at is not None:
            self.ends_at = utc(self.ends_at)

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "")

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["starts_at"], data["ends_at"] = iso(self.starts_at), iso(self.ends_at)
        return _jsonable_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Alert:
        values = dict(data)
        values["starts_at"] = parse_time(values.get("starts_at"))
        values["ends_at"] = parse_time(values.get("ends_at"))
        return cls(**values)


@dataclass
class AlertState:
    """The lifecycle of one (rule, series): ``inactive`` -> ``pending`` -> ``firing`` -> ``resolved``."""

    fingerprint: str
    rule: str
    labels: dict[str, str]
    state: Literal["inactive", "pending", "firing", "resolved"] = "inactive"
    active_since: datetime | None = None      # start of the first bucket of the current episode
    fired_at: datetime | None = None
    resolved_at: datetime | None = None
    last_anomalous: datetime | None = None    # start of the last anomalous bucket
    last_bucket: datetime | None = None       # start of the last bucket evaluated
    value: float | None = None
    expected: float | None = None
    score: float | None = None
    peak_score: float | None = None
    annotations: dict[str, str] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    detector_state: dict[str, Any] | None = None

    _TIMES = ("active_since", "fired_at", "resolved_at", "last_anomalous", "last_bucket")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in self._TIMES:
            data[name] = iso(getattr(self, name))
        return _jsonable_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlertState:
        values = dict(data)
        for name in cls._TIMES:
            values[name] = parse_time(values.get(name))
        return cls(**values)

    def alert(self) -> Alert:
        """This state as an alert for routing (firing or resolved)."""
        status: Status = "firing" if self.state == "firing" else "resolved"
        return Alert(labels=dict(self.labels), annotations=dict(self.annotations), status=status,
                     starts_at=self.fired_at or self.active_since,
                     ends_at=self.resolved_at if status == "resolved" else None,
                     value=self.value, expected=self.expected, score=self.peak_score or self.score,
                     generator=self.rule, context=dict(self.context), fingerprint=self.fingerprint)


@dataclass
class AlertBook:
    """The engine's whole state: AlertState by fingerprint."""

    states: dict[str, AlertState] = field(default_factory=dict)

    def get(self, fp: str) -> AlertState | None:
        return self.states.get(fp)

    def alerts(self, include_resolved: bool = True) -> list[Alert]:
        """Current alerts for the router: every firing one, and (by default) the resolved ones."""
        wanted = ("firing", "resolved") if include_resolved else ("firing",)
        return [s.alert() for s in self.states.values() if s.state in wanted]

    def firing(self) -> list[AlertState]:
        return [s for s in self.states.values() if s.state == "firing"]

    def to_dict(self) -> dict[str, Any]:
        return {fp: state.to_dict() for fp, state in self.states.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> AlertBook:
        return cls({fp: AlertState.from_dict(s) for fp, s in (data or {}).items()})

    def copy(self) -> AlertBook:
        return AlertBook.from_dict(self.to_dict())


@dataclass
class AlertEvent:
    """A lifecycle transition: pending, firing, resolved, or cancelled (pending that never fired)."""

    kind: EventKind
    fingerprint: str
    at: datetime
    alert: Alert

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "fingerprint": self.fingerprint, "at": iso(self.at),
                "alert": self.alert.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlertEvent:
        return cls(kind=data["kind"], fingerprint=data["fingerprint"], at=parse_time(data["at"]),
                   alert=Alert.from_dict(data["alert"]))


@dataclass
class Notification:
    """One message to one receiver about one alert group. ``id`` is deterministic (group and sequence
    number), so regenerating a notification after a crash yields the same id: the outbox keeps one."""

    id: str
    receiver: str
    group_key: str
    status: Status
    alerts: list[Alert]
    group_labels: dict[str, str] = field(default_factory=dict)
    common_labels: dict[str, str] = field(default_factory=dict)
    common_annotations: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    dashboard_url: str | None = None
    test: bool = False

    @property
    def firing(self) -> list[Alert]:
        return [a for a in self.alerts if a.status == "firing"]

    @property
    def resolved(self) -> list[Alert]:
        return [a for a in self.alerts if a.status == "resolved"]

    @property
    def dedup_key(self) -> str:
        """Stable per group: PagerDuty's dedup_key, the outbox's group key column."""
        return hashlib.sha256(self.group_key.encode()).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        return _jsonable_dict({
            "id": self.id, "receiver": self.receiver, "group_key": self.group_key, "status": self.status,
            "alerts": [a.to_dict() for a in self.alerts], "group_labels": self.group_labels,
            "common_labels": self.common_labels, "common_annotations": self.common_annotations,
            "created_at": iso(self.created_at), "dashboard_url": self.dashboard_url, "test": self.test})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Notification:
        values = dict(data)
        values["alerts"] = [Alert.from_dict(a) for a in values.get("alerts", [])]
        values["created_at"] = parse_time(values.get("created_at"))
        return cls(**values)
