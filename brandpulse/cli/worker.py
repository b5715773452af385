"""Scaling out: `worker --role collect|score|evaluate`, `metrics` (the exporter alone) and `prune`."""

from __future__ import annotations

from enum import StrEnum

import typer

from brandpulse.cli.context import CliState, console, fail
from brandpulse.maintenance import prune as prune_job
from brandpulse.maintenance import retention_policy
from brandpulse.metrics import metrics_server, serve_metrics, stop_metrics
from brandpulse.service import stop_on_signals
from brandpulse.storage.retention import RetentionPolicy
from brandpulse.worker import run_worker


class Role(StrEnum):
    collect = "collect"
    score = "score"
    evaluate = "evaluate"


METRICS_PORT_HELP = "Serve Prometheus /metrics on this port (default: the config's metrics.listen)."
DEFAULT_METRICS_PORT = 9464


def worker(ctx: typer.Context,
           role: Role = typer.Option(..., "--role", "-r", help="The work this process does."),
           source: list[str] = typer.Option(None, "--source", "-s", help="collect: only these sources."),
           poll: float = typer.Option(2.0, min=0.1, help="Seconds between looks for new work when idle."),
           metrics_port: int = typer.Option(None, help=METRICS_PORT_HELP)) -> None:
    """Work at one role until SIGTERM/SIGINT; run as many as needed, on any machine sharing the database."""
    state: CliState = ctx.obj
    config = state.config()
    unknown = sorted(set(source or []) - set(config.sources))
    if unknown:
        fail(f"source(s) not configured: {', '.join(unknown)}")
    if source and role is not Role.collect:
        fail("--source applies to --role collect only")
    runtime = state.runtime()
    stop_on_signals(runtime.stop)
    serve_metrics(runtime.engine, metrics_port if metrics_port is not None else config.metrics.port,
                  config.metrics.host)
    try:
        run_worker(runtime, role.value, poll=poll, sources=source or None)
    finally:
        stop_metrics()
        runtime.close()


def metrics(ctx: typer.Context,
            port: int | None = typer.Option(None, help=f"Port of /metrics (default: the config's metrics.listen, "
                                                       f"else {DEFAULT_METRICS_PORT})."),
            host: str | None = typer.Option(None, help="Address to listen on (default: the config's "
                                                       "metrics.listen, else 127.0.0.1).")) -> None:
    """Serve the database's metrics (backlog, job runs, alerts, notifications) until SIGTERM/SIGINT."""
    state: CliState = ctx.obj
    runtime = state.runtime()
    listen = runtime.config.metrics
    port = port if port is not None else (listen.port or DEFAULT_METRICS_PORT)
    host = host or listen.host
    stop_on_signals(runtime.stop)
    server = metrics_server(runtime.engine, port, host)
    console.print(f"Serving http://{host}:{server.port}/metrics; stop with Ctrl-C.")
    try:
        runtime.stop.wait()
    finally:
        stop_metrics()
        runtime.close()


def prune(ctx: typer.Context,
          raw_payload_days: int = typer.Option(None, min=0, help="Drop API payloads older than this."),
          mentions_days: int = typer.Option(None, min=0, help="Delete mentions older than this, keeping their "
                                                             "daily counts.")) -> None:
    """Apply the retention policy now (the config's `retention`, or these options)."""
    state: CliState = ctx.obj
    config = state.config()
    if raw_payload_days is not None or mentions_days is not None:
        policy = RetentionPolicy(raw_payload_days=raw_payload_days, mentions_days=mentions_days)
    else:
        policy = retention_policy(config)
    if policy is None:
        fail("no retention policy: set `retention:` in the config or pass --raw-payload-days / --mentions-days")
    runtime = state.runtime()
    try:
        counts = prune_job(runtime, policy)
    finally:
        runtime.close()
    console.print(f"Pruned: {counts['raw_payloads_cleared']} raw payloads cleared, {counts['mentions_deleted']} "
                  f"mentions deleted ({counts['aggregate_rows']} daily aggregate rows updated).")


def register(app: typer.Typer) -> None:
    for command in (worker, metrics, prune):
        app.command()(command)
