"""The dashboard: server-rendered page shells plus a JSON API (schema at /openapi.json, docs at /docs).

Pages: overview (/), brand (/brands/{brand}), mentions explorer (/mentions), alerts (/alerts), themes
(/themes), customer experience (/cx) and one case of the response inbox (/cases/{id}). Every page
fills itself from the API with a little vanilla JS that writes user text with `textContent` only, and
Jinja2 escapes whatever the server renders, so a post containing `<script>` shows as text. Routes live
in `reports.web.routers`, one module per area; what they share (the database, the clock, access
control, the window) comes from the dependencies in `reports.web.deps`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from brandpulse.reports.web.deps import LoginRequired
from brandpulse.reports.web.routers import alerts, cases, cx, docs, mentions, metrics, overview, pages, reports
from brandpulse.reports.web.routers import brands as brand_pages
from brandpulse.reports.web.security import hardening
from brandpulse.reports.web.settings import Dashboard

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def _keep_warm(board: Dashboard, stop: threading.Event) -> None:
    """Recompute the closed days of the overview cache every `cache_ttl / 2` until `stop`: twice
    `warm_days`, since every window is compared with the period of equal length before it."""
    while not stop.is_set():
        try:
            board.daily.refresh(2 * board.warm_days, board.clock())
        except Exception:  # the database may be briefly unavailable; requests still work
            log.exception("refreshing the overview cache failed")
        stop.wait(board.cache_ttl.total_seconds() / 2)


def create_app(engine: Engine, *, model_id: str, brands: Any, **options: Any) -> FastAPI:
    """The dashboard app over `engine`, counting only `model_id`'s scores (options: see `Dashboard`:
    competitors, token, dashboard_url, embed, exclude_terms, now, cache_ttl, theme_sample, warm_days,
    response_targets).
    `warm_days` > 0 keeps that many days of overview counts, and the period before them, cached by a
    background thread."""
    board = Dashboard.of(engine, model_id=model_id, brands=brands, **options)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        if board.warm_days > 0:
            threading.Thread(target=_keep_warm, args=(board, stop), name="overview-cache", daemon=True).start()
        yield
        stop.set()

    app = FastAPI(lifespan=lifespan, title="BrandPulse dashboard", version="2", docs_url=None, redoc_url=None,
                  openapi_url=None, description="Brand mentions, sentiment, alerts and complaint themes. "
                                                "Every page of the dashboard reads this API.")
    app.state.dashboard, app.state.engine, app.state.daily = board, engine, board.daily
    app.state.metrics = metrics.RequestMetrics()
    app.middleware("http")(hardening)
    app.middleware("http")(app.state.metrics.middleware)
    app.add_exception_handler(LoginRequired, _to_login)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount(docs.ASSETS, docs.assets(), name="docs-assets")
    for area in (pages.router, pages.guarded, overview.router, brand_pages.router, mentions.router, alerts.router,
                 reports.router, cx.router, cases.router, metrics.router, docs.router):
        app.include_router(area)
    return app


async def _to_login(_request: Request, error: Exception) -> RedirectResponse:
    assert isinstance(error, LoginRequired)
    return RedirectResponse(f"/login?next={quote(error.path)}", 303)
