"""The X read budget persists across restarts and starts afresh each month."""

from __future__ import annotations

from datetime import UTC, datetime

from brandpulse.storage.budgets import StoredReadBudget
from brandpulse.storage.engine import open_database
from tests.support.clock import ManualClock


def test_spent_reads_survive_a_restart_and_reset_with_the_month(database_url):
    clock = ManualClock(datetime(2026, 3, 30, tzinfo=UTC))
    engine = open_database(database_url)
    budget = StoredReadBudget(engine, "x", cap=1000, clock=clock)
    budget.spend(300)
    budget.spend(200)
    restarted = StoredReadBudget(engine, "x", cap=1000, clock=clock)
    assert restarted.remaining() == 500
    clock.set(datetime(2026, 4, 1, tzinfo=UTC))
    assert restarted.remaining() == 1000
    assert StoredReadBudget(engine, "x", cap=None).remaining() is None
    engine.dispose()
