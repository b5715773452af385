"""Daily counts for the overview, with closed days cached in memory.

The overview sums a month of mentions per brand, day and label: on a million mentions that is about
150k rows joined to their scores, half a second on SQLite. Days that are over change rarely (late
posts from a backfill, scores of a re-run), so days older than `live_days` are kept for `ttl` and
only today is read on every call. A cached day is therefore at most `ttl` stale; today is always
exact. `refresh` (run by the dashboard's background warmer every `ttl / 2`) recomputes the closed
days ahead of time, so no request pays for them after start-up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from brandpulse.storage.queries import COUNT_COLUMNS
from brandpulse.storage.retention import daily_series
from brandpulse.storage.series import ANGER_COLUMNS, daily_anger

COLUMNS = ["brand", "day", *COUNT_COLUMNS, *ANGER_COLUMNS]


def daily_rows(connection: Any, model_id: str, start: datetime, end: datetime) -> pd.DataFrame:
    """Per brand and day in [start, end): the counts (live and pruned) and the anger (live mentions)."""
    counts = daily_series(connection, model_id=model_id, start=start, end=end)
    anger = daily_anger(connection, model_id=model_id, start=start, end=end)
    merged = counts.merge(anger, on=["brand", "day"], how="left")
    merged[ANGER_COLUMNS] = merged[ANGER_COLUMNS].fillna(0).astype("int64")
    return merged[COLUMNS]


def floor_day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class DailyCountsCache:
    def __init__(self, engine: Engine, model_id: str, *, ttl: timedelta = timedelta(minutes=10), live_days: int = 1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine, self.model_id, self.ttl, self.live_days, self.clock = engine, model_id, ttl, live_days, clock
        self._days: dict[datetime, tuple[float, pd.DataFrame]] = {}
        self._lock = threading.Lock()

    def counts(self, start: datetime, end: datetime, now: datetime,
               brand_names: Sequence[str] | None = None) -> pd.DataFrame:
        """Per brand and day in [start, end) (day-aligned): volume, scored, negative, neutral, positive,
        angry, emotional."""
        start, end = floor_day(start), floor_day(end - timedelta(microseconds=1)) + timedelta(days=1)
        cutoff = max(start, min(end, floor_day(now) - timedelta(days=self.live_days - 1)))
        frames = []
        if start < cutoff:
            frames.append(self._closed(start, cutoff))
        if cutoff < end:
            with self.engine.connect() as connection:
                frames.append(daily_rows(connection, self.model_id, cutoff, end))
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
        if brand_names is not None:
            frame = frame[frame["brand"].isin(list(brand_names))]
        return frame.reset_index(drop=True)

    def _closed(self, start: datetime, end: datetime) -> pd.DataFrame:
        days = pd.date_range(start, end, freq="D", inclusive="left").to_pydatetime().tolist()
        now, ttl = self.clock(), self.ttl.total_seconds()
        with self._lock:
            missing = [day for day in days if day not in self._days or now - self._days[day][0] > ttl]
        if missing:
            first, last = min(missing), max(missing) + timedelta(days=1)
            with self.engine.connect() as connection:
                fresh = daily_rows(connection, self.model_id, first, last)
            by_day = {day: group for day, group in fresh.groupby("day")}
            empty = pd.DataFrame(columns=COLUMNS)
            with self._lock:
                for day in pd.date_range(first, last, freq="D", inclusive="left").to_pydatetime():
                    self._days[day] = (now, by_day.get(pd.Timestamp(day), empty))
        with self._lock:
            parts = [self._days[day][1] for day in days if day in self._days]
        parts = [part for part in parts if not part.empty]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)

    def refresh(self, days: int, now: datetime) -> None:
        """Recompute the closed days of the last `days` days (the slow part of a cold overview)."""
        end = floor_day(now) - timedelta(days=self.live_days - 1)
        start = end - timedelta(days=days)
        with self.engine.connect() as connection:
            fresh = daily_rows(connection, self.model_id, start, end)
        by_day = {day: group for day, group in fresh.groupby("day")}
        empty = pd.DataFrame(columns=COLUMNS)
        stamp = self.clock()
        with self._lock:
            for day in pd.date_range(start, end, freq="D", inclusive="left").to_pydatetime():
                self._days[day] = (stamp, by_day.get(pd.Timestamp(day), empty))

    def clear(self) -> None:
        with self._lock:
            self._days.clear()
