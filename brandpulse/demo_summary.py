"""The demo's closing summary: what was collected, how sentiment moved, what fired, how the brands
answered, where to look."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.engine import make_url

from brandpulse.alerts.model import Notification
from brandpulse.reports.charts import Span, sentiment_timeline
from brandpulse.reports.cx import format_seconds, response_figures
from brandpulse.runtime import Runtime
from brandpulse.storage.alert_store import load_alert_book
from brandpulse.storage.cases import list_cases
from brandpulse.storage.queries import MentionFilter, find_mentions, top_reached
from brandpulse.storage.series import brand_series


def print_summary(runtime: Runtime, output: Path, console: Console) -> None:
    model_id = runtime.model_id()
    brands = [brand.name for brand in runtime.config.brands]
    with runtime.engine.connect() as connection:
        frame = find_mentions(connection, MentionFilter(model_id=model_id, limit=None))
        book = load_alert_book(connection)
    start, end = frame["created_at"].min(), runtime.clock()

    by_source = frame.pivot_table(index="brand", columns="source", values="id", aggfunc="count", fill_value=0)
    table = Table("brand", *by_source.columns, "total", "languages", title="Mentions collected")
    for brand, row in by_source.iterrows():
        languages = frame.loc[frame["brand"] == brand, "language"].nunique()
        table.add_row(str(brand), *(str(v) for v in row), str(row.sum()), str(languages))
    console.print(table)

    with runtime.engine.connect() as connection:
        daily = brand_series(connection, model_id=model_id, start=start.floor("D"), end=end,
                             bucket=timedelta(days=1), brand_names=brands)
        hourly = brand_series(connection, model_id=model_id, start=start.floor("h"), end=end,
                              bucket=timedelta(hours=1), brand_names=brands)
    days = Table("day", *(f"{brand}\nvolume · neg% · net" for brand in brands),
                 title=f"Daily sentiment (model {model_id})")
    for day in daily[brands[0]].index:
        cells = []
        for brand in brands:
            row = daily[brand].loc[day]
            share = f"{row['negative_share']:.0%}"
            cells.append(f"{int(row['volume'])} · {share} · {row['net_sentiment']:+.2f}")
        days.add_row(f"{day:%a %b %d}", *cells)
    console.print(days)

    # (fired at, its episode's start, state); a fired alert's episode always has its start
    fired = sorted(((s.fired_at, s.active_since, s) for s in book.states.values()
                    if s.fired_at is not None and s.active_since is not None), key=lambda entry: entry[0])
    spans = [Span(s.labels.get("brand", ""), fired_at, s.resolved_at, s.rule) for fired_at, _, s in fired]
    if not fired:
        console.print("[bold]No alert fired.[/]")
    for fired_at, since, state in fired:
        brand = state.labels.get("brand", "")
        resolved = f", resolved {state.resolved_at:%a %b %d %H:%M}" if state.resolved_at else ", still firing"
        console.print(f"\n[bold red]ALERT[/] {state.rule} for [bold]{brand}[/]: fired {fired_at:%a %b %d %H:%M}"
                      f" UTC{resolved}\n  {state.annotations.get('summary', '')}", highlight=False)
        with runtime.engine.connect() as connection:
            samples = top_reached(connection, model_id=model_id, brand=brand, start=since,
                                  end=since + timedelta(hours=6), limit=3)
        for sample in samples.to_dict("records"):
            who = escape(str(sample["author_handle"] or ""))
            console.print(f"  • \\[{sample['language'] or '?'}] {who} ({int(sample['reach']):,} reach): "
                          f"{escape(_clip(str(sample['text'])))}", highlight=False)
    alert_log = output / "alerts.jsonl"
    sent = notification_counts(alert_log)
    if sent:
        console.print("\nNotifications delivered: " + ", ".join(
            f"{name} for {brand} x{count} (first {first:%a %b %d %H:%M})"
            for (name, brand), (count, first) in sent.items()))
    print_responses(runtime, alert_log, console)
    chart = sentiment_timeline(hourly, output / "sentiment.png", spans=spans)
    console.print(f"\nChart: {chart}\nAlert log: {alert_log} ({_lines(alert_log)} notifications)\n"
                  f"Database: {shown_database(runtime.config.database)}\n"
                  f"Explore: brandpulse -c {output / 'brandpulse.yaml'} status | mentions | cases list | report | "
                  "serve")


def print_responses(runtime: Runtime, alert_log: Path, console: Console) -> None:
    """The response inbox per brand (cases, answered, first-response times, share within the SLA) and
    the SLA alerts the alert log received: fired, and resolved once a late answer came."""
    with runtime.engine.connect() as connection:
        records = list_cases(connection, limit=None)
    if not records:
        return
    table = Table("brand", "cases", "answered", "median first response", "within SLA", title="Response inbox")
    for row in response_figures(records, runtime.config.cx.response_targets(), runtime.clock(), by="brand"):
        within = "-" if row.within_sla is None else f"{row.within_sla:.0%}"
        table.add_row(row.group, str(row.cases), str(row.answered), format_seconds(row.median_first_response_s),
                      within)
    console.print(table)
    fired, resolved = sla_alerts(alert_log)
    answered = {str(record.id) for record in records if record.first_response_at or record.resolved_at}
    console.print(f"SLA alerts: {len(fired)} case(s) waited past their response target, {len(resolved & answered)} "
                  "of them resolved when the brand's answer came late", highlight=False)


def shown_database(url: str) -> str:
    """A SQLite file under the working directory is shown by its relative path (the same on every machine);
    any other database by its URL, password hidden."""
    prefix = "sqlite:///"
    if url.startswith(prefix):
        path = Path(url.removeprefix(prefix)).resolve()
        if path.is_relative_to(Path.cwd().resolve()):
            return str(path.relative_to(Path.cwd().resolve()))
    return make_url(url).render_as_string(hide_password=True)


def notification_counts(alert_log: Path) -> dict[tuple[str, str], tuple[int, datetime]]:
    """Firing notifications in the file receiver's log, per alert name and brand: count and first time."""
    counts: dict[tuple[str, str], tuple[int, datetime]] = {}
    if not alert_log.exists():
        return counts
    for line in alert_log.open(encoding="utf-8"):
        notification = Notification.from_dict(json.loads(line))
        created = notification.created_at
        if created is None:  # undated: not one the router made (it dates each)
            continue
        for key in {(a.labels.get("alertname", ""), a.labels.get("brand", "")) for a in notification.firing}:
            count, first = counts.get(key, (0, created))
            counts[key] = (count + 1, min(first, created))
    return counts


def sla_alerts(alert_log: Path) -> tuple[set[str], set[str]]:
    """The cases whose response-time alert the file receiver's log announced as firing, and those it
    announced as resolved (answered, or lapsed: a case whose severity rose fires anew under its new label)."""
    fired: set[str] = set()
    resolved: set[str] = set()
    if not alert_log.exists():
        return fired, resolved
    for line in alert_log.open(encoding="utf-8"):
        for alert in Notification.from_dict(json.loads(line)).alerts:
            if alert.labels.get("kind") == "sla":
                (fired if alert.status == "firing" else resolved).add(alert.labels.get("case", ""))
    return fired, resolved


def _clip(text: str, width: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"


def _lines(path: Path) -> int:
    return sum(1 for _ in path.open(encoding="utf-8")) if path.exists() else 0


