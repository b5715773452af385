"""FastAPI dependencies: the dashboard, a database connection, the clock, access control and the window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, cast

from fastapi import Depends, HTTPException, Query, Request
from sqlalchemy import Connection

from brandpulse.reports.web.security import authorised, host_name, is_loopback
from brandpulse.reports.web.settings import Dashboard
from brandpulse.reports.web.windows import Window, fit_window
from brandpulse.storage.queries import mention_span


def dashboard(request: Request) -> Dashboard:
    return cast(Dashboard, request.app.state.dashboard)


Board = Annotated[Dashboard, Depends(dashboard)]


def connection(board: Board) -> Iterator[Connection]:
    """One connection per request, closed when the route returns."""
    with board.engine.connect() as opened:
        yield opened


Db = Annotated[Connection, Depends(connection)]


def now(board: Board) -> datetime:
    return board.clock()


Now = Annotated[datetime, Depends(now)]


class LoginRequired(Exception):
    """A page asked for without the token: the app answers with a redirect to /login."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def require_access(request: Request, board: Board) -> None:
    """Without a token: loopback Host names only (DNS rebinding). With one: the token, on every call."""
    if board.token is None:
        if not is_loopback(host_name(request.headers.get("host") or "")):
            raise HTTPException(403, "this dashboard only answers on a loopback address")
        return
    if authorised(request, board.token):
        return
    path = request.url.path
    if path.startswith("/api/") or path == "/openapi.json":
        raise HTTPException(401, "authentication required", headers={"WWW-Authenticate": 'Bearer realm="brandpulse"'})
    raise LoginRequired(path)


Guarded = [Depends(require_access)]


def window(db: Db, clock: Now,
           days: Annotated[int | None, Query(ge=1, le=366, description="Window length in days "
                                              "(default: fitted to the data, see `window.defaulted`)")] = None,
           until: Annotated[date | None, Query(description="Last day of the window (UTC, YYYY-MM-DD); "
                                                "default: the last day with mentions")] = None,
           language: Annotated[list[str] | None, Query(description="Count only these languages "
                                                       "(repeatable)")] = None) -> Window:
    first, latest = mention_span(db)
    return fit_window(days, until, clock, first, latest, languages=language or [])


TimeWindow = Annotated[Window, Depends(window)]
