"""The X read budget persists across restarts and starts afresh each month."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.budgets import StoredReadBudget
from storage.engine import open_database


def test_spent_reads_survive_a_restart_and_reset_with_the_month(database_url):
    now = [datetime(2026, 3, 30, tzinfo=UTC)]
    engine = open_database(database_url)
    budget = StoredReadBudget(engine, "x", cap=1000, clock=lambda: now[0])
    budget.spend(300)
    budget.spend(200)
    restarted = StoredReadBudget(engine, "x", cap=1000, clock=lambda: now[0])
    assert restarted.remaining() == 500
    now[0] = datetime(2026, 4, 1, tzinfo=UTC)
    assert restarted.remaining() == 1000
    assert StoredReadBudget(engine, "x", cap=None).remaining() is None
    engine.dispose()
