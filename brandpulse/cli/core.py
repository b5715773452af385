"""Setting up and running the pipeline: init, run, collect, score, evaluate, send, status."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from brandpulse import jobs
from brandpulse.cli.context import CliState, console, fail
from brandpulse.runtime import Runtime
from brandpulse.service import serve, stop_on_signals
from brandpulse.status import gather_status
from brandpulse.storage.scoring import scoring_backlog
from brandpulse.storage.tags import tag_backlog
from brandpulse.worker import run_worker

TEMPLATE = Path(__file__).parent.parent / "templates" / "brandpulse.yaml"
#: `collect --once` exit statuses beyond 0 (every source collected), 1 (usage) and 2 (config): a cron
#: job or a health check tells a partial outage from a total one.
EXIT_SOME_SOURCES_FAILED = 3
EXIT_ALL_SOURCES_FAILED = 4
COUNT_COLUMNS = ("calls", "fetched", "new", "duplicates", "skipped", "errors")

log = logging.getLogger("brandpulse.cli")


def init(ctx: typer.Context, force: bool = typer.Option(False, help="Overwrite an existing config file.")) -> None:
    """Write an annotated example config and create its database."""
    state: CliState = ctx.obj
    if state.config_path.exists() and not force:
        fail(f"{state.config_path} exists; use --force to overwrite it")
    state.config_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(TEMPLATE, state.config_path)
    config = state.config()
    state.runtime().close()  # opening it creates the database and its tables
    console.print(f"Wrote {state.config_path} and created the database {config.database}.\n"
                  "Edit the brands and sources, set the credentials' environment variables, then run "
                  "[bold]brandpulse collect --once[/] or [bold]brandpulse run[/].")


def run(ctx: typer.Context) -> None:
    """Run the scheduler service: collect, score, evaluate and send at the config's intervals."""
    runtime = ctx.obj.runtime()
    try:
        serve(runtime)
    finally:
        runtime.close()


def collect(ctx: typer.Context,
            loop: bool = typer.Option(False, "--loop/--once", help="Keep collecting at each source's interval "
                                                                  "until Ctrl-C, or collect once (default)."),
            source: list[str] = typer.Option(None, "--source", "-s", help="Only these sources.")) -> None:
    """Collect new mentions from the configured sources once (or, with --loop, until stopped).

    Once: exits 0 when every source collected, 3 when some sources failed and 4 when all of them did.
    """
    runtime = ctx.obj.runtime()
    names = source or [name for name, s in runtime.config.sources.items() if s.enabled]
    unknown = sorted(set(names) - set(runtime.config.sources))
    if unknown:
        fail(f"source(s) not configured: {', '.join(unknown)}")
    if loop:
        stop_on_signals(runtime.stop)
        try:
            run_worker(runtime, "collect", sources=names)
        finally:
            runtime.close()
        return
    table = Table("source", *COUNT_COLUMNS, title="Collected")
    failed = []
    try:
        for name in names:
            counts = _collect_source(ctx.obj, runtime, name)
            if counts.get("errors"):
                failed.append(name)
            table.add_row(name, *(str(counts.get(key, 0)) for key in COUNT_COLUMNS))
            for failure in counts.get("failures", []):
                console.print(f"[red]{name}[/]: {escape(failure)}", highlight=False)
            for note in counts.get("notes", []):
                console.print(f"[yellow]{name}[/]: {escape(note)}", highlight=False)
    finally:
        runtime.close()
    console.print(table)
    if failed:
        raise typer.Exit(EXIT_ALL_SOURCES_FAILED if len(failed) == len(names) else EXIT_SOME_SOURCES_FAILED)


def _collect_source(state: CliState, runtime: Runtime, name: str) -> dict[str, Any]:
    """One source's collect run; an unexpected error fails that source only (it is logged and kept on
    the job's run), so the other sources are still collected."""
    try:
        return jobs.collect(runtime, name)
    except Exception as error:
        log.exception("collect %s failed", name)
        return {"errors": 1, "failures": [state.redact(f"{type(error).__name__}: {error}")]}


def score(ctx: typer.Context,
          rescore: bool = typer.Option(False, help="Also re-score mentions scored by another model.")) -> None:
    """Score every unscored mention with the configured model."""
    runtime = ctx.obj.runtime(progress=True)
    with runtime.engine.connect() as connection:
        model = runtime.scorer().model_id
        backlog = scoring_backlog(connection, model, rescore=rescore)
    with Progress(TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=False) as bar:
        task = bar.add_task("score", total=backlog)
        counts = jobs.score(runtime, rescore=rescore, progress=lambda n: bar.advance(task, n))
    console.print(f"Scored {counts.get('scored', 0)} mentions with {model}: "
                  f"{counts.get('negative', 0)} negative, {counts.get('neutral', 0)} neutral, "
                  f"{counts.get('positive', 0)} positive.")
    with runtime.engine.connect() as connection:
        untagged = tag_backlog(connection)
    if untagged:
        with Progress(TextColumn("tagging"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=console, transient=False) as bar:
            task = bar.add_task("tag", total=untagged)
            tagged = jobs.tag(runtime, progress=lambda n: bar.advance(task, n))
        console.print(f"Tagged {tagged['tagged']} mentions with their touchpoint and journey stage.")
    runtime.close()


def evaluate(ctx: typer.Context) -> None:
    """Evaluate the alert rules now and queue any notifications."""
    runtime = ctx.obj.runtime()
    counts = jobs.evaluate(runtime)
    jobs.send(runtime)
    console.print(f"Evaluated {counts.get('series', 0)} series: {counts.get('firing', 0)} alert(s) firing, "
                  f"{counts.get('notifications', 0)} notification(s) queued.")
    runtime.close()


def status(ctx: typer.Context,
           as_json: bool = typer.Option(False, "--json", help="One JSON document, for scripts and monitoring.")
           ) -> None:
    """Last runs per job, counts, scoring backlog, firing alerts and failing channels."""
    runtime = ctx.obj.runtime()
    try:
        found = gather_status(runtime)
    finally:
        runtime.close()
    if as_json:
        typer.echo(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
    else:
        console.print(found.render())


def register(app: typer.Typer) -> None:
    for command in (init, run, collect, score, evaluate, status):
        app.command()(command)
