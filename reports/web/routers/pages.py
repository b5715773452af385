"""The HTML pages: server-rendered shells that fill themselves from the API (static/*.js), and sign-in."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from brandpulse.reports.web.deps import Board, Guarded
from brandpulse.reports.web.security import SESSION_COOKIE, safe_next, session_value
from brandpulse.reports.web.settings import Dashboard

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parents[1] / "templates"),
                        autoescape=select_autoescape(default=True))
router = APIRouter(include_in_schema=False)
guarded = APIRouter(include_in_schema=False, dependencies=Guarded)


def render(board: Dashboard, name: str, title: str, **extra: Any) -> HTMLResponse:
    template = TEMPLATES.get_template(f"{name}.html")
    return HTMLResponse(template.render(title=title, page=name, brands=board.brands, model_id=board.model_id,
                                        auth=board.token is not None, **extra))


@guarded.get("/", response_class=HTMLResponse)
def overview_page(board: Board) -> HTMLResponse:
    return render(board, "overview", "Overview")


@guarded.get("/brands/{brand}", response_class=HTMLResponse)
def brand_page(brand: str, board: Board) -> HTMLResponse:
    if brand not in board.brands:
        return render(board, "missing", "Unknown brand", what=f"No brand called {brand!r} is configured.")
    return render(board, "brand", brand, brand=brand, themes_available=board.embed is not None)


@guarded.get("/mentions", response_class=HTMLResponse)
def mentions_page(board: Board) -> HTMLResponse:
    return render(board, "mentions", "Mentions")


@guarded.get("/alerts", response_class=HTMLResponse)
def alerts_page(board: Board) -> HTMLResponse:
    return render(board, "alerts", "Alerts")


@guarded.get("/themes", response_class=HTMLResponse)
def themes_page(board: Board) -> HTMLResponse:
    return render(board, "themes", "Complaint themes", themes_available=board.embed is not None)


@guarded.get("/cx", response_class=HTMLResponse)
def cx_page(board: Board) -> HTMLResponse:
    return render(board, "cx", "Customer experience")


@guarded.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: int, board: Board) -> HTMLResponse:
    return render(board, "case", f"Case {case_id}", case_id=case_id)


@router.get("/login", response_class=HTMLResponse)
def login_page(board: Board, next: str = "/") -> HTMLResponse:
    return render(board, "login", "Sign in", next=safe_next(next))


@router.post("/login")
async def login(request: Request, board: Board) -> Response:
    body = (await request.body()).decode("utf-8", "replace")
    form = {key: values[-1] for key, values in parse_qs(body).items()}
    target = safe_next(form.get("next"))
    if board.token is None:
        return RedirectResponse(target, 303)
    if not hmac.compare_digest(str(form.get("token") or "").encode(), board.token.encode()):
        return render(board, "login", "Sign in", next=target, error="That token is not right.")
    response = RedirectResponse(target, 303)
    response.set_cookie(SESSION_COOKIE, session_value(board.token), httponly=True, samesite="strict",
                        secure=board.dashboard_url.startswith("https://"), max_age=30 * 86400)
    return response


@router.get("/healthz")
def healthz() -> dict[str, bool]:
    return {"ok": True}
