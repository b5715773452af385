"""On-call commands: `alerts list|test|ack` and `silence add|list|expire`, Alertmanager-style."""

from __future__ import annotations

import getpass

import typer
from rich.table import Table

from alerts.channels import DeliveryError, send_test
from alerts.durations import parse_duration
from alerts.matchers import Matcher
from alerts.model import Acknowledgement
from brandpulse.cli.context import CliState, console, fail
from reports.alerts_view import alert_records
from storage.alert_store import acknowledge
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
    expires = now + parse_duration(duration) if duration else None
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
    try:
        parsed = [Matcher.parse(text).to_dict() for text in matchers]
        length = parse_duration(duration)
    except ValueError as error:
        fail(str(error))
    now = runtime.clock()
    with runtime.engine.begin() as connection:
        silence_id = create_silence(connection, matchers=parsed, created_by=author or getpass.getuser(),
                                    comment=comment, starts_at=now, ends_at=now + length, now=now)
    console.print(f"Silence {silence_id} active until {now + length:%Y-%m-%d %H:%M} UTC.")
    runtime.close()


@silence_app.command("list")
def silence_list(ctx: typer.Context, expired: bool = typer.Option(False, help="Include expired silences.")) -> None:
    """Silences in force (with --expired, past ones too)."""
    runtime = ctx.obj.runtime()
    now = runtime.clock()
    with runtime.engine.connect() as connection:
        frame = list_silences(connection, active_at=None if expired else now)
    table = Table("id", "matchers", "until", "by", "comment", title="Silences")
    for row in frame.itertuples():
        text = " ".join(str(Matcher.from_dict(m)) for m in row.matchers)
        until = f"{row.ends_at:%Y-%m-%d %H:%M}" + (" (expired)" if row.ends_at <= now else "")
        table.add_row(row.id, text, until, row.created_by, row.comment)
    console.print(table)
    runtime.close()


@silence_app.command("expire")
def silence_expire(ctx: typer.Context, silence_id: str = typer.Argument(...)) -> None:
    """End a silence now."""
    runtime = ctx.obj.runtime()
    with runtime.engine.begin() as connection:
        ended = expire_silence(connection, silence_id, now=runtime.clock())
    runtime.close()
    if not ended:
        fail(f"no silence {silence_id!r} in force")
    console.print(f"Silence {silence_id} expired.")


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
    app.add_typer(silence_app, name="silence")


