"""The shared manual clock: tells the time it was given, moves only when told, and records sleeps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.clock import ManualClock

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_it_tells_the_same_time_until_moved() -> None:
    clock = ManualClock(T0)
    assert clock() == clock() == T0
    assert clock.advance(hours=1, minutes=30) == datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    clock.set(datetime(2026, 4, 1, tzinfo=UTC))
    assert clock() == datetime(2026, 4, 1, tzinfo=UTC)


def test_sleep_moves_the_clock_and_records_the_wait_instead_of_waiting() -> None:
    clock = ManualClock(T0)
    clock.sleep(2.5)
    clock.sleep(60)
    assert clock.sleeps == [2.5, 60]
    assert (clock() - T0).total_seconds() == 62.5


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        ManualClock(datetime(2026, 3, 2))
