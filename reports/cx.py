"""Response figures from cases: how many were answered, how fast, and how many within their target.

    rows = response_figures(cases, targets={"urgent": timedelta(hours=1), ...}, now=now, by="source")

`cx_figures` reads the cases of a window from storage and gives what the dashboard's CX page and the
feedback report show: the window's figures (against the previous period of equal length), per source
and per touchpoint, and over time.

Per group (`by`: "source", "touchpoint", "brand", or None for all cases together) and period
(`every`: "day", "week", or None for the whole range), from the cases opened in the range:

* response rate: cases with a first response / cases;
* median and p90 time to first response, over the answered cases;
* within SLA: cases answered (or resolved) within their severity's target / cases whose outcome is
  known (answered or resolved, or waiting past their target); as the SLA alert counts them. A case
  still inside its target window counts in neither.
* resolved and the median time to resolution.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, TypeVar

import numpy as np
from sqlalchemy import Connection

from brandpulse.storage.cases import cases_opened_between

Dimension = Literal["source", "touchpoint", "brand"]
Period = Literal["day", "week"]
ALL = "all"
#: The keys of the response targets: any names of case severities (the config's are `alerts.sla`'s Literal).
Severity = TypeVar("Severity", bound=str)


class CaseTimes(Protocol):
    """The fields the figures read, read-only (storage's frozen `CaseRecord`s have them)."""

    @property
    def brand(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def touchpoint(self) -> str | None: ...
    @property
    def opened_at(self) -> datetime: ...
    @property
    def first_response_at(self) -> datetime | None: ...
    @property
    def resolved_at(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class ResponseFigures:
    period: str
    group: str
    cases: int
    answered: int
    response_rate: float | None
    median_first_response_s: float | None
    p90_first_response_s: float | None
    within_sla: float | None
    resolved: int
    median_resolution_s: float | None

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def period_of(moment: datetime, every: Period | None) -> str:
    if every is None:
        return ALL
    day = moment.date()
    return (day - timedelta(days=day.weekday()) if every == "week" else day).isoformat()


def response_figures(cases: Iterable[CaseTimes], targets: Mapping[Severity, timedelta], now: datetime, *,
                     by: Dimension | None = None, every: Period | None = None) -> list[ResponseFigures]:
    by_severity: dict[str, timedelta] = dict(targets.items())  # looked up by a case's severity, any str
    groups: dict[tuple[str, str], list[CaseTimes]] = {}
    for case in cases:
        group = ALL if by is None else (getattr(case, by) or "untagged")
        groups.setdefault((period_of(case.opened_at, every), group), []).append(case)
    return [_figures(period, group, members, by_severity, now) for (period, group), members in sorted(groups.items())]


def _figures(period: str, group: str, members: list[CaseTimes], targets: Mapping[str, timedelta],
             now: datetime) -> ResponseFigures:
    waits = [(c.first_response_at - c.opened_at).total_seconds() for c in members if c.first_response_at]
    resolutions = [(c.resolved_at - c.opened_at).total_seconds() for c in members if c.resolved_at]
    outcomes = [within for c in members if (within := _within_target(c, targets, now)) is not None]
    return ResponseFigures(
        period=period, group=group, cases=len(members), answered=len(waits),
        response_rate=len(waits) / len(members),
        median_first_response_s=_percentile(waits, 50), p90_first_response_s=_percentile(waits, 90),
        within_sla=sum(outcomes) / len(outcomes) if outcomes else None,
        resolved=len(resolutions), median_resolution_s=_percentile(resolutions, 50))


def _within_target(case: CaseTimes, targets: Mapping[str, timedelta], now: datetime) -> bool | None:
    """True/False once known; None while the case is unanswered and still inside its target (or has none)."""
    target = targets.get(case.severity)
    if target is None:
        return None
    due = case.opened_at + target
    handled = [t for t in (case.first_response_at, case.resolved_at) if t is not None]
    if handled:
        return min(handled) <= due
    return False if now > due else None


def _percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


#: Windows up to this many days show their figures per day, longer ones per week.
DAILY_UP_TO_DAYS = 31


@dataclass(frozen=True, slots=True)
class CxFigures:
    """Response figures of the cases opened in [start, end): all together (`total`, and `previous` for
    the period of equal length before), per source, per touchpoint, and per `every` period."""

    start: datetime
    end: datetime
    every: Period
    total: ResponseFigures | None
    previous: ResponseFigures | None
    by_source: list[ResponseFigures]
    by_touchpoint: list[ResponseFigures]
    over_time: list[ResponseFigures]

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "every": self.every,
                "total": self.total.to_dict() if self.total else None,
                "previous": self.previous.to_dict() if self.previous else None,
                **{name: [row.to_dict() for row in getattr(self, name)]
                   for name in ("by_source", "by_touchpoint", "over_time")}}


def cx_figures(connection: Connection, *, start: datetime, end: datetime, targets: Mapping[Severity, timedelta],
               now: datetime, brand: str | None = None) -> CxFigures:
    """The response figures of `brand`'s (default: every brand's) cases opened in [start, end)."""
    cases = cases_opened_between(connection, start, end, brand=brand)
    earlier = cases_opened_between(connection, start - (end - start), start, brand=brand)
    every: Period = "day" if end - start <= timedelta(days=DAILY_UP_TO_DAYS) else "week"
    total = next(iter(response_figures(cases, targets, now)), None)
    previous = next(iter(response_figures(earlier, targets, now)), None)
    return CxFigures(start=start, end=end, every=every, total=total, previous=previous,
                     by_source=_busiest_first(response_figures(cases, targets, now, by="source")),
                     by_touchpoint=_busiest_first(response_figures(cases, targets, now, by="touchpoint")),
                     over_time=response_figures(cases, targets, now, every=every))


def _busiest_first(rows: list[ResponseFigures]) -> list[ResponseFigures]:
    return sorted(rows, key=lambda row: (-row.cases, row.group))


def format_seconds(seconds: float | None) -> str:
    """A wait for people: 45s, 12m, 3.5h, 2.1d."""
    if seconds is None:
        return "-"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            value = seconds / size
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    return f"{seconds:.0f}s"
