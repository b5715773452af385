"""Getting mentions in and out: `import FILE` and `mentions` (list, filter, export)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import Engine

from brandpulse.cli.context import CliState, console, fail
from brandpulse.listeners.files import MentionsFile, RowError
from brandpulse.listeners.records import Mention
from brandpulse.storage.mentions import store_mentions
from brandpulse.storage.queries import MentionFilter, find_mentions

IMPORT_BATCH = 1000
#: Bad rows listed by line after an import; the rest are counted.
SHOWN_ERRORS = 50


class _Import:
    """One import's tally: mentions batched per brand and committed as each batch fills, bad rows
    counted (the first SHOWN_ERRORS kept to list by line)."""

    def __init__(self, engine: Engine, known: set[str]) -> None:
        self.engine = engine
        self.known = known
        self.new = self.duplicates = self.rejected = 0
        self.errors: list[RowError] = []
        self.unknown: set[str] = set()
        self.pending: dict[str, list[Mention]] = {}

    def add(self, item: Mention | RowError) -> None:
        if isinstance(item, RowError):
            self.rejected += 1
            if len(self.errors) < SHOWN_ERRORS:
                self.errors.append(item)
            return
        if item.brand not in self.known:
            self.unknown.add(item.brand)
        rows = self.pending.setdefault(item.brand, [])
        rows.append(item)
        if len(rows) >= IMPORT_BATCH:
            self.commit(item.brand)

    def commit(self, name: str) -> None:
        with self.engine.begin() as connection:
            stored = store_mentions(connection, name, self.pending.pop(name))
        self.new += len(stored.new)
        self.duplicates += stored.duplicates

    def finish(self) -> None:
        for name in list(self.pending):
            self.commit(name)

    def report(self, file: Path) -> None:
        if self.unknown:
            names = ", ".join(sorted(self.unknown))
            console.print(f"[yellow]note:[/] brands not in the config, stored anyway: {names}")
        console.print(f"Imported {file}: {self.new} new, {self.duplicates} already stored, {self.rejected} rejected.")
        for error in self.errors:
            console.print(f"  line {error.line}: {error.reason}", highlight=False)
        if self.rejected > len(self.errors):
            console.print(f"  ... and {self.rejected - len(self.errors)} more")


def _progress(export: MentionsFile) -> Progress:
    columns = [TextColumn("importing"), BarColumn(), TextColumn("{task.fields[rows]} rows")]
    if export.size is not None:  # a pipe has no size: its progress is the rows read
        columns += [DownloadColumn(), TimeRemainingColumn()]
    return Progress(*columns, console=console)


def import_(ctx: typer.Context, file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                                             help="CSV, JSONL or a JSON array (optionally .gz)."),
            brand: str = typer.Option(None, help="Brand for rows that name none.")) -> None:
    """Import mentions exported from another tool; bad rows are reported by line number.

    The file is read row by row (a JSON array item by item) and its mentions committed in batches of
    1000 as they come, so an export of any size imports in bounded memory; an interrupted import
    keeps what it stored, and importing the file again adds only the rest. A repeated id is reported
    against its first line however far apart.
    """
    state: CliState = ctx.obj
    config = state.config()
    export = MentionsFile(file, default_brand=brand)
    runtime = state.runtime()
    tally = _Import(runtime.engine, {b.name for b in config.brands})
    with _progress(export) as bar:
        task = bar.add_task("import", total=export.size, rows=0)
        for item in export:
            tally.add(item)
            if export.rows % IMPORT_BATCH == 0:
                bar.update(task, completed=export.position, rows=export.rows)
        tally.finish()
        done = export.position if export.size is not None else export.rows
        bar.update(task, completed=done, total=done, rows=export.rows)
    tally.report(file)
    runtime.close()
    if tally.rejected:
        raise typer.Exit(1 if not tally.new and not tally.duplicates else 0)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"  # JSON lines: one mention per line, streams into any size of export
    json_array = "json-array"  # one document (`--json`)


def _date(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{value!r} is not a date (use YYYY-MM-DD or an ISO 8601 timestamp)")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def mentions(ctx: typer.Context,
             brand: list[str] = typer.Option(None, "--brand", "-b"),
             source: list[str] = typer.Option(None, "--source", "-s"),
             sentiment: list[str] = typer.Option(None, "--sentiment", help="negative, neutral or positive"),
             language: list[str] = typer.Option(None, "--language", "-l"),
             since: str = typer.Option(None, help="From this date/time (UTC)."),
             until: str = typer.Option(None, help="Before this date/time (UTC)."),
             search: str = typer.Option(None, "--search", "-q", help="Text contains (case-insensitive)."),
             limit: int = typer.Option(20, help="At most this many (0 for all)."),
             output_format: Format = typer.Option(Format.table, "--format", "-f"),
             output: Path = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
             as_json: bool = typer.Option(False, "--json", help="One JSON array of the mentions (for scripts; "
                                                                "--format json writes JSON lines).")) -> None:
    """List and filter stored mentions with their sentiment; export as CSV, JSON lines or a JSON array."""
    state: CliState = ctx.obj
    runtime = state.runtime()
    filters = MentionFilter(model_id=runtime.model_id(), brands=brand or (),
                            sources=source or (), labels=sentiment or (), languages=language or (),
                            since=_date(since), until=_date(until), text=search, limit=limit or None)
    with runtime.engine.connect() as connection:
        frame = find_mentions(connection, filters)
    runtime.close()
    if as_json:
        output_format = Format.json_array
    if output_format is Format.table:
        table = Table(title=f"{len(frame)} mention(s)")
        for name in ("created (UTC)", "brand", "source", "lang", "sentiment"):
            table.add_column(name)
        table.add_column("author", max_width=18, no_wrap=True, overflow="ellipsis")
        table.add_column("text", ratio=1)  # the post gets what the metadata leaves
        for row in frame.to_dict("records"):
            text = str(row["text"])
            table.add_row(f"{row['created_at']:%Y-%m-%d %H:%M}", str(row["brand"]), str(row["source"]),
                          str(row["language"] or ""),
                          f"{row['label']} ({row['score']:+.2f})" if row["label"] else "unscored",
                          escape(str(row["author_handle"] or "")),
                          escape(text if len(text) <= 140 else text[:139] + "…"))
        console.print(table)
        return
    frame["created_at"] = frame["created_at"].map(lambda moment: moment.isoformat())
    if output_format is Format.csv:
        text = frame.to_csv(index=False)
    elif output_format is Format.json:
        text = frame.to_json(orient="records", lines=True, force_ascii=False)
    else:
        text = frame.to_json(orient="records", force_ascii=False, indent=2) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
        console.print(f"Wrote {len(frame)} mention(s) to {output}")
    else:
        typer.echo(text, nl=False)


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command()(mentions)
