"""Paid APIs' read caps (X): posts read per source and calendar month, persisted across restarts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from brandpulse.storage.dialect import dialect_insert
from brandpulse.storage.schema import read_budgets


class StoredReadBudget:
    """`listeners.budget.ReadBudget` over the database: the count survives restarts, resets monthly.

    Each `spend` commits at once: posts an API billed for are spent whether or not the mentions
    they carried are stored later.
    """

    def __init__(self, engine: Engine, source: str, cap: int | None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine, self.source, self.cap, self.clock = engine, source, cap, clock

    def _period(self) -> str:
        return f"{self.clock():%Y-%m}"

    def used(self) -> int:
        with self.engine.connect() as connection:
            value = connection.execute(select(read_budgets.c.used).where(
                read_budgets.c.source == self.source, read_budgets.c.period == self._period())).scalar()
        return value or 0

    def remaining(self) -> int | None:
        return None if self.cap is None else max(0, self.cap - self.used())

    def spend(self, n: int) -> None:
        if n < 0:
            raise ValueError("cannot spend a negative number of reads")
        if n == 0:
            return
        with self.engine.begin() as connection:
            statement = dialect_insert(connection, read_budgets)
            statement = statement.on_conflict_do_update(
                index_elements=["source", "period"],
                set_={"used": read_budgets.c.used + n, "updated_at": statement.excluded.updated_at})
            connection.execute(statement, {"source": self.source, "period": self._period(), "used": n,
                                           "updated_at": self.clock()})
