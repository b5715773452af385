"""On-call commands: `alerts list|test|ack` and `silence add|list|expire`, Alertmanager-style."""

from __future__ import annotations

import getpass
from datetime import datetime

import typer
from rich.table import Table

from alerts.channels import DeliveryError, send_test
from alerts.durations import parse_duration
from alerts.model import Acknowledgement, Silence
from alerts.silences import find, listing, new_silence
from brandpulse.cli.context import CliState, console, fail
from reports.alerts_view import alert_records
from storage.alert_store import acknowledge, load_silences
from storage.queries import list_alerts
from storage.silences import create_silence, expire_silence, list_silences

alerts_app = typer.Typer(help="Inspect alerts, acknowledge them, test receivers.", no_args_is_help=True)
silence_app = typer.Typer(help="Mute alerts by label matchers for a while.", no_args_is_help=True)


@alerts_app.command("list")
def list_(ctx: typer.Context, all_: bool = typer.Option(False, "--all", help="Include resolved alerts.")) -> None:
    """Pending and firing alerts (with --all, resolved ones too)."""
    runtime = ctx.obj.runtime()
    with runtime.engine.connect() as connection:
        records = alert_records(list_alerts(connection, states=None if all_ else ["pending", "firing"]))
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
    runtime = state.runtime()
    with runtime.engine.connect() as connection:
        matches = [r for r in alert_records(list_alerts(connection, states=["pending", "firing"]))
                   if r["fingerprint"].startswith(fingerprint)]
    if len(matches) != 1:
        fail(f"{len(matches)} active alerts match {fingerprint!r}; give more of the fingerprint")
    now = runtime.clock()
    try:
        expires = now + parse_duration(duration) if duration else None
    except ValueError as error:
        fail(str(error), code=2)
    with runtime.engine.begin() as connection:
        acknowledge(connection, Acknowledgement(fingerprint=matches[0]["fingerprint"],
                                                acknowledged_by=getpass.getuser(), at=now, comment=comment,
                                                expires_at=expires), now)
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
    now = runtime.clock()
    try:
        silence = new_silence(matchers, author or getpass.getuser(), comment, now, duration)
    except ValueError as error:
        runtime.close()
        fail(f"silence refused: {error}", code=2)
    with runtime.engine.begin() as connection:
        create_silence(connection, matchers=[m.to_dict() for m in silence.matchers], created_by=silence.created_by,
                       comment=silence.comment, starts_at=silence.starts_at, ends_at=silence.ends_at, now=now,
                       silence_id=silence.id)
    console.print(f"Silence {silence.id} active until {silence.ends_at:%Y-%m-%d %H:%M} UTC.")
    runtime.close()


@silence_app.command("list")
def silence_list(ctx: typer.Context, expired: bool = typer.Option(False, help="Include expired silences.")) -> None:
    """Silences in force or scheduled (with --expired, past ones too)."""
    runtime = ctx.obj.runtime()
    now = runtime.clock()
    with runtime.engine.connect() as connection:
        frame = list_silences(connection, active_at=None if expired else now)
    runtime.close()
    records = [Silence.from_dict({**row, "updated_at": None}) for row in frame.to_dict("records")]
    table = Table("id", "state", "matchers", "until", "by", "comment", title="Silences")
    for row in listing(records, now, include_expired=expired):
        until = f"{datetime.fromisoformat(row['ends_at']):%Y-%m-%d %H:%M}"
        table.add_row(row["id"], row["state"], row["matchers"], until, row["created_by"], row["comment"])
    console.print(table)


@silence_app.command("expire")
def silence_expire(ctx: typer.Context,
                   silence_id: str = typer.Argument(..., help="The silence's id, or a prefix of it.")) -> None:
    """End a silence now."""
    runtime = ctx.obj.runtime()
    now = runtime.clock()
    with runtime.engine.begin() as connection:
        try:
            silence = find(load_silences(connection, now), silence_id)
        except KeyError as error:
            runtime.close()
            fail(f"{error.args[0]} in force")
        expire_silence(connection, silence.id, now=now)
    runtime.close()
    console.print(f"Silence {silence.id} expired.")


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
    app.add_typer(silence_app, name="silence")


