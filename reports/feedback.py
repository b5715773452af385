"""The product feedback report: one brand over a period, against the period before and its competitors.

    document = build_report(engine, "Lumora", start, end, model_id=..., competitors=["Novex"],
                            embed=scorer.embed)
    document.write(Path("reports/"))      # Lumora-2026-03-01-2026-04-01.html and .pdf

The HTML is one self-contained file (styles and SVG charts inline, no script, nothing fetched), so
it opens offline and mails as an attachment. The PDF is that same page printed by headless chromium
(`--print-to-pdf`): the one renderer that is offline, a Debian package, already needed by the
dashboard's browser tests, and prints exactly what the HTML shows (weasyprint would need its own
pango stack and renders SVG and flexbox differently).
"""

from __future__ import annotations

import logging
import os
import shutil
import smtplib
import ssl
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine

from brandpulse.reports import charts
from brandpulse.reports.alerts_view import alert_records, alerts_between
from brandpulse.reports.cx import CxFigures, Severity, cx_figures, format_seconds
from brandpulse.reports.cx_map import CxMap, cx_map
from brandpulse.reports.cx_map import label as tag_label
from brandpulse.reports.theme_names import language_name
from brandpulse.reports.theme_space import language_offsets
from brandpulse.reports.themes import Embed, ThemeResult, find_themes, growth_label, sample_for_themes
from brandpulse.storage.embeddings import load_embeddings, load_named_vectors, save_embeddings, save_named_vectors
from brandpulse.storage.queries import breakdown, labelled_mentions, list_alerts, pruned_before, top_reached
from brandpulse.storage.series import brand_series

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("templates")
#: Negative posts embedded for the themes: the period's and the previous period's (see `build_report`).
THEME_SAMPLE = 1000
PREVIOUS_THEME_SAMPLE = 500
#: Characters of a post that are embedded: a complaint says what it is about early on.
THEME_TEXT_CHARS = 600
DAY = timedelta(days=1)


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda v, digits=0: "–" if v is None else f"{v * 100:.{digits}f}%"
    env.filters["points"] = lambda v: "–" if v is None else f"{v * 100:+.0f}"
    env.filters["signed"] = lambda v, digits=0: "–" if v is None else f"{v:+.{digits}f}"
    env.filters["count"] = lambda v: "–" if v is None or pd.isna(v) else f"{int(v):,}"
    # Engagement counts a source did not report are unknown (None/NaN): a total counts the known ones.
    env.filters["total"] = lambda values: sum(int(v) for v in values if v is not None and not pd.isna(v))
    env.filters["when"] = lambda v: "" if v is None else f"{v:%Y-%m-%d %H:%M}"
    env.filters["day"] = lambda v: "" if v is None else f"{v:%Y-%m-%d}"
    env.filters["growth"] = growth_label
    env.filters["safe_url"] = safe_url
    env.filters["language_name"] = language_name
    env.filters["wait"] = format_seconds
    env.filters["tag"] = tag_label
    return env


def safe_url(url: Any) -> str | None:
    """Only http(s) links are rendered: a post's URL comes from an API and is not trusted."""
    if isinstance(url, str) and url.lower().startswith(("https://", "http://")):
        return url
    return None


@dataclass(frozen=True, slots=True)
class Kpis:
    """Counts of one brand over one period and the two headline scores.

    `net_sentiment` is the net sentiment score: share positive minus share negative of the scored
    mentions (-1..1, shown as points); `health` is positive / (positive + negative).
    """

    volume: int
    scored: int
    negative: int
    neutral: int
    positive: int

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Kpis:
        totals = frame[["volume", "scored", "negative", "neutral", "positive"]].sum()
        return cls(*(int(totals[name]) for name in ("volume", "scored", "negative", "neutral", "positive")))

    @property
    def net_sentiment(self) -> float | None:
        return (self.positive - self.negative) / self.scored if self.scored else None

    @property
    def health(self) -> float | None:
        polar = self.positive + self.negative
        return self.positive / polar if polar else None

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.scored if self.scored else None

    def to_dict(self) -> dict[str, Any]:
        return {"volume": self.volume, "scored": self.scored, "negative": self.negative, "neutral": self.neutral,
                "positive": self.positive, "net_sentiment": self.net_sentiment, "health": self.health,
                "negative_share": self.negative_share}


