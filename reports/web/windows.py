"""The period a page shows: fitted to the data unless asked, compared with the period before it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from brandpulse.reports.web.cache import floor_day

#: Windows up to this many days are drawn per hour, longer ones per day.
HOURLY_UP_TO_DAYS = 7
MAX_DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    defaulted: bool = False
    languages: list[str] = field(default_factory=list)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def bucket(self) -> timedelta:
        return timedelta(hours=1) if self.days <= HOURLY_UP_TO_DAYS else timedelta(days=1)

    @property
    def bucket_name(self) -> str:
        return "hour" if self.bucket == timedelta(hours=1) else "day"

    @property
    def previous_start(self) -> datetime:
        return self.start - (self.end - self.start)

    def describe(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "bucket": self.bucket_name, "days": self.days,
                "defaulted": self.defaulted, "previous_start": self.previous_start, "languages": self.languages}


def fit_window(days: int | None, until: date | None, now: datetime, first: datetime | None,
               latest: datetime | None, *, languages: list[str] | None = None) -> Window:
    """`days` whole UTC days ending with `until`.

    Unasked, the window ends on the last day with mentions (today for a live system; the last day of
    imported history or of the demo otherwise), and spans the later half of the data, at most 30 days,
    so that the period before it, which every change is measured against, holds the earlier half.
    """
    last_day = floor_day(min(latest, now) if latest else now)
    last = datetime(until.year, until.month, until.day, tzinfo=UTC) if until else last_day
    defaulted = days is None and until is None
    if days is None:
        span = (last_day - floor_day(first)).days + 1 if first else 1
        days = max(1, min(MAX_DEFAULT_DAYS, span // 2))
    end = last + timedelta(days=1)
    return Window(end - timedelta(days=days), end, defaulted=defaulted, languages=list(languages or []))
