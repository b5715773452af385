"""`brandpulse status`: the one screen an operator reads to know whether the pipeline is healthy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from rich.console import Group
from rich.markup import escape
from rich.table import Table

from brandpulse.alerts.outbox import ReceiverHealth, receiver_health
from brandpulse.runtime import Runtime
from brandpulse.storage.alert_store import SqlOutbox
from brandpulse.storage.jobs import JobRun, last_runs
from brandpulse.storage.queries import active_alerts, brand_totals
from brandpulse.storage.scoring import scoring_backlog


@dataclass
class Status:
    model_id: str
    runs: list[JobRun]
    totals: pd.DataFrame
    backlog: int
    alerts: pd.DataFrame
    channels: dict[str, ReceiverHealth]

    def render(self) -> Group:
        runs = Table("job", "last start (UTC)", "status", "took", "counts / error", title="Jobs")
        for run in self.runs:
            took = f"{(run.finished_at - run.started_at).total_seconds():.1f}s" if run.finished_at else "running"
            detail = run.error or ", ".join(f"{k}={v}" for k, v in run.counts.items() if not isinstance(v, list))
            style = {"ok": "green", "failed": "red", "partial": "yellow"}.get(run.status, "")
            runs.add_row(run.job, f"{run.started_at:%Y-%m-%d %H:%M:%S}", f"[{style}]{run.status}[/]", took, detail)
        totals = Table("brand", "mentions", "scored", "first", "last",
                       title=f"Mentions (scoring backlog: {self.backlog} for {self.model_id})")
        for row in self.totals.to_dict("records"):
            totals.add_row(str(row["brand"]), str(row["mentions"]), str(row["scored"]),
                           f"{row['first']:%Y-%m-%d %H:%M}", f"{row['last']:%Y-%m-%d %H:%M}")
        alerts = Table("state", "rule", "labels", "since", title="Active alerts")
        for row in self.alerts.to_dict("records"):
            labels = ", ".join(f"{k}={v}" for k, v in sorted(row["labels"].items()))
            alerts.add_row(str(row["state"]), str(row["rule"]), labels, f"{row['since']:%Y-%m-%d %H:%M}")
        channels = Table("receiver", "state", "sent", "pending", "gave up", "last success", "last error",
                         title="Notification channels")
        for health in sorted(self.channels.values(), key=lambda h: h.receiver):
            state = (f"[red]failing ({health.consecutive_failures} failed attempts)[/]" if health.failing
                     else "[green]ok[/]")
            success = f"{health.last_success:%Y-%m-%d %H:%M}" if health.last_success else ""
            channels.add_row(health.receiver, state, str(health.sent), str(health.pending), str(health.dead), success,
                             escape(health.last_error or ""))
        return Group(runs, totals, alerts, channels)

    def to_dict(self) -> dict[str, Any]:
        """What `render` shows, as JSON-ready data (`brandpulse status --json`); times are ISO 8601 UTC."""
        return {
            "model": self.model_id,
            "scoring_backlog": self.backlog,
            "jobs": [{"job": run.job, "status": run.status, "started_at": _iso(run.started_at),
                      "finished_at": _iso(run.finished_at), "counts": run.counts, "error": run.error}
                     for run in self.runs],
            "brands": [{"brand": row["brand"], "mentions": int(row["mentions"]), "scored": int(row["scored"]),
                        "first": _iso(row["first"]), "last": _iso(row["last"])}
                       for row in self.totals.to_dict("records")],
            "alerts": [{"state": row["state"], "rule": row["rule"], "fingerprint": row["fingerprint"],
                        "labels": row["labels"], "since": _iso(row["since"])}
                       for row in self.alerts.to_dict("records")],
            "channels": [health.to_dict() for health in sorted(self.channels.values(), key=lambda h: h.receiver)],
        }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None or pd.isna(moment) else pd.Timestamp(moment).isoformat()


def gather_status(runtime: Runtime) -> Status:
    model_id = runtime.model_id()
    with runtime.engine.connect() as connection:
        return Status(model_id=model_id, runs=last_runs(connection), totals=brand_totals(connection, model_id),
                      backlog=scoring_backlog(connection, model_id), alerts=active_alerts(connection),
                      channels=receiver_health(SqlOutbox(runtime.engine).items()))