def change(now: float | None, before: float | None, *, relative: bool = False) -> float | None:
    if now is None or before is None:
        return None
    if relative:
        return (now - before) / before if before else None
    return now - before


@dataclass
class ReportData:
    brand: str
    start: datetime
    end: datetime
    previous_start: datetime
    model_id: str
    generated_at: datetime
    current: Kpis
    previous: Kpis
    series: pd.DataFrame
    bucket: timedelta
    share: list[dict[str, Any]]
    themes: ThemeResult | None
    themes_note: str
    retention_note: str
    sources: list[dict[str, Any]]
    languages: list[dict[str, Any]]
    top_negative: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    timings: dict[str, float] = field(default_factory=dict)
    #: The CX map of the period (`reports.cx_map`: touchpoint x stage, what moved most), as the dashboard's CX page.
    cx_map: CxMap | None = None
    #: Response figures of the period's cases (`reports.cx`), as the dashboard's CX page; None without cases.
    responses: CxFigures | None = None

    def summary(self) -> dict[str, Any]:
        """The report's figures as JSON-friendly data (for the dashboard and scheduled jobs' logs)."""
        return {
            "brand": self.brand, "start": self.start.isoformat(), "end": self.end.isoformat(),
            "model_id": self.model_id, "current": self.current.to_dict(), "previous": self.previous.to_dict(),
            "share_of_voice": self.share, "themes": self.themes.to_dict() if self.themes else None,
            "sources": self.sources, "languages": self.languages, "alerts": len(self.alerts),
        }


def _breakdown_rows(frame: pd.DataFrame, brand: str) -> list[dict[str, Any]]:
    rows = []
    own = frame[frame["brand"] == brand]
    total = int(own["volume"].sum()) or 1
    for row in own.to_dict("records", into=dict[str, Any]()):
        kpis = Kpis(int(row["volume"]), int(row["scored"]), int(row["negative"]), int(row["neutral"]),
                    int(row["positive"]))
        rows.append({"key": row["key"], "share": kpis.volume / total, **kpis.to_dict()})
    return rows


def retention_note(held_from: datetime | None, start: datetime, end: datetime) -> str:
    """One line for a period with pruned days ("" if none): counts come from the daily aggregates,
    but complaint themes and top posts need the posts, held from `held_from` only."""
    if held_from is None or held_from <= start:
        return ""
    if held_from >= end:
        return ("This period's mentions were pruned by retention: counts, sentiment and breakdowns come from "
                "daily aggregates; complaint themes and top posts are not available.")
    last = end - timedelta(microseconds=1)
    return (f"Mentions before {held_from:%Y-%m-%d} were pruned by retention: complaint themes and top posts cover "
            f"{held_from:%Y-%m-%d} to {last:%Y-%m-%d}; counts, sentiment and breakdowns cover the whole period.")


