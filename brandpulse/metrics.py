"""Prometheus metrics: `/metrics` at the config's `metrics.listen` (127.0.0.1 unless told otherwise),
for `brandpulse run`, `worker` and `metrics`.

Two kinds of series, so that they stay right with any number of processes:

- read from the database at scrape time, the same from every process (query one, or take `max`):
  scoring backlog, recent job runs and the last run of every job, alerts by state, notifications by
  receiver and status, and whether the database answered at all;
- counted by this process since it started (sum them over processes): jobs run, their durations and
  failures, mentions collected and scored, and whether this process leads the schedule;
- the standard process and platform series of prometheus_client (`process_resident_memory_bytes`,
  `process_cpu_seconds_total`, open file descriptors, `python_info`), per process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine, and_, func, select, text

from brandpulse.storage.schema import alert_state, job_runs, outbox, scoring_queue

log = logging.getLogger("brandpulse.metrics")

#: This process's series. Every process has its own; `/metrics` serves it with the database's.
REGISTRY = CollectorRegistry(auto_describe=True)

JOB_RUNS = Counter("brandpulse_job_runs", "Jobs this process ran, by final status (ok, partial, failed, skipped).",
                   ["job", "status"], registry=REGISTRY)
JOB_DURATION = Histogram("brandpulse_job_duration_seconds", "How long this process's job runs took.", ["job"],
                         buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800), registry=REGISTRY)
MENTIONS_COLLECTED = Counter("brandpulse_mentions_collected", "New mentions this process stored, by source.",
                             ["source"], registry=REGISTRY)
MENTIONS_SCORED = Counter("brandpulse_mentions_scored", "Mentions this process scored, by model.", ["model"],
                          registry=REGISTRY)
LEADER = Gauge("brandpulse_scheduler_leader", "1 while this process leads the schedule (runs the scheduled jobs).",
               registry=REGISTRY)

#: Recent job runs are read over this window (job_runs is indexed on started_at).
RECENT = timedelta(hours=24)
#: A scrape never waits longer than this on the database.
SCRAPE_TIMEOUT_MS = 5000


def observe_job(job: str, work: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
    """Run `work` (a job), counting its run, status and duration; exceptions propagate, counted."""
    started = time.perf_counter()
    try:
        counts = work()
    except BaseException:
        JOB_RUNS.labels(job, "failed").inc()
        raise
    finally:
        JOB_DURATION.labels(job).observe(time.perf_counter() - started)
    counts = counts or {}
    JOB_RUNS.labels(job, "partial" if counts.get("errors") else "ok").inc()
    if job.startswith("collect:"):
        MENTIONS_COLLECTED.labels(job.removeprefix("collect:")).inc(counts.get("new", 0))
    return counts


def count_scored(model_id: str, scored: int) -> None:
    MENTIONS_SCORED.labels(model_id).inc(scored)


class DatabaseCollector(Collector):
    """Series read from the database when Prometheus scrapes, so every process reports the same."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.clock = clock

    def describe(self) -> list[Metric]:
        return []  # computed at scrape time; no fixed description

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("brandpulse_database_up", "1 if the database answered this scrape's queries.")
        try:
            with self.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(text(f"SET LOCAL statement_timeout = {SCRAPE_TIMEOUT_MS}"))
                families = list(self._families(connection))
        except Exception as error:  # an outage must not break the endpoint: say so instead
            log.warning("metrics: database unavailable: %s", str(error).splitlines()[0] if str(error) else error)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self, connection: Connection) -> Iterator[Metric]:
        backlog = GaugeMetricFamily("brandpulse_scoring_backlog", "Mentions no model has scored yet.")
        backlog.add_metric([], connection.execute(select(func.count()).select_from(scoring_queue)).scalar_one())
        yield backlog
        yield from self._job_families(connection)
        alerts = GaugeMetricFamily("brandpulse_alerts", "Alerts by state (pending, firing) and rule.",
                                   labels=["state", "rule"])
        for state, rule, count in connection.execute(
                select(alert_state.c.state, alert_state.c.rule, func.count())
                .where(alert_state.c.state.in_(["pending", "firing"]))
                .group_by(alert_state.c.state, alert_state.c.rule)):
            alerts.add_metric([state, rule], count)
        yield alerts
        notifications = GaugeMetricFamily("brandpulse_notifications",
                                          "Outbox notifications by receiver and status (pending, sent, dead).",
                                          labels=["receiver", "status"])
        failing = GaugeMetricFamily("brandpulse_notification_failures",
                                    "Notifications whose last send failed: retrying (pending) or given up (dead).",
                                    labels=["receiver", "status"])
        for receiver, status, count, failed in connection.execute(
                select(outbox.c.receiver, outbox.c.status, func.count(),
                       func.count(outbox.c.last_error).filter(outbox.c.status != "sent"))
                .group_by(outbox.c.receiver, outbox.c.status)):
            notifications.add_metric([receiver, status], count)
            if status != "sent":
                failing.add_metric([receiver, status], failed)
        yield notifications
        yield failing

    def _job_families(self, connection: Connection) -> Iterator[Metric]:
        since = self.clock() - RECENT
        recent = GaugeMetricFamily("brandpulse_job_runs_recent",
                                   "Job runs started in the last 24 hours by any process, by status.",
                                   labels=["job", "status"])
        for job, status, count in connection.execute(
                select(job_runs.c.job, job_runs.c.status, func.count()).where(job_runs.c.started_at >= since)
                .group_by(job_runs.c.job, job_runs.c.status)):
            recent.add_metric([job, status], count)
        yield recent
        latest = (select(job_runs.c.job, func.max(job_runs.c.id).label("id"))
                  .where(job_runs.c.started_at >= since, job_runs.c.finished_at.is_not(None))
                  .group_by(job_runs.c.job).subquery())
        finished = GaugeMetricFamily("brandpulse_job_last_finished_timestamp_seconds",
                                     "When each job's last finished run (any process) ended.", labels=["job"])
        duration = GaugeMetricFamily("brandpulse_job_last_duration_seconds",
                                     "How long each job's last finished run (any process) took.", labels=["job"])
        success = GaugeMetricFamily("brandpulse_job_last_success",
                                    "1 if each job's last finished run (any process) succeeded (ok or partial).",
                                    labels=["job"])
        rows = connection.execute(
            select(job_runs.c.job, job_runs.c.started_at, job_runs.c.finished_at, job_runs.c.status)
            .join(latest, and_(latest.c.id == job_runs.c.id)))
        for job, started_at, finished_at, status in rows:
            finished.add_metric([job], finished_at.timestamp())
            duration.add_metric([job], (finished_at - started_at).total_seconds())
            success.add_metric([job], 1 if status in ("ok", "partial") else 0)
        yield finished
        yield duration
        yield success


