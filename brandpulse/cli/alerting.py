"""On-call commands: `alerts list|test|ack` and `silence add|list|expire`, Alertmanager-style."""

from __future__ import annotations

import getpass
import json
import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.table import Table

from brandpulse.alerting import history_backtest
from brandpulse.alerts.backtest import Backtest, SeriesError, rules_for, series_backtest
from brandpulse.alerts.backtest_report import PLOT_SUFFIXES, summary, write_csv
from brandpulse.alerts.backtest_report import plot as draw
from brandpulse.alerts.channels import DeliveryError, send_test
from brandpulse.alerts.config import AlertsConfig, default_rules
from brandpulse.alerts.durations import format_duration, parse_duration
from brandpulse.cli.context import CliState, console, fail
from brandpulse.reports.alerts_view import alert_records
from brandpulse.storage.queries import list_alerts
from brandpulse.storage.silences import acknowledge_alert, add_silence, expire_silence, load_silences

alerts_app = typer.Typer(help="Inspect alerts, acknowledge them, test receivers.", no_args_is_help=True)
silence_app = typer.Typer(help="Mute alerts by label matchers for a while.", no_args_is_help=True)


@alerts_app.command("list")
def list_(ctx: typer.Context, all_: bool = typer.Option(False, "--all", help="Include resolved alerts."),
          as_json: bool = typer.Option(False, "--json", help="One JSON array of alert records on stdout.")) -> None:
    """Pending and firing alerts (with --all, resolved ones too)."""
    runtime = ctx.obj.runtime()
    with runtime.engine.connect() as connection:
        records = alert_records(list_alerts(connection, states=None if all_ else ["pending", "firing"]))
    if as_json:
        runtime.close()
        typer.echo(json.dumps(records, default=_json_default, indent=2))
        return
    table = Table("state", "alert", "brand", "severity", "since", "summary", "fingerprint", title="Alerts")
    for record in records:
        since = f"{record['starts_at']:%Y-%m-%d %H:%M}" if record["starts_at"] else ""
        table.add_row(record["state"], record["rule"], record["brand"] or "", record["severity"] or "", since,
                      record["summary"], record["fingerprint"][:12])
    console.print(table)
    runtime.close()


@alerts_app.command()
def test(ctx: typer.Context, receiver: str = typer.Argument(..., help="A receiver name from the config.")) -> None:
    """Send a test message through one receiver, right now."""
    config = ctx.obj.config()
    try:
        target = config.alerts.receiver(receiver)
    except KeyError:
        fail(f"no receiver named {receiver!r} (configured: {', '.join(r.name for r in config.alerts.receivers)})")
    try:
        send_test(target, dashboard_url=config.alerts.dashboard_url)
    except DeliveryError as error:
        fail(f"{receiver}: {error}")
    console.print(f"Sent a test message to {receiver} ({target.kind}).")


@alerts_app.command()
def ack(ctx: typer.Context, fingerprint: str = typer.Argument(..., help="The alert's fingerprint (or a prefix)."),
        comment: str = typer.Option("", "--comment", "-m"),
        duration: str = typer.Option(None, help="Stop acknowledging after this long, e.g. 8h.")) -> None:
    """Acknowledge a firing alert: no repeat notifications while it fires; resolution still announced."""
    state: CliState = ctx.obj
    lasting = _duration("--duration", duration) if duration else None
    runtime = state.runtime()
    with runtime.engine.connect() as connection:
        matches = [r for r in alert_records(list_alerts(connection, states=["pending", "firing"]))
                   if r["fingerprint"].startswith(fingerprint)]
    if len(matches) != 1:
        fail(f"{len(matches)} active alerts match {fingerprint!r}; give more of the fingerprint")
    with runtime.engine.begin() as connection:
        acknowledge_alert(connection, matches[0]["fingerprint"], by=getpass.getuser(), now=runtime.clock(),
                          comment=comment, duration=lasting)
    console.print(f"Acknowledged {matches[0]['rule']} for {matches[0]['brand']}.")
    runtime.close()


@silence_app.command("add")
def silence_add(ctx: typer.Context,
                matchers: list[str] = typer.Argument(..., help='Label matchers, e.g. brand=Lumora alertname=~"Neg.*"'),
                comment: str = typer.Option(..., "--comment", "-m", help="Why (shown to the rest of on-call)."),
                duration: str = typer.Option("2h", help="How long, e.g. 30m, 2h, 1d."),
                author: str = typer.Option(None, help="Who (default: your user name).")) -> None:
    """Mute every alert whose labels match all the matchers."""
    runtime = ctx.obj.runtime()
    try:
        lasting = parse_duration(duration)
        with runtime.engine.begin() as connection:
            silence = add_silence(connection, matchers, created_by=author or getpass.getuser(), comment=comment,
                                  now=runtime.clock(), duration=lasting)
    except ValueError as error:
        runtime.close()
        fail(f"silence refused: {error}", code=2)
    console.print(f"Silence {silence.id} active until {silence.ends_at:%Y-%m-%d %H:%M} UTC.")
    runtime.close()


@silence_app.command("list")
def silence_list(ctx: typer.Context, expired: bool = typer.Option(False, help="Include expired silences.")) -> None:
    """Silences in force or scheduled (with --expired, past ones too), newest first."""
    runtime = ctx.obj.runtime()
    now = runtime.clock()
    with runtime.engine.connect() as connection:
        silences = load_silences(connection, now, include_expired=expired)
    runtime.close()
    table = Table("id", "state", "matchers", "until", "by", "comment", title="Silences")
    for silence in silences:
        table.add_row(silence.id, silence.state(now), ",".join(str(m) for m in silence.matchers),
                      f"{silence.ends_at:%Y-%m-%d %H:%M}", silence.created_by, silence.comment)
    console.print(table)


