"""`brandpulse run`: the scheduler service that runs the jobs at the config's intervals.

APScheduler keeps its jobs in the application's own database, so a restart resumes the schedule
instead of resetting it: jobs are added only when missing, and rescheduled only when their
interval changed in the config (NOTES.md: `replace_existing=True` would drop missed runs).
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from brandpulse import jobs
from brandpulse.config import Config
from brandpulse.runtime import Runtime

log = logging.getLogger("brandpulse.service")

JOBSTORE_TABLE = "apscheduler_jobs"
_process_runtime: Runtime | None = None


@dataclass(frozen=True, slots=True)
class PlannedJob:
    id: str
    job: str
    args: tuple[str, ...]
    interval: timedelta


def planned_jobs(config: Config) -> list[PlannedJob]:
    schedule = config.schedule
    plan = [PlannedJob(f"collect:{name}", "collect", (name,), source.interval or schedule.collect)
            for name, source in sorted(config.sources.items()) if source.enabled]
    plan += [PlannedJob("score", "score", (), schedule.score),
             PlannedJob("evaluate", "evaluate", (), schedule.evaluate),
             PlannedJob("send", "send", (), schedule.send)]
    return plan


def run_job(job: str, *args: Any) -> None:
    """The callable stored in the job store: a textual reference that survives restarts."""
    if _process_runtime is None:
        raise RuntimeError("no runtime: jobs run only inside `brandpulse run`")
    try:
        getattr(jobs, job)(_process_runtime, *args)
    except Exception:
        log.exception("job %s%s failed", job, args)


def build_scheduler(runtime: Runtime) -> BackgroundScheduler:
    schedule = runtime.config.schedule
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=runtime.engine, tablename=JOBSTORE_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(schedule.misfire_grace.total_seconds())},
        timezone="UTC",
    )


def sync_jobs(scheduler: BackgroundScheduler, config: Config) -> list[str]:
    """Make the stored schedule match the config without resetting jobs that did not change."""
    plan = {planned.id: planned for planned in planned_jobs(config)}
    changes = []
    for job in scheduler.get_jobs():
        if job.id not in plan:
            scheduler.remove_job(job.id)
            changes.append(f"removed {job.id}")
    for planned in plan.values():
        existing = scheduler.get_job(planned.id)
        if existing is None:
            scheduler.add_job(run_job, IntervalTrigger(seconds=planned.interval.total_seconds()), id=planned.id,
                              name=planned.id, args=(planned.job, *planned.args))
            changes.append(f"added {planned.id} every {planned.interval}")
        elif existing.trigger.interval != planned.interval:
            scheduler.reschedule_job(planned.id, trigger=IntervalTrigger(seconds=planned.interval.total_seconds()))
            changes.append(f"rescheduled {planned.id} to every {planned.interval}")
    return changes


def serve(runtime: Runtime, *, install_signal_handlers: bool = True) -> None:
    """Run the schedule until SIGINT/SIGTERM (or `runtime.stop`); running jobs finish their batch first."""
    global _process_runtime
    _process_runtime = runtime
    scheduler = build_scheduler(runtime)
    scheduler.start(paused=True)
    for change in sync_jobs(scheduler, runtime.config):
        log.info("schedule: %s", change)
    if install_signal_handlers:
        _stop_on_signals(runtime.stop)
    scheduler.resume()
    log.info("running %d jobs; stop with Ctrl-C", len(scheduler.get_jobs()))
    try:
        runtime.stop.wait()
    finally:
        log.info("stopping: waiting for running jobs to commit their current batch")
        scheduler.shutdown(wait=True)
        _process_runtime = None


def _stop_on_signals(stop: threading.Event) -> None:
    def handle(signum: int, _frame: Any) -> None:
        log.info("received %s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
