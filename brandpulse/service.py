"""`brandpulse run`: the scheduler service that runs the jobs at the config's intervals.

APScheduler keeps its jobs in the application's own database, so a restart resumes the schedule
instead of resetting it: jobs are added only when missing, and rescheduled only when their
interval changed in the config (NOTES.md: `replace_existing=True` would drop missed runs).

Several replicas may run on one PostgreSQL database: they elect one leader with an advisory lock
(`storage.leader`), and only the leader runs a scheduler; the others stand by and try the lock
every `heartbeat`. The server releases the lock when the leader's session ends (process killed,
connection cut, database restarted), so a standby takes over without any timer guess. A leader
whose session ended ends its term: the jobs still running see `runtime.stop` set (`end_term`) and
end after their current batch, an X stream at once (X allows one connection per app, which the new
leader needs), and the scheduler stops until the lock is won again. Every job also checks the lock
just before it runs. Collect, evaluate, send and prune jobs also hold their own named lock
while they run, which `brandpulse worker` processes take too: a source is never collected by two
processes at once. On SQLite the leadership is a file lock beside the database.
"""

from __future__ import annotations

import logging
import signal
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from brandpulse import jobs, maintenance, metrics
from brandpulse.alerts.durations import format_duration
from brandpulse.config import Config
from brandpulse.runtime import Runtime, StopSignal
from brandpulse.storage.leader import NamedLock, holding

log = logging.getLogger("brandpulse.service")

JOBSTORE_TABLE = "apscheduler_jobs"
LEADER_LOCK = "scheduler"
#: How often a standby tries the leader lock, and the leader checks that it still holds it.
HEARTBEAT_SECONDS = 2.0
#: Jobs that run in one process at a time, scheduler or worker, under a lock named by the job id.
EXCLUSIVE_JOBS = {"collect", "evaluate", "send", "prune", "report", "respond"}
#: Scheduled reports check hourly whether a new day, week or month has completed.
REPORT_CHECK_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class PlannedJob:
    id: str
    job: str
    args: tuple[str, ...]
    interval: timedelta


@dataclass(frozen=True, slots=True)
class _Process:
    runtime: Runtime
    leader: NamedLock


_process: _Process | None = None


def planned_jobs(config: Config) -> list[PlannedJob]:
    schedule = config.schedule
    plan = [PlannedJob(f"collect:{name}", "collect", (name,), source.interval)
            for name, source in sorted(config.sources.items()) if source.enabled]
    plan += [PlannedJob("score", "score", (), schedule.score),
             PlannedJob("evaluate", "evaluate", (), schedule.evaluate),
             PlannedJob("send", "send", (), schedule.send)]
    plan += [PlannedJob(f"report:{index}", "report", (str(index),), REPORT_CHECK_INTERVAL)
             for index in range(len(config.reports))]
    if config.cx.tags.enabled:
        plan.append(PlannedJob("tag", "tag", (), schedule.tag))
    if config.cx.sla.enabled:
        plan.append(PlannedJob("respond", "respond", (), schedule.respond))
    if maintenance.retention_policy(config) is not None:
        plan.append(PlannedJob("prune", "prune", (), maintenance.prune_interval(config)))
    return plan


def _job_function(job: str) -> Any:
    return maintenance.prune if job == "prune" else getattr(jobs, job)


def run_job(job: str, *args: Any) -> None:
    """The callable stored in the job store: a textual reference that survives restarts."""
    process = _process
    if process is None:
        raise RuntimeError("no runtime: jobs run only inside `brandpulse run`")
    job_id = ":".join((job, *args))
    if not process.leader.check():
        log.warning("%s not run: this process no longer leads the schedule", job_id)
        metrics.JOB_RUNS.labels(job_id, "skipped").inc()
        return
    runtime = process.runtime
    try:
        run_exclusive(runtime, job_id, lambda: _job_function(job)(runtime, *args), exclusive=job in EXCLUSIVE_JOBS)
    except Exception:
        log.exception("job %s failed", job_id)


