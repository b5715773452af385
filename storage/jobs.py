"""Job run records: what each scheduled job did, for `brandpulse status` and metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from brandpulse.storage.schema import job_runs


@dataclass(frozen=True, slots=True)
class JobRun:
    id: int
    job: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    counts: dict[str, Any]
    error: str | None


def start_run(connection: Connection, job: str, now: datetime | None = None) -> int:
    result = connection.execute(job_runs.insert().returning(job_runs.c.id),
                                {"job": job, "started_at": now or datetime.now(UTC), "status": "running",
                                 "counts": {}})
    run_id: int = result.scalar_one()
    return run_id


def finish_run(connection: Connection, run_id: int, status: str, counts: dict[str, Any],
               error: str | None = None, now: datetime | None = None) -> None:
    connection.execute(update(job_runs).where(job_runs.c.id == run_id)
                       .values(finished_at=now or datetime.now(UTC), status=status, counts=counts, error=error))


def last_runs(connection: Connection) -> list[JobRun]:
    """The latest run of every job, newest first."""
    latest = (select(job_runs.c.job, func.max(job_runs.c.id).label("id")).group_by(job_runs.c.job).subquery())
    rows = connection.execute(select(job_runs).join(latest, latest.c.id == job_runs.c.id)
                              .order_by(job_runs.c.started_at.desc()))
    return [JobRun(**row._mapping) for row in rows]
