"""Getting mentions in and out: `import FILE` and `mentions` (list, filter, export)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from brandpulse.cli.context import CliState, console, fail
from listeners.files import read_mentions_file
from storage.mentions import store_mentions
from storage.queries import MentionFilter, find_mentions

IMPORT_BATCH = 1000


def import_(ctx: typer.Context, file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                                             help="CSV or JSONL (optionally .gz) of mentions."),
            brand: str = typer.Option(None, help="Brand for rows that name none.")) -> None:
    """Import mentions exported from another tool; bad rows are reported by line number.

    Mentions are committed in batches of 1000: an interrupted import keeps what it stored, and
    importing the file again adds only the rest.
    """
    state: CliState = ctx.obj
    config = state.config()
    known = {b.name for b in config.brands}
    with console.status(f"reading {file}"):
        result = read_mentions_file(file, default_brand=brand)
    runtime = state.runtime()
    new = duplicates = 0
    by_brand: dict[str, list] = {}
    for mention in result.mentions:
        by_brand.setdefault(mention.brand, []).append(mention)
    unknown = sorted(set(by_brand) - known)
    if unknown:
        console.print(f"[yellow]note:[/] brands not in the config, stored anyway: {', '.join(unknown)}")
    with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console) as bar:
        task = bar.add_task("import", total=len(result.mentions))
        for name, rows in by_brand.items():
            for start in range(0, len(rows), IMPORT_BATCH):
                batch = rows[start:start + IMPORT_BATCH]
                with runtime.engine.begin() as connection:
                    stored = store_mentions(connection, name, batch)
                new += len(stored.new)
                duplicates += stored.duplicates
                bar.advance(task, len(batch))
    console.print(f"Imported {file}: {new} new, {duplicates} already stored, {len(result.errors)} rejected.")
    for error in result.errors[:50]:
        console.print(f"  line {error.line}: {error.reason}", highlight=False)
    if len(result.errors) > 50:
        console.print(f"  ... and {len(result.errors) - 50} more")
    runtime.close()
    if result.errors:
        raise typer.Exit(1 if not new and not duplicates else 0)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


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
             output: Path = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout.")) -> None:
    """List and filter stored mentions with their sentiment; export as CSV or JSON."""
    state: CliState = ctx.obj
    runtime = state.runtime()
    filters = MentionFilter(model_id=runtime.model_id(), brands=brand or (),
                            sources=source or (), labels=sentiment or (), languages=language or (),
                            since=_date(since), until=_date(until), text=search, limit=limit or None)
    with runtime.engine.connect() as connection:
        frame = find_mentions(connection, filters)
    runtime.close()
    if output_format is Format.table:
        table = Table(title=f"{len(frame)} mention(s)")
        for name in ("created (UTC)", "brand", "source", "lang", "sentiment"):
            table.add_column(name)
        table.add_column("author", max_width=18, no_wrap=True, overflow="ellipsis")
        table.add_column("text", ratio=1)  # the post gets what the metadata leaves
        for row in frame.itertuples():
            table.add_row(f"{row.created_at:%Y-%m-%d %H:%M}", row.brand, row.source, row.language or "",
                          f"{row.label} ({row.score:+.2f})" if row.label else "unscored",
                          escape(row.author_handle or ""),
                          escape(row.text if len(row.text) <= 140 else row.text[:139] + "…"))
        console.print(table)
        return
    frame["created_at"] = frame["created_at"].map(lambda moment: moment.isoformat())
    text = (frame.to_csv(index=False) if output_format is Format.csv
            else frame.to_json(orient="records", lines=True, force_ascii=False))
    if output:
        output.write_text(text, encoding="utf-8")
        console.print(f"Wrote {len(frame)} mention(s) to {output}")
    else:
        typer.echo(text, nl=False)


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command()(mentions)
