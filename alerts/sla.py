"""Response cases: which mentions need an answer, and alerts for cases left waiting too long.

A scored mention opens (or joins) a case when it is urgent (the ``urgent`` rules of
:mod:`alerts.urgent`), angry (an ``anger`` value at or above ``cases.anger``, when the scorer gives
emotions) or negative (a sentiment score at or below ``cases.negative_score``); the severity is the
first of those that holds. Each severity has a response target (``sla``: urgent 1h, angry 4h,
negative 24h by default). A case that has neither a first response nor a resolution once its
target has passed fires one alert (label ``case`` = its id, ``kind="sla"``) through the usual
routing; the alert is resolved when the case is answered or resolved.

Like urgent mentions, a firing SLA alert lapses after ``sla.ttl`` unless a later check sees the case
still waiting and refreshes it, so a check that stops running never leaves an alert firing forever.

Works on plain records (any object with the attributes of :class:`CaseLike`); imports nothing
outside ``alerts``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, TypeGuard

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .config import Severity, UrgentConfig
from .durations import Duration, format_duration
from .model import Alert, utc
from .urgent import as_mention, reasons

CaseSeverity = Literal["urgent", "angry", "negative"]
#: Most pressing first: a case takes the highest severity of its mentions.
CASE_SEVERITIES: tuple[CaseSeverity, ...] = ("urgent", "angry", "negative")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaseRules(_Model):
    """Which scored mentions become cases."""

    negative_score: float = Field(default=-0.5, ge=-1.0, le=1.0,
                                  description="sentiment score at or below which a mention opens a negative case")
    anger: float = Field(default=0.5, ge=0.0, le=1.0,
                         description="anger (from a scorer that gives emotions) at or above which a mention is angry")
    urgent: bool = Field(default=True, description="urgent mentions (alerts.urgent's rules) open urgent cases")
    max_age: Duration = Field(
        default=timedelta(days=3),
        description="a post older than this when it is scored opens no case (imported or re-scored history "
                    "is not waiting for an answer)")


def _default_targets() -> dict[CaseSeverity, timedelta]:
    return {"urgent": timedelta(hours=1), "angry": timedelta(hours=4), "negative": timedelta(hours=24)}


class SlaConfig(_Model):
    """Response targets per case severity, and the alert a case past its target fires."""

    enabled: bool = True
    targets: dict[CaseSeverity, Duration] = Field(default_factory=_default_targets,
                                                  description="time to first response, per case severity "
                                                              "(the ones not given keep their default)")
    severity: Severity = Field(default="warning", description="the alert's severity label")
    ttl: Duration = Field(default=timedelta(hours=1),
                          description="how long an SLA alert stays firing unless a later check refreshes it")
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("targets", mode="after")
    @classmethod
    def _keep_default_targets(cls, targets: dict[CaseSeverity, timedelta]) -> dict[CaseSeverity, timedelta]:
        return {**_default_targets(), **targets}


class CaseLike(Protocol):
    """The fields the SLA check reads (storage's case records have them). Read-only properties, so a
    frozen record matches: a plain attribute here would ask for a settable one."""

    @property
    def id(self) -> int: ...

    @property
    def brand(self) -> str: ...

    @property
    def source(self) -> str: ...

    @property
    def author(self) -> str: ...

    @property
    def severity(self) -> str: ...

    @property
    def state(self) -> str: ...

    @property
    def touchpoint(self) -> str | None: ...

    @property
    def opened_at(self) -> datetime: ...

    @property
    def first_response_at(self) -> datetime | None: ...

    @property
    def resolved_at(self) -> datetime | None: ...


def case_severity(record: Any, rules: CaseRules, urgent: UrgentConfig | None = None,
                  now: datetime | None = None) -> CaseSeverity | None:
    """The severity of the case a scored mention calls for, or None when it needs no answer.

    ``record`` is a dict or object with ``score`` and, optionally, ``anger`` and ``created_at`` (plus
    what :func:`alerts.urgent.as_mention` reads: ``text``, ``reach``, ``id``...). Given ``now``, a post
    older than ``rules.max_age`` needs no case.
    """
    created = record.get("created_at") if isinstance(record, Mapping) else getattr(record, "created_at", None)
    if now is not None and created is not None and utc(created) < utc(now) - rules.max_age:
        return None
    if rules.urgent and urgent is not None and urgent.enabled and reasons(as_mention(record), urgent):
        return "urgent"
    anger = record.get("anger") if isinstance(record, Mapping) else getattr(record, "anger", None)
    if anger is not None and float(anger) >= rules.anger:
        return "angry"
    score = record.get("score") if isinstance(record, Mapping) else getattr(record, "score", None)
    if score is not None and float(score) <= rules.negative_score:
        return "negative"
    return None


def is_case_severity(name: str) -> TypeGuard[CaseSeverity]:
    return name in CASE_SEVERITIES


def more_severe(first: str, second: str) -> str:
    """The more pressing of two case severities."""
    rank: dict[str, int] = {name: i for i, name in enumerate(CASE_SEVERITIES)}
    return min(first, second, key=lambda name: rank.get(name, len(rank)))


def due_at(case: CaseLike, config: SlaConfig) -> datetime | None:
    """When the case must have its first response (None when its severity has no target)."""
    severity = case.severity
    target = config.targets.get(severity) if is_case_severity(severity) else None
    return None if target is None else utc(case.opened_at) + target


def answered_at(case: CaseLike) -> datetime | None:
    """The first response, or the resolution when the case was resolved without a reply."""
    times = [utc(t) for t in (case.first_response_at, case.resolved_at) if t is not None]
    return min(times) if times else None


def check(cases: Iterable[CaseLike], config: SlaConfig, now: datetime) -> list[Alert]:
    """SLA alerts at ``now``: firing for every case waiting past its target, resolved for every case
    answered after its target passed (the router announces a resolution only for an alert it
    notified as firing, so passing resolved ones again is harmless)."""
    now = utc(now)
    if not config.enabled:
        return []
    alerts = []
    for case in cases:
        due = due_at(case, config)
        if due is None or due > now:
            continue
        answered = answered_at(case)
        if answered is not None and answered <= due:
            continue
        alerts.append(_alert(case, config, due, answered, now))
    return alerts


def _alert(case: CaseLike, config: SlaConfig, due: datetime, answered: datetime | None, now: datetime) -> Alert:
    target = due - utc(case.opened_at)
    waited = (answered or now) - utc(case.opened_at)
    about = f" about {case.touchpoint.replace('_', ' ')}" if case.touchpoint else ""
    verb = f"answered after {format_duration(_minutes(waited))}" if answered else \
        f"waiting {format_duration(_minutes(waited))}"
    labels = {"alertname": "ResponseSLA", "brand": case.brand, "kind": "sla", "case": str(case.id),
              "source": case.source, "severity": config.severity, "case_severity": case.severity, **config.labels}
    return Alert(
        labels=labels,
        annotations={"summary": f"{case.severity.capitalize()} case {case.id} from {case.author} on {case.source}"
                                f"{about}: {verb} (target {format_duration(target)})"},
        status="resolved" if answered else "firing", starts_at=due, ends_at=answered or now + config.ttl,
        generator="sla",
        context={"metric": "sla", "metric_title": "time to first response", "since": due.isoformat(),
                 "value_text": format_duration(_minutes(waited)), "expected_text": format_duration(target),
                 "source": case.source})


def _minutes(span: timedelta) -> timedelta:
    return timedelta(minutes=int(span.total_seconds() // 60))
