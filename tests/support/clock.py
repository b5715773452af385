"""A clock tests move by hand, for code that takes `clock: Callable[[], datetime]` and `sleep`.

One class for every suite: call it for the time, `advance(hours=1)` or `set(moment)` to move it, and
pass `clock.sleep` where the code under test would wait, so retries and backoff run instantly and the
waits they asked for are recorded in `sleeps`.
"""

from __future__ import annotations

from datetime import datetime, timedelta


class ManualClock:
    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime (storage and listeners work in UTC)")
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move forward by `timedelta(**delta)` and return the new time."""
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def sleep(self, seconds: float) -> None:
        """Stands in for `time.sleep`: records the wait and moves the clock instead of waiting."""
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)