def complaint_themes(engine: Engine, brand: str, start: datetime, end: datetime, *, model_id: str,
                     embed: Embed | None, exclude: Sequence[str] = (), sample: int = THEME_SAMPLE,
                     previous_sample: int = PREVIOUS_THEME_SAMPLE,
                     embedding_id: str | None = None) -> tuple[ThemeResult | None, str]:
    """The complaint themes of `brand` in [start, end) against the period of the same length before,
    and a note for the reader (sampling, or why there are none). Used by the report and the dashboard.

    `embed` is the encoder of model `model_id` unless `embedding_id` names another; each mention's
    embedding is stored under that id and read back by later reports (`storage.embeddings`), so only
    new complaints are embedded.
    """
    previous_start = start - (end - start)
    with engine.connect() as connection:
        now = labelled_mentions(connection, model_id=model_id, brand=brand, start=start, end=end)
        before = labelled_mentions(connection, model_id=model_id, brand=brand, start=previous_start, end=start)
    if now.empty:
        return None, "No negative mentions in this period."
    if embed is None:
        return None, "Complaint themes were not computed: no embedding model was available."
    chosen = pd.concat([sample_for_themes(now, sample).assign(period="current"),
                        sample_for_themes(before, previous_sample).assign(period="previous")], ignore_index=True)
    try:
        embeddings, offsets = cached_embeddings(engine, chosen, embed, embedding_id or f"{model_id}#{EMBEDDING_KIND}")
    except Exception as error:  # a missing or broken model must not cost the rest of the report
        log.exception("embedding complaints for %s failed", brand)
        reason = f"{type(error).__name__}: {error}"
        return None, f"Complaint themes were not computed: the embedding model failed ({reason})."
    result = find_themes(chosen, embeddings, exclude=exclude, offsets=offsets, total=len(now))
    note = ""
    if len(now) > sample or len(before) > previous_sample:
        note = (f"Themes were found in a time-spread sample of {min(len(now), sample):,} of this period's "
                f"{len(now):,} negative mentions (and {min(len(before), previous_sample):,} of the previous "
                f"period's {len(before):,}); sizes are scaled to the full counts.")
    return result, note


#: What the stored embeddings are: the encoder's vector of a post's first `THEME_TEXT_CHARS` characters.
EMBEDDING_KIND = f"embed-{THEME_TEXT_CHARS}"