@silence_app.command("expire")
def silence_expire(ctx: typer.Context,
                   silence_id: str = typer.Argument(..., help="The silence's id, or a prefix of it.")) -> None:
    """End a silence now."""
    runtime = ctx.obj.runtime()
    try:
        with runtime.engine.begin() as connection:
            silence = expire_silence(connection, silence_id, now=runtime.clock())
    except KeyError as error:
        runtime.close()
        fail(f"{error.args[0]} in force")
    runtime.close()
    console.print(f"Silence {silence.id} expired.")


def _duration(option: str, text: str) -> timedelta:
    """A duration option ("30m", "2h", "1d"); a bad one exits 2 naming the option."""
    try:
        return parse_duration(text)
    except ValueError as error:
        fail(f"{option}: {error}", code=2)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | pd.Timestamp):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return str(value)


@alerts_app.command()
def backtest(
    ctx: typer.Context,
    brand: str = typer.Option(None, help="Replay this brand's stored history (or name the --series' brand)."),
    since: str = typer.Option("30d", help="How far back the stored history is replayed, e.g. 30d."),
    rule: list[str] = typer.Option(None, "--rule", help="Only this rule (repeatable). Default: every rule."),
    series: Path = typer.Option(None, help="A CSV with the header timestamp,value (any regular interval; "
                                           "naive timestamps are UTC) instead of the database."),
    metric: str = typer.Option("negative", help="What the --series values are: volume or negative."),
    sensitivity: str = typer.Option(None, help="Override the rules' sensitivity: low, medium or high."),
    out: Path = typer.Option(None, help="Write one row per alert to this CSV."),
    plot: Path = typer.Option(None, help="Draw the series with the alerts marked (.png or .html)."),
) -> None:
    """Replay history through the alert rules, as the service runs them, and list the alerts they
    would have raised."""
    problem = _backtest_problem(brand, series, metric, sensitivity, since, plot)
    if problem:
        fail(problem, code=2)
    try:
        if series is not None:
            config = ctx.obj.config().alerts if ctx.obj.config_path.exists() else _embedded(metric)
            chosen = rules_for(config, metric=metric, names=rule, sensitivity=sensitivity)
            result = series_backtest(chosen, series, metric, brand or series.stem)
        else:
            runtime = ctx.obj.runtime()
            chosen = rules_for(runtime.config.alerts, names=rule, sensitivity=sensitivity)
            if brand not in {b.name for b in runtime.config.brands}:
                fail(f"no brand named {brand!r} in the config")
            result = history_backtest(runtime, chosen, brand, parse_duration(since))
            runtime.close()
    except SeriesError as error:
        fail(str(error), code=2)
    _report_backtest(result, chosen, metric, out, plot)


def _embedded(metric: str) -> AlertsConfig:
    """Without a config file: the embedded default rule, watching ``metric``."""
    return AlertsConfig(rules=[rule.model_copy(update={"metric": metric}) for rule in default_rules()])


def _backtest_problem(brand: str | None, series: Path | None, metric: str, sensitivity: str | None,
                      since: str, plot: Path | None) -> str | None:
    """What is wrong with the options, if anything."""
    if series is None and not brand:
        return "give --brand to replay stored history, or --series FILE.csv"
    if metric not in ("volume", "negative"):
        return f"--metric is volume or negative, not {metric!r}"
    if sensitivity is not None and sensitivity not in ("low", "medium", "high"):
        return f"--sensitivity is low, medium or high, not {sensitivity!r}"
    if plot is not None and plot.suffix.lower() not in PLOT_SUFFIXES:
        return f"--plot writes a .png or .html file, not {plot.name!r}"
    try:
        parse_duration(since)
    except ValueError as error:
        return f"--since: {error}"
    return None


def _report_backtest(result: Backtest, config: AlertsConfig, metric: str, out: Path | None,
                     plot: Path | None) -> None:
    table = Table("rule", "brand", "alerts", "median duration", "median delay", "still firing",
                  title=f"Backtest: {result.buckets} buckets of {format_duration(config.bucket)}, "
                        f"rules {', '.join(f'{r.name} ({r.detector}, {r.sensitivity})' for r in config.rules)}")
    for row in summary(result):
        table.add_row(row["rule"], row["brand"], str(row["alerts"]), _span(row["median_duration"]),
                      _span(row["median_delay"]), str(row["still_firing"]))
    console.print(table)
    if not result.alerts:
        console.print("No alerts would have fired.")
    for error in result.errors:
        console.print(f"[yellow]warning:[/] {error}", highlight=False)
    try:
        if out is not None:
            write_csv(result.alerts, out)
            console.print(f"Wrote {len(result.alerts)} alerts to {out}.")
        if plot is not None:
            draw(result, plot, config.rules[0].metric if config.rules else metric)
            console.print(f"Drew the series and alerts in {plot}.")
    except OSError as error:
        fail(f"cannot write {error.filename}: {error.strerror}")


def _span(value: Any) -> str:
    return "" if value is None else format_duration(pd.Timedelta(value).to_pytimedelta())


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
    app.add_typer(silence_app, name="silence")


