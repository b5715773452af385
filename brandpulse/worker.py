"""`brandpulse worker --role collect|score|evaluate`: one kind of work, in as many processes as needed.

Workers share the database and nothing else:

- **score** loops over `jobs.score`, whose batches are claimed with `FOR UPDATE SKIP LOCKED` on
  PostgreSQL: any number of scoring workers never claim the same mention, and a killed worker's
  claim ends with its transaction. The model is loaded once, before the first claim.
- **collect** runs every enabled source's collect job at its interval. Each run holds the source's
  named lock (`storage.leader`), which the scheduler's collect jobs take too, so one source is never
  collected by two processes at once; and a source collected by another process less than an
  interval ago is not collected again.
- **evaluate** runs evaluate and send the same way, one process at a time.

SIGTERM or SIGINT ends a worker after its current batch is committed, with exit status 0. A failing
database (an outage, a restart) is logged and retried with backoff: the worker carries on by itself.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, select

from brandpulse import jobs, metrics
from brandpulse.runtime import Runtime
from brandpulse.storage.leader import holding
from brandpulse.storage.schema import job_runs, scoring_queue

log = logging.getLogger("brandpulse.worker")

ROLES = ("collect", "score", "evaluate")
#: Backoff after a failure: doubled each time up to the cap, reset by a success.
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 30.0


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    id: str
    interval: timedelta
    run: Callable[[Runtime], dict[str, Any] | None]


def run_worker(runtime: Runtime, role: str, *, poll: float = 2.0, sources: list[str] | None = None) -> None:
    """Work at `role` until `runtime.stop` is set."""
    log.info("%s worker started (pid %d)", role, os.getpid())
    if role == "score":
        _score_loop(runtime, poll)
    elif role in ("collect", "evaluate"):
        _periodic_loop(runtime, _periodic_jobs(runtime, role, sources), poll)
    else:
        raise ValueError(f"unknown role {role!r} (one of {', '.join(ROLES)})")


def _periodic_jobs(runtime: Runtime, role: str, sources: list[str] | None) -> list[PeriodicJob]:
    config = runtime.config
    if role == "collect":
        names = sources or [name for name, source in sorted(config.sources.items()) if source.enabled]
        return [PeriodicJob(f"collect:{name}", config.sources[name].interval,
                            partial(jobs.collect, source_name=name)) for name in names]
    schedule = config.schedule
    return [PeriodicJob("evaluate", schedule.evaluate, lambda runtime: jobs.evaluate(runtime)),
            PeriodicJob("send", schedule.send, lambda runtime: jobs.send(runtime))]


class Backoff:
    def __init__(self) -> None:
        self.delay = 0.0

    def failed(self) -> float:
        self.delay = min(MAX_BACKOFF, self.delay * 2 if self.delay else FIRST_BACKOFF)
        return self.delay

    def succeeded(self) -> None:
        self.delay = 0.0


def _score_loop(runtime: Runtime, poll: float) -> None:
    backoff = Backoff()
    model_id = None
    while not runtime.stop.is_set():
        try:
            if model_id is None:
                model_id = runtime.scorer().model_id  # load the model once, before the first claim
                log.info("scoring with %s", model_id)
            if not _work_waiting(runtime):
                backoff.succeeded()
                runtime.stop.wait(poll)
                continue
            counts = metrics.observe_job("score", lambda: jobs.score(runtime)) or {}
            metrics.count_scored(model_id, counts.get("scored", 0))
            backoff.succeeded()
            if not counts.get("scored"):
                runtime.stop.wait(poll)  # the queue's rows are all claimed by other workers
        except Exception as error:
            delay = backoff.failed()
            log.error("score failed (%s: %s); retrying in %.0fs", type(error).__name__, _brief(error), delay)
            runtime.stop.wait(delay)


def _work_waiting(runtime: Runtime) -> bool:
    """Whether the scoring queue has a row: a cheap look that keeps idle polls out of job_runs."""
    with runtime.engine.connect() as connection:
        return connection.execute(select(scoring_queue.c.mention_id).limit(1)).first() is not None


def _periodic_loop(runtime: Runtime, planned: list[PeriodicJob], poll: float) -> None:
    if not planned:
        log.warning("nothing to do: no job for this role in the config")
    due = {job.id: runtime.clock() for job in planned}
    backoff = Backoff()
    while not runtime.stop.is_set():
        failed = False
        for job in planned:
            if runtime.stop.is_set():
                break
            if runtime.clock() < due[job.id]:
                continue
            try:
                due[job.id] = run_if_due(runtime, job)
            except Exception as error:
                failed = True
                log.error("%s failed (%s: %s)", job.id, type(error).__name__, _brief(error))
        if failed:
            runtime.stop.wait(backoff.failed())
            continue
        backoff.succeeded()
        wait = min(((due[job.id] - runtime.clock()).total_seconds() for job in planned), default=poll)
        runtime.stop.wait(max(0.0, min(wait, poll)))


def run_if_due(runtime: Runtime, job: PeriodicJob) -> datetime:
    """Run `job` under its named lock unless another process holds it or ran it within its interval;
    returns when it is next due."""
    with holding(runtime.engine, job.id) as held:
        if not held:
            log.debug("%s: another process is running it", job.id)
            return runtime.clock() + min(job.interval, timedelta(seconds=5))
        last = last_start(runtime, job.id)
        now = runtime.clock()
        if last is not None and now - last < job.interval:
            return last + job.interval
        metrics.observe_job(job.id, lambda: job.run(runtime))
        return now + job.interval


def last_start(runtime: Runtime, job: str) -> datetime | None:
    with runtime.engine.connect() as connection:
        return connection.execute(select(func.max(job_runs.c.started_at)).where(job_runs.c.job == job)).scalar()


def _brief(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else ""