def cached_embeddings(engine: Engine, frame: pd.DataFrame, embed: Embed,
                      embedding_id: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Row-aligned embeddings of `frame`'s mentions (column `id`) and the encoder's language offsets:
    read from storage where stored, else computed with `embed` and stored for the next report."""
    ids = [int(value) for value in frame["id"]]
    with engine.connect() as connection:
        stored = load_embeddings(connection, embedding_id, ids)
        offsets = load_named_vectors(connection, "language-offsets", embedding_id)
    missing = [row for row, mention_id in enumerate(ids) if mention_id not in stored]
    fresh: dict[int, np.ndarray] = {}
    if missing:
        vectors = np.asarray(embed([frame["text"].iloc[row][:THEME_TEXT_CHARS] for row in missing]), dtype=np.float32)
        # rounded as storage rounds them, so a report reads the same vectors the first time and the next
        vectors = vectors.astype(np.float16).astype(np.float32)
        fresh = {ids[row]: vector for row, vector in zip(missing, vectors, strict=True)}
    new_offsets = offsets is None
    if offsets is None:
        offsets = language_offsets(embed)
    if fresh or new_offsets:
        with engine.begin() as connection:
            save_embeddings(connection, embedding_id, fresh)
            if new_offsets:
                save_named_vectors(connection, "language-offsets", embedding_id, offsets, datetime.now(UTC))
    by_id = {**stored, **fresh}
    return np.stack([by_id[mention_id] for mention_id in ids]), offsets


def gather(engine: Engine, brand: str, start: datetime, end: datetime, *, model_id: str,
           competitors: Sequence[str] = (), embed: Embed | None = None, exclude_terms: Sequence[str] = (),
           theme_sample: int = THEME_SAMPLE, previous_theme_sample: int = PREVIOUS_THEME_SAMPLE,
           top: int = 10, now: datetime | None = None,
           response_targets: Mapping[Severity, timedelta] | None = None) -> ReportData:
    """Everything the report shows, read from storage (only `model_id`'s scores count).
    `response_targets` (first-response time per case severity) judge the cases' SLA share."""
    if end <= start:
        raise ValueError("the report's period must end after it starts")
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    previous_start = start - (end - start)
    bucket = DAY if end - start >= timedelta(days=2) else timedelta(hours=1)
    names = [brand, *[c for c in competitors if c != brand]]
    with engine.connect() as connection:
        # Daily series count the days retention pruned too, so old periods keep their figures.
        current = brand_series(connection, model_id=model_id, start=start, end=end, bucket=DAY, brand_names=names)
        before = brand_series(connection, model_id=model_id, start=previous_start, end=start, bucket=DAY,
                              brand_names=names)
        trend = current[brand]
        if bucket != DAY:
            hourly = brand_series(connection, model_id=model_id, start=start, end=end, bucket=bucket,
                                  brand_names=[brand])[brand]
            # Pruned days have no hours left: their period is charted by day.
            trend, bucket = (hourly, bucket) if hourly["volume"].sum() == trend["volume"].sum() else (trend, DAY)
        sources = breakdown(connection, model_id=model_id, by="source", start=start, end=end, brand_names=[brand])
        languages = breakdown(connection, model_id=model_id, by="language", start=start, end=end,
                              brand_names=[brand])
        negatives = top_reached(connection, model_id=model_id, brand=brand, start=start, end=end, limit=top)
        alerts = alerts_between(alert_records(list_alerts(connection)), start, end, brands=[brand])
        pruned_note = retention_note(pruned_before(connection), start, end)
        generated_at = now or datetime.now(UTC)
        experience = cx_map(connection, model_id=model_id, start=start, end=end, brand_names=[brand])
        responses = cx_figures(connection, start=start, end=end, targets=response_targets or {}, now=generated_at,
                               brand=brand)
    timings["queries"] = time.perf_counter() - clock
    totals_now = {name: Kpis.of(frame) for name, frame in current.items()}
    totals_before = {name: Kpis.of(frame) for name, frame in before.items()}
    voice_now = sum(k.volume for k in totals_now.values()) or 1
    voice_before = sum(k.volume for k in totals_before.values()) or None
    share = [{"brand": name, "volume": totals_now[name].volume, "share": totals_now[name].volume / voice_now,
              "share_change": change(totals_now[name].volume / voice_now,
                                     totals_before[name].volume / voice_before if voice_before else None),
              "net_sentiment": totals_now[name].net_sentiment, "health": totals_now[name].health,
              "net_sentiment_change": change(totals_now[name].net_sentiment, totals_before[name].net_sentiment)}
             for name in names]
    clock = time.perf_counter()
    themes, note = complaint_themes(engine, brand, start, end, model_id=model_id, embed=embed,
                                    exclude=[brand, *exclude_terms], sample=theme_sample,
                                    previous_sample=previous_theme_sample)
    timings["themes"] = time.perf_counter() - clock
    return ReportData(
        brand=brand, start=start, end=end, previous_start=previous_start, model_id=model_id,
        generated_at=generated_at, current=totals_now[brand], previous=totals_before[brand],
        series=trend, bucket=bucket, share=share, themes=themes, themes_note=note,
        retention_note=pruned_note,
        sources=_breakdown_rows(sources, brand), languages=_breakdown_rows(languages, brand),
        top_negative=negatives.to_dict("records", into=dict[str, Any]()), alerts=alerts, timings=timings,
        cx_map=experience if experience.cells else None, responses=responses if responses.total else None)


def render_html(data: ReportData) -> str:
    """The report as one self-contained HTML page."""
    unit = "day" if data.bucket >= timedelta(days=1) else "hour"
    trend = charts.sentiment_bars(data.series, title=f"{data.brand}: mentions per {unit} by sentiment")
    voice = charts.share_of_voice([(row["brand"], row["share"], row["net_sentiment"]) for row in data.share],
                                  highlight=data.brand) if len(data.share) > 1 else None
    angry = data.series["angry"].sum() if "angry" in data.series else 0
    anger = charts.anger_share(data.series, title=f"{data.brand}: angry mentions per {unit}") if angry else None
    cases = data.responses
    responses = charts.responses(cases.over_time, title=f"{data.brand}: cases per {cases.every}, answered and "
                                                        f"within SLA") if cases and len(cases.over_time) > 1 else None
    template = environment().get_template("report.html")
    return template.render(
        d=data, trend_svg=trend, voice_svg=voice, anger_svg=anger, responses_svg=responses, unit=unit, change=change,
        last_day=data.end - timedelta(microseconds=1), previous_last=data.start - timedelta(microseconds=1))


@dataclass
class ReportDocument:
    data: ReportData
    html: str
    pdf: bytes | None = None
    #: Why a PDF that was asked for is missing (no chromium on this machine); the HTML is complete.
    pdf_missing: str | None = None

    @property
    def stem(self) -> str:
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in self.data.brand)
        last = self.data.end - timedelta(microseconds=1)
        return f"{safe}-{self.data.start:%Y-%m-%d}-{last:%Y-%m-%d}"

    @property
    def title(self) -> str:
        last = self.data.end - timedelta(microseconds=1)
        return f"{self.data.brand} feedback report, {self.data.start:%Y-%m-%d} to {last:%Y-%m-%d}"

    def write(self, directory: Path) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        written = [directory / f"{self.stem}.html"]
        written[0].write_text(self.html, encoding="utf-8")
        if self.pdf is not None:
            written.append(directory / f"{self.stem}.pdf")
            written[1].write_bytes(self.pdf)
        return written


def build_report(engine: Engine, brand: str, start: datetime, end: datetime, *, model_id: str,
                 competitors: Sequence[str] = (), embed: Embed | None = None, exclude_terms: Sequence[str] = (),
                 pdf: bool = True, chromium: str | None = None, theme_sample: int = THEME_SAMPLE,
                 previous_theme_sample: int = PREVIOUS_THEME_SAMPLE, now: datetime | None = None,
                 response_targets: Mapping[Severity, timedelta] | None = None) -> ReportDocument:
    """The product feedback report of `brand` for [start, end): HTML, and PDF when `pdf` (needs chromium:
    without it the document says so in `pdf_missing`, and the HTML is written and mailed alone).

    Complaint themes embed at most `theme_sample` negative posts of the period (and
    `previous_theme_sample` of the previous one), spread evenly over time: the CPU encoder embeds
    some 70 posts a second, so this bounds a month's report to well under a minute.
    """
    data = gather(engine, brand, start, end, model_id=model_id, competitors=competitors, embed=embed,
                  exclude_terms=exclude_terms, theme_sample=theme_sample,
                  previous_theme_sample=previous_theme_sample, now=now, response_targets=response_targets)
    clock = time.perf_counter()
    html = render_html(data)
    data.timings["render"] = time.perf_counter() - clock
    document = ReportDocument(data=data, html=html)
    binary = chromium or find_chromium()
    if pdf and binary is None:
        document.pdf_missing = NO_CHROMIUM
    elif pdf:
        clock = time.perf_counter()
        document.pdf = html_to_pdf(html, chromium=binary)
        data.timings["pdf"] = time.perf_counter() - clock
    return document


def report_period(kind: str, now: datetime) -> tuple[datetime, datetime]:
    """The last complete period before `now` (UTC) for a scheduled report: "daily" (yesterday),
    "weekly" (Monday to Sunday) or "monthly" (the calendar month)."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if kind == "daily":
        return today - timedelta(days=1), today
    if kind == "weekly":
        end = today - timedelta(days=today.weekday())
        return end - timedelta(days=7), end
    if kind == "monthly":
        end = today.replace(day=1)
        return (end - timedelta(days=1)).replace(day=1), end
    raise ValueError(f"unknown report period {kind!r} (daily, weekly or monthly)")


# ----------------------------------------------------------------------------------------------------
# PDF through headless chromium

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-extensions", "--mute-audio",
                  "--hide-scrollbars"]


def find_chromium() -> str | None:
    """`$BRANDPULSE_CHROMIUM`, else chromium (Debian), chromium-browser or google-chrome on PATH."""
    configured = os.environ.get("BRANDPULSE_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class PdfError(RuntimeError):
    pass


NO_CHROMIUM = "a PDF needs chromium (apt-get install chromium) or $BRANDPULSE_CHROMIUM; the HTML report does not"


def html_to_pdf(html: str, *, chromium: str | None = None, timeout: float = 120) -> bytes:
    """Print an HTML page to PDF (A4, backgrounds kept) with headless chromium, offline."""
    binary = chromium or find_chromium()
    if binary is None:
        raise PdfError(NO_CHROMIUM)
    with tempfile.TemporaryDirectory(prefix="brandpulse-pdf-") as folder:
        page, output = Path(folder) / "report.html", Path(folder) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        command = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={folder}/profile", "--no-pdf-header-footer",
                   f"--print-to-pdf={output}", page.as_uri()]
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as error:
            raise PdfError(f"chromium did not print the report within {timeout:.0f} s") from error
        if not output.exists() or output.stat().st_size == 0:
            raise PdfError(f"chromium printed no PDF (exit {completed.returncode}): {completed.stderr[-500:]}")
        return output.read_bytes()


# ----------------------------------------------------------------------------------------------------
# Email

@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where reports are mailed from: the alert channels' SMTP settings, passed as plain values."""

    host: str
    port: int = 587
    sender: str = "brandpulse@localhost"
    username: str | None = None
    password: str | None = None
    security: str = "starttls"  # "starttls", "smtps" or "none" (a relay on the same host)
    timeout: float = 30.0
    ca_file: str | None = None  # a private CA's bundle; default: the system's trusted CAs


def smtp_connection(settings: SmtpSettings) -> smtplib.SMTP:
    """A connection to the server, with TLS (SMTPS or STARTTLS) unless `security` is "none".

    The TLS context is `ssl.create_default_context()`: the server's certificate must chain to a trusted
    CA and name `settings.host`, or the connection is refused before any password or report is sent.
    """
    context = ssl.create_default_context(cafile=settings.ca_file)
    if settings.security == "smtps":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    if settings.security == "starttls":
        try:
            client.starttls(context=context)
        except BaseException:
            client.close()
            raise
    return client


def report_message(document: ReportDocument, *, sender: str, recipients: Sequence[str],
                   dashboard_url: str | None = None) -> EmailMessage:
    """A mail with a short text summary, the HTML report as the body's alternative, and both files attached."""
    data = document.data
    message = EmailMessage()
    message["Subject"] = f"[BrandPulse] {document.title}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    net = data.current.net_sentiment
    lines = [document.title, "",
             f"Mentions: {data.current.volume:,} (previous period: {data.previous.volume:,})",
             f"Net sentiment: {'n/a' if net is None else f'{net * 100:+.0f}'}",
             f"Brand health: {'n/a' if data.current.health is None else f'{data.current.health:.0%}'}"]
    if data.retention_note:
        lines += ["", data.retention_note]
    if data.themes and data.themes.themes:
        lines += ["", "Complaint themes:"]
        lines += [f"  - {t.name} ({t.size:,}, {growth_label(t)})" for t in data.themes.themes[:5]]
    if dashboard_url:
        lines += ["", f"Dashboard: {dashboard_url}"]
    message.set_content("\n".join(lines) + "\n")
    message.add_alternative(document.html, subtype="html")
    message.add_attachment(document.html.encode("utf-8"), maintype="text", subtype="html",
                           filename=f"{document.stem}.html")
    if document.pdf is not None:
        message.add_attachment(document.pdf, maintype="application", subtype="pdf", filename=f"{document.stem}.pdf")
    return message


def email_report(document: ReportDocument, settings: SmtpSettings, recipients: Sequence[str], *,
                 dashboard_url: str | None = None) -> None:
    """Send the report to `recipients` through `settings`' SMTP server."""
    if not recipients:
        raise ValueError("no recipients for the report")
    message = report_message(document, sender=settings.sender, recipients=recipients, dashboard_url=dashboard_url)
    with smtp_connection(settings) as client:
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.send_message(message)
    log.info("mailed %s to %d recipient(s)", document.stem, len(recipients))