class MetricsServer:
    """`/metrics` on `host:port` (127.0.0.1 by default), serving this process's, its runtime's and the
    database's series."""

    def __init__(self, engine: Engine | None, port: int, host: str = "127.0.0.1") -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_Forward(REGISTRY))
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        if engine is not None:
            self.registry.register(DatabaseCollector(engine))
        self.server, self.thread = start_http_server(port, addr=host, registry=self.registry)
        self.port = self.server.server_port
        log.info("metrics on http://%s:%d/metrics", host, self.port)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class _Forward(Collector):
    """This process's registry, served inside another."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.source = registry

    def collect(self) -> Iterator[Metric]:
        yield from self.source.collect()


_lock = threading.Lock()
_server: MetricsServer | None = None


def serve_metrics(engine: Engine | None, port: int | None, host: str = "127.0.0.1") -> MetricsServer | None:
    """Start this process's `/metrics` endpoint once (None when no port is configured)."""
    return None if port is None else metrics_server(engine, port, host)


def metrics_server(engine: Engine | None, port: int, host: str = "127.0.0.1") -> MetricsServer:
    """This process's `/metrics` endpoint, started on the first call."""
    global _server
    with _lock:
        if _server is None:
            _server = MetricsServer(engine, port, host)
        return _server


def stop_metrics() -> None:
    global _server
    with _lock:
        if _server is not None:
            _server.close()
            _server = None
