"""`report` (the product feedback report, HTML and PDF, optionally mailed) and `serve` (the dashboard).

Both only wire the config to `reports`: the engine, the configured model's id and its encoder for the
complaint themes, the brands and their competitors.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import typer

from brandpulse.cli.context import CliState, console, fail
from brandpulse.config import Config
from brandpulse.runtime import Runtime

TOKEN_ENV = "BRANDPULSE_DASHBOARD_TOKEN"


def configured_model_id(runtime: Runtime) -> str:
    """The id stored with the configured model's scores, without loading the model when possible."""
    try:
        from sentiment import model_id_for
    except ImportError:
        return runtime.scorer().model_id
    return model_id_for(runtime.config.model)


def lazy_embed(runtime: Runtime) -> Callable[[list[str]], np.ndarray]:
    """The configured model's sentence encoder, loaded on first use (it takes a while on a CPU)."""
    lock = threading.Lock()

    def embed(texts: list[str]) -> np.ndarray:
        with lock:
            scorer = runtime.scorer()
        encode = getattr(scorer, "embed", None)
        if encode is None:
            from sentiment import embed as encode
        return encode(texts)

    return embed


def brand_terms(config: Config) -> dict[str, list[str]]:
    """Each brand's own names, kept out of complaint theme names."""
    return {brand.name: [*brand.terms, *brand.aliases, *(h.lstrip("@") for h in brand.handles),
                         *(t.lstrip("#") for t in brand.hashtags)] for brand in config.brands}


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
           output: Path = typer.Option(Path("reports"), "--output", "-o", help="Folder for the files."),
           pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also print a PDF (needs chromium)."),
           themes: bool = typer.Option(True, "--themes/--no-themes", help="Cluster complaints (loads the model)."),
           email: list[str] = typer.Option(None, "--email", help="Mail the report to this address (repeatable)."),
           smtp_host: str = typer.Option(None, envvar="BRANDPULSE_SMTP_HOST", help="SMTP server for --email."),
           smtp_port: int = typer.Option(587, envvar="BRANDPULSE_SMTP_PORT"),
           smtp_user: str = typer.Option(None, envvar="BRANDPULSE_SMTP_USER"),
           smtp_password_env: str = typer.Option("BRANDPULSE_SMTP_PASSWORD",
                                                 help="Environment variable holding the SMTP password."),
           smtp_security: str = typer.Option("starttls", help="starttls, ssl or none."),
           sender: str = typer.Option("brandpulse@localhost", envvar="BRANDPULSE_SMTP_FROM", help="From address."),
           ) -> None:
    """Write the product feedback report: trend, share of voice, complaint themes, top negative posts, alerts."""
    from reports.feedback import PdfError, SmtpSettings, build_report, email_report

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
    if email and not smtp_host:
        fail("--email needs an SMTP server (--smtp-host or $BRANDPULSE_SMTP_HOST)")
    start = datetime.combine(first, time(), UTC)
    end = datetime.combine(last + timedelta(days=1), time(), UTC)
    model_id = configured_model_id(runtime)
    terms = brand_terms(config)
    embed = lazy_embed(runtime) if themes else None
    try:
        for name in chosen:
            try:
                document = build_report(runtime.engine, name, start, end, model_id=model_id,
                                        competitors=config.brand(name).competitors, embed=embed,
                                        exclude_terms=terms.get(name, []), pdf=pdf)
            except PdfError as error:
                fail(str(error))
            paths = document.write(output)
            timings = ", ".join(f"{k} {v:.1f}s" for k, v in document.data.timings.items())
            console.print(f"[bold]{name}[/]: {document.data.current.volume:,} mentions -> "
                          f"{', '.join(str(p) for p in paths)} ({timings})", highlight=False)
            if email:
                settings = SmtpSettings(host=smtp_host, port=smtp_port, sender=sender, username=smtp_user,
                                        password=os.environ.get(smtp_password_env), security=smtp_security)
                email_report(document, settings, email, dashboard_url=config.dashboard_url)
                console.print(f"  mailed to {', '.join(email)}")
    finally:
        runtime.close()


def serve(ctx: typer.Context,
          host: str = typer.Option(None, help="Address to bind (default: the host of dashboard_url, 127.0.0.1)."),
          port: int = typer.Option(None, help="Port (default: the port of dashboard_url, 8765)."),
          token: str = typer.Option(None, envvar=TOKEN_ENV, show_envvar=True,
                                    help="Token or password required to use the dashboard (needed beyond loopback)."),
          themes: bool = typer.Option(True, "--themes/--no-themes", help="Offer the themes page (loads the model).")
          ) -> None:
    """Serve the dashboard and its JSON API (OpenAPI schema at /openapi.json)."""
    import uvicorn

    from reports.web import check_bind, create_app

    state: CliState = ctx.obj
    runtime = state.runtime()
    config = runtime.config
    url = urlparse(config.dashboard_url)
    host = host or url.hostname or "127.0.0.1"
    port = port or url.port or 8765
    try:
        check_bind(host, token)
    except ValueError as error:
        fail(str(error), code=2)
    app = create_app(runtime.engine, model_id=configured_model_id(runtime), brands=[b.name for b in config.brands],
                     competitors={b.name: b.competitors for b in config.brands}, token=token,
                     dashboard_url=config.dashboard_url, embed=lazy_embed(runtime) if themes else None,
                     exclude_terms=brand_terms(config), warm_days=90)
    console.print(f"Dashboard on http://{host}:{port}/ (API schema: /openapi.json)"
                  + (" - token required" if token else ""), highlight=False)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        runtime.close()


def register(app: typer.Typer) -> None:
    app.command()(report)
    app.command()(serve)