def run_exclusive(runtime: Runtime, job_id: str, work: Any, *, exclusive: bool) -> dict[str, Any] | None:
    """Run a job (counted in the metrics), under the lock named `job_id` when `exclusive`;
    skipped when another process holds that lock."""
    if not exclusive:
        counts = metrics.observe_job(job_id, work)
        if job_id == "score" and counts:
            metrics.count_scored(runtime.scorer().model_id, counts.get("scored", 0))
        return counts
    with holding(runtime.engine, job_id) as held:
        if not held:
            log.info("%s not run: another process is running it", job_id)
            metrics.JOB_RUNS.labels(job_id, "skipped").inc()
            return None
        return metrics.observe_job(job_id, work)


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
            changes.append(f"added {planned.id} every {format_duration(planned.interval)}")
        elif existing.trigger.interval != planned.interval:
            scheduler.reschedule_job(planned.id, trigger=IntervalTrigger(seconds=planned.interval.total_seconds()))
            changes.append(f"rescheduled {planned.id} to every {format_duration(planned.interval)}")
    return changes


def _start_scheduler(runtime: Runtime) -> BackgroundScheduler:
    scheduler = build_scheduler(runtime)
    scheduler.start(paused=True)
    try:
        for change in sync_jobs(scheduler, runtime.config):
            log.info("schedule: %s", change)
        scheduler.resume()
    except BaseException:
        scheduler.shutdown(wait=False)
        raise
    log.info("leading the schedule: running %d jobs", len(scheduler.get_jobs()))
    return scheduler


def _stop_scheduler(scheduler: BackgroundScheduler) -> None:
    try:
        scheduler.shutdown(wait=True)  # running jobs end after their current batch
    except Exception as error:  # e.g. the job store's database is down
        log.warning("scheduler shutdown: %s", error)


def serve(runtime: Runtime, *, install_signal_handlers: bool = True, heartbeat: float = HEARTBEAT_SECONDS,
          metrics_port: int | None = None) -> None:
    """Run the schedule until SIGINT/SIGTERM (or `runtime.stop`): as the leader, or as a standby
    ready to take over. Running jobs finish their batch first."""
    global _process
    leader = NamedLock(runtime.engine, LEADER_LOCK)
    _process = _Process(runtime, leader)
    if install_signal_handlers:
        stop_on_signals(runtime.stop)
    port = metrics_port if metrics_port is not None else runtime.config.metrics.port
    metrics.serve_metrics(runtime.engine, port, runtime.config.metrics.host)
    scheduler: BackgroundScheduler | None = None
    standing_by = False
    try:
        while not runtime.stop.shutting_down:
            if scheduler is None:
                scheduler, standing_by = _try_to_lead(runtime, leader, standing_by)
            elif not leader.check():
                log.warning("lost the leadership (database session ended): stopping the running jobs; "
                            "scheduler stopped until re-elected")
                metrics.LEADER.set(0)
                _end_term(runtime, scheduler)
                scheduler = None
            runtime.stop.wait(heartbeat)
    finally:
        log.info("stopping: waiting for running jobs to commit their current batch")
        if scheduler is not None:
            _stop_scheduler(scheduler)
        leader.release()
        metrics.LEADER.set(0)
        _process = None


def _end_term(runtime: Runtime, scheduler: BackgroundScheduler) -> None:
    """Stop the jobs of this term (they see `runtime.stop`) and wait for them; then clear the stop
    for the next term."""
    runtime.stop.end_term()
    _stop_scheduler(scheduler)
    runtime.stop.new_term()


def _try_to_lead(runtime: Runtime, leader: NamedLock, standing_by: bool) -> tuple[BackgroundScheduler | None, bool]:
    if not leader.acquire():
        if not standing_by:
            log.info("standing by: another process leads the schedule")
        return None, True
    try:
        scheduler = _start_scheduler(runtime)
    except Exception as error:  # e.g. the database went away again: give the lock back, retry later
        log.error("cannot start the scheduler: %s", error)
        leader.release()
        return None, standing_by
    metrics.LEADER.set(1)
    return scheduler, False


def stop_on_signals(stop: StopSignal) -> None:
    def handle(signum: int, _frame: Any) -> None:
        log.info("received %s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
