"""The response inbox: `cases list|show|assign|comment|resolve|stats`."""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import typer
from rich.table import Table
from sqlalchemy import Connection

from brandpulse.alerts.durations import parse_duration
from brandpulse.cli.context import CliState, console, fail
from brandpulse.reports.cx import Dimension, Period, format_seconds, response_figures
from brandpulse.storage.cases import (
    CASE_STATES,
    CaseError,
    assign,
    case_history,
    case_posts,
    cases_opened_between,
    comment,
    get_case,
    list_cases,
    resolve,
)

app = typer.Typer(help="The response inbox: negative, angry and urgent mentions that need an answer.",
                  no_args_is_help=True)


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else ""


@app.command("list")
def list_(ctx: typer.Context,
          state: list[str] = typer.Option(None, "--state", "-s", help="open, assigned, waiting or resolved "
                                          "(repeat for several); default: all but resolved."),
          all_: bool = typer.Option(False, "--all", help="Include resolved cases."),
          brand: str = typer.Option(None, help="Only this brand."),
          source: str = typer.Option(None, help="Only this source."),
          assignee: str = typer.Option(None, help="Only cases assigned to this person."),
          limit: int = typer.Option(100, min=1, help="At most this many, newest first."),
          as_json: bool = typer.Option(False, "--json", help="Print a JSON array.")) -> None:
    """Cases, newest first."""
    unknown = sorted(set(state or []) - set(CASE_STATES))
    if unknown:
        fail(f"unknown state(s) {', '.join(unknown)}: choose from {', '.join(CASE_STATES)}", code=2)
    states = None if all_ else (state or [s for s in CASE_STATES if s != "resolved"])
    runtime = ctx.obj.runtime()
    with runtime.engine.connect() as connection:
        records = list_cases(connection, states=states, brand=brand, source=source, assignee=assignee, limit=limit)
    runtime.close()
    if as_json:
        _print_json([record.to_dict() for record in records])
        return
    table = Table("id", "state", "severity", "brand", "source", "author", "touchpoint", "stage", "opened",
                  "first response", "assignee", title="Cases")
    for r in records:
        table.add_row(str(r.id), r.state, r.severity, r.brand, r.source, r.author, r.touchpoint or "", r.stage or "",
                      _when(r.opened_at), _when(r.first_response_at), r.assignee or "")
    console.print(table)


@app.command()
def show(ctx: typer.Context, case_id: int = typer.Argument(..., help="The case's id."),
         as_json: bool = typer.Option(False, "--json", help="Print a JSON object.")) -> None:
    """One case: its posts, the brand's replies and its history."""
    runtime = ctx.obj.runtime()
    with runtime.engine.connect() as connection:
        try:
            record = get_case(connection, case_id)
        except CaseError as error:
            runtime.close()
            fail(str(error))
        posts, history = case_posts(connection, case_id), case_history(connection, case_id)
    runtime.close()
    if as_json:
        _print_json({**record.to_dict(), "posts": [p.to_dict() for p in posts],
                     "events": [e.to_dict() for e in history]})
        return
    console.print(f"[bold]Case {record.id}[/] ({record.state}, {record.severity}) {record.brand} on {record.source}: "
                  f"{record.author}", highlight=False)
    console.print(f"opened {_when(record.opened_at)}, first response {_when(record.first_response_at) or 'none'}, "
                  f"resolved {_when(record.resolved_at) or 'no'}; touchpoint {record.touchpoint or '-'}, "
                  f"stage {record.stage or '-'}; assignee {record.assignee or '-'}", highlight=False)
    posts_table = Table("written", "role", "author", "text", title="Posts")
    for post in posts:
        posts_table.add_row(_when(post.created_at), post.role, post.author or "", " ".join(post.text.split()))
    console.print(posts_table)
    events_table = Table("at", "who", "what", "note", title="History")
    for event in history:
        events_table.add_row(_when(event.at), event.actor, event.kind, event.note or "")
    console.print(events_table)


def _act(ctx: typer.Context, action: Callable[[Connection, datetime], object], message: str) -> None:
    state: CliState = ctx.obj
    runtime = state.runtime()
    try:
        with runtime.engine.begin() as connection:
            action(connection, runtime.clock())
    except CaseError as error:
        fail(str(error))
    finally:
        runtime.close()
    console.print(message, highlight=False)


@app.command("assign")
def assign_(ctx: typer.Context, case_id: int = typer.Argument(...),
            assignee: str = typer.Argument(..., help="Who takes the case.")) -> None:
    """Give a case to someone."""
    _act(ctx, lambda connection, now: assign(connection, case_id, assignee, getpass.getuser(), now),
         f"Case {case_id} assigned to {assignee}.")


@app.command("comment")
def comment_(ctx: typer.Context, case_id: int = typer.Argument(...),
             note: str = typer.Argument(..., help="An internal note (not sent to the customer).")) -> None:
    """Add an internal note to a case."""
    _act(ctx, lambda connection, now: comment(connection, case_id, note, getpass.getuser(), now),
         f"Comment added to case {case_id}.")


@app.command("resolve")
def resolve_(ctx: typer.Context, case_id: int = typer.Argument(...),
             note: str = typer.Option(None, "--comment", "-m", help="How it was resolved.")) -> None:
    """Close a case (the customer's next post that needs an answer opens a new one)."""
    _act(ctx, lambda connection, now: resolve(connection, case_id, getpass.getuser(), now, note),
         f"Case {case_id} resolved.")


#: `stats --by` and `--every` values, and what they ask `response_figures` for ("none": one group, one period)
GROUPINGS: dict[str, Dimension | None] = {"source": "source", "touchpoint": "touchpoint", "brand": "brand",
                                          "none": None}
PERIODS: dict[str, Period | None] = {"day": "day", "week": "week", "none": None}


@app.command()
def stats(ctx: typer.Context,
          since: str = typer.Option("30d", help="Cases opened this long ago or less, e.g. 7d, 12w."),
          by: str = typer.Option("source", help="Group by source, touchpoint, brand or none."),
          every: str = typer.Option("none", help="One row per day, week, or none (the whole range)."),
          brand: str = typer.Option(None, help="Only this brand."),
          as_json: bool = typer.Option(False, "--json", help="Print a JSON array.")) -> None:
    """Response rate, median and p90 time to first response, share answered within the SLA."""
    if by not in GROUPINGS:
        fail("--by takes source, touchpoint, brand or none", code=2)
    if every not in PERIODS:
        fail("--every takes day, week or none", code=2)
    try:
        span = parse_duration(since)
    except ValueError as error:
        fail(f"--since: {error}", code=2)
    runtime = ctx.obj.runtime()
    now = runtime.clock()
    with runtime.engine.connect() as connection:
        records = cases_opened_between(connection, now - span, now, brand=brand)
    runtime.close()
    rows = response_figures(records, runtime.config.cx.response_targets(), now, by=GROUPINGS[by],
                            every=PERIODS[every])
    if as_json:
        _print_json([row.to_dict() for row in rows])
        return
    table = Table("period", by, "cases", "answered", "response rate", "median first response", "p90",
                  "within SLA", "resolved", "median resolution", title=f"Responses to cases opened in the last {since}")
    for row in rows:
        table.add_row(row.period, row.group, str(row.cases), str(row.answered), _share(row.response_rate),
                      format_seconds(row.median_first_response_s), format_seconds(row.p90_first_response_s),
                      _share(row.within_sla), str(row.resolved), format_seconds(row.median_resolution_s))
    console.print(table)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="cases")
