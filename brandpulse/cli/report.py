"""`report` (the product feedback report, HTML and PDF, optionally mailed) and `serve` (the dashboard).

Both only wire the config to `reports`: the engine, the configured model's id and its encoder for the
complaint themes, the brands and their competitors.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import typer

from brandpulse.cli.context import CliState, console, fail
from brandpulse.config import REPORTS_FOLDER, Config
from brandpulse.reporting import brand_terms, smtp_settings
from brandpulse.reports.feedback import SmtpSettings
from brandpulse.runtime import Embedder, Runtime

TOKEN_ENV = "BRANDPULSE_DASHBOARD_TOKEN"


def lazy_embed(runtime: Runtime) -> Callable[[list[str]], np.ndarray]:
    """The configured model's sentence encoder, loaded on first use (it takes a while on a CPU)."""
    lock = threading.Lock()

    def embed(texts: list[str]) -> np.ndarray:
        with lock:
            scorer = runtime.scorer()
        if isinstance(scorer, Embedder):
            return scorer.embed(texts)
        from brandpulse.sentiment import embed as default_embed

        return default_embed(texts)

    return embed


def mail_route(config: Config, via: str | None, recipients: list[str] | None) -> tuple[SmtpSettings, list[str]]:
    """SMTP settings of an email receiver of the alert channels, and whom to mail."""
    emails = {r.name: r.email for r in config.alerts.receivers if r.email is not None}
    if via is None and len(emails) == 1:
        [via] = emails
    email = None if via is None else emails.get(via)
    if email is None:
        fail(f"choose an email receiver with --via (configured: {', '.join(emails) or 'none'})")
    return smtp_settings(email), list(recipients or email.to)


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--{name} {value!r} is not a date (YYYY-MM-DD)")


def report(ctx: typer.Context,
           brand: list[str] = typer.Option(None, "--brand", "-b", help="Brand (repeatable; default: every brand)."),
           from_: str = typer.Option(None, "--from", help="First day, YYYY-MM-DD (default: 30 days before --to)."),
           to: str = typer.Option(None, "--to", help="Last day included, YYYY-MM-DD (default: yesterday, UTC)."),
           output: Path = typer.Option(None, "--output", "-o",
                                       help=f"Folder for the files (default: {REPORTS_FOLDER}/ beside the config)."),
           pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also print a PDF (needs chromium)."),
           themes: bool = typer.Option(True, "--themes/--no-themes", help="Cluster complaints (loads the model)."),
           email: list[str] = typer.Option(None, "--email", help="Mail the report to this address (repeatable)."),
           via: str = typer.Option(None, help="Email receiver (under alerts.receivers) to send through; "
                                              "without --email, mails its own recipients."),
           ) -> None:
    """Write the product feedback report: trend, share of voice, complaint themes, top negative posts, alerts."""
    from brandpulse.reports.feedback import PdfError, build_report, email_report

    state: CliState = ctx.obj
    runtime = state.runtime(progress=True)
    config = runtime.config
    known = [b.name for b in config.brands]
    chosen = brand or known
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        fail(f"brand(s) not in the config: {', '.join(unknown)}")
    last = _day(to, "to") or (datetime.now(UTC).date() - timedelta(days=1))
    first = _day(from_, "from") or (last - timedelta(days=29))
    if first > last:
        fail("--from is after --to")
    mail = None
    if email or via:
        mail = mail_route(config, via, email)
    start = datetime.combine(first, time(), UTC)
    end = datetime.combine(last + timedelta(days=1), time(), UTC)
    model_id = runtime.model_id()
    terms = brand_terms(config)
    embed = lazy_embed(runtime) if themes else None
    try:
        for name in chosen:
            try:
                document = build_report(runtime.engine, name, start, end, model_id=model_id,
                                        competitors=config.brand(name).competitors, embed=embed,
                                        exclude_terms=terms.get(name, []), pdf=pdf,
                                        response_targets=config.cx.response_targets())
            except PdfError as error:
                fail(str(error))
            paths = document.write(output or config.path(REPORTS_FOLDER))
            timings = ", ".join(f"{k} {v:.1f}s" for k, v in document.data.timings.items())
            console.print(f"[bold]{name}[/]: {document.data.current.volume:,} mentions -> "
                          f"{', '.join(str(p) for p in paths)} ({timings})", highlight=False)
            if document.pdf_missing:
                console.print(f"  [yellow]no PDF:[/] {document.pdf_missing}", highlight=False)
            if mail:
                settings, recipients = mail
                email_report(document, settings, recipients, dashboard_url=config.dashboard.public_url)
                console.print(f"  mailed to {', '.join(recipients)}")
    finally:
        runtime.close()


def serve(ctx: typer.Context,
          host: str | None = typer.Option(None, help="Address to bind (default: dashboard.host, 127.0.0.1)."),
          port: int | None = typer.Option(None, help="Port (default: dashboard.port, 8765)."),
          token: str | None = typer.Option(None, envvar=TOKEN_ENV, show_envvar=True,
                                           help="Token or password required to use the dashboard (needed beyond "
                                                "loopback)."),
          themes: bool = typer.Option(True, "--themes/--no-themes", help="Offer the themes page (loads the model).")
          ) -> None:
    """Serve the dashboard and its JSON API (OpenAPI schema at /openapi.json)."""
    import uvicorn

    from brandpulse.reports.web import check_bind, create_app

    state: CliState = ctx.obj
    runtime = state.runtime()
    config = runtime.config
    host = host or config.dashboard.host
    port = port or config.dashboard.port
    token = token or (config.dashboard.token.get_secret_value() if config.dashboard.token else None)
    try:
        check_bind(host, token)
    except ValueError as error:
        fail(str(error), code=2)
    app = create_app(runtime.engine, model_id=runtime.model_id(), brands=[b.name for b in config.brands],
                     competitors={b.name: b.competitors for b in config.brands}, token=token,
                     dashboard_url=config.dashboard.public_url, embed=lazy_embed(runtime) if themes else None,
                     exclude_terms=brand_terms(config), warm_days=90, response_targets=config.cx.response_targets())
    console.print(f"Dashboard on http://{host}:{port}/ (API schema: /openapi.json)"
                  + (" - token required" if token else ""), highlight=False)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        runtime.close()


def register(app: typer.Typer) -> None:
    app.command()(report)
    app.command()(serve)
