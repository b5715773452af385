"""The dashboard: server-rendered page shells plus a JSON API (OpenAPI at /openapi.json, docs at /docs).

Pages: overview (/), mentions explorer (/mentions), alerts (/alerts), themes (/themes). Every page
fills itself from the API with a little vanilla JS that writes user text with `textContent` only,
and Jinja2 escapes whatever the server renders, so a post containing `<script>` shows as text.

Security: with no token the app is meant for a loopback bind (the CLI refuses any other bind without
one) and only answers requests whose Host is a loopback name, which defeats DNS rebinding. With a
token (or password), every page and API call needs it: `Authorization: Bearer <token>`, HTTP Basic
with the token as password, or the session cookie set by /login. State-changing calls take JSON
only, which a cross-site form cannot send.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import ipaddress
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, quote

import pandas as pd
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from reports.alerts_view import alert_records, jsonable
from reports.feedback import complaint_themes
from reports.themes import Embed
from reports.web.cache import DailyCountsCache, floor_day
from storage.alert_store import load_silences
from storage.queries import (
    MENTION_COLUMNS,
    MentionFilter,
    count_mentions,
    distinct_values,
    find_mentions,
    iter_mentions,
    latest_mention_at,
    list_alerts,
)
from storage.silences import (
    acknowledge_alert,
    active_acknowledgements,
    create_silence,
    expire_silence,
    list_silences,
)

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
SESSION_COOKIE = "brandpulse_session"
LABELS = ["negative", "neutral", "positive", "unscored"]
CSV_LIMIT = 1_000_000


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve beyond this machine without a token or password."""
    if not is_loopback(host) and not token:
        raise ValueError(f"binding to {host} exposes the dashboard beyond this machine: configure a token or "
                         "password (dashboard.token, or --token / $BRANDPULSE_DASHBOARD_TOKEN)")


def _session_value(token: str) -> str:
    return hmac.new(token.encode(), b"brandpulse-dashboard-session", hashlib.sha256).hexdigest()


def _authorised(request: Request, token: str) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(), token.encode()):
        return True
    if scheme.lower() == "basic":
        try:
            _, _, password = base64.b64decode(credentials).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return hmac.compare_digest(password.encode(), token.encode())
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return hmac.compare_digest(cookie.encode(), _session_value(token).encode())


# ----------------------------------------------------------------------------------------------------
# Request bodies

class MatcherIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    value: str = Field(max_length=1000)
    op: Literal["=", "!=", "=~", "!~"] = "="


class SilenceIn(BaseModel):
    matchers: list[MatcherIn] = Field(min_length=1)
    comment: str = Field(max_length=2000, description="Why (required, as in Alertmanager)")
    created_by: str = Field(default="dashboard", min_length=1, max_length=200)
    duration_hours: float = Field(default=24.0, gt=0, le=24 * 365)
    starts_at: datetime | None = None


class AcknowledgeIn(BaseModel):
    comment: str = Field(default="", max_length=2000)
    created_by: str = Field(default="dashboard", min_length=1, max_length=200)
    duration_hours: float | None = Field(default=None, gt=0, le=24 * 365,
                                         description="Stop muting repeats after this long (default: until resolved)")


# ----------------------------------------------------------------------------------------------------

def _parse_time(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(422, f"{name}: {value!r} is not an ISO 8601 date or time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        out.append({key: (value.isoformat() if isinstance(value, datetime | pd.Timestamp)
                          else None if (isinstance(value, float) and value != value) else value)
                    for key, value in row.items()})
    return out


class ThemesCache:
    """Theme results per (brand, window), computed once per `ttl` (embedding is the slow part)."""

    def __init__(self, ttl: float = 3600.0) -> None:
        self.ttl = ttl
        self._results: dict[tuple, tuple[float, dict]] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, compute: Callable[[], dict]) -> dict:
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            cached = self._results.get(key)
            if cached and time.monotonic() - cached[0] < self.ttl:
                return cached[1]
            result = compute()
            self._results[key] = (time.monotonic(), result)
            return result


def create_app(engine: Engine, *, model_id: str, brands: Sequence[str],
               competitors: Mapping[str, Sequence[str]] | None = None, token: str | None = None,
               dashboard_url: str = "http://127.0.0.1:8765", embed: Embed | None = None,
               exclude_terms: Mapping[str, Sequence[str]] | None = None, now: Callable[[], datetime] | None = None,
               cache_ttl: float = 600.0, theme_sample: int = 600, warm_days: int = 0) -> FastAPI:
    """The dashboard app over `engine`, counting only `model_id`'s scores.

    `brands` are the configured brands (in display order), `competitors` each brand's competitive set
    for share of voice, `token` the shared secret (None: loopback only), `embed` the sentence encoder
    for the themes page (None: the page says themes are unavailable), `now` a clock for tests.
    `warm_days` > 0 starts a background thread that keeps that many days of overview counts cached
    (refreshed every `cache_ttl / 2` seconds), so overview requests only ever read today's mentions.
    """
    clock = now or (lambda: datetime.now(UTC))
    brands = list(brands)
    competitors = {brand: list(names) for brand, names in (competitors or {}).items()}
    exclude_terms = dict(exclude_terms or {})
    daily = DailyCountsCache(engine, model_id, ttl=cache_ttl)
    themes_cache = ThemesCache()
    facets_cache: dict[str, tuple[float, dict]] = {}
    stop = threading.Event()

    def warm() -> None:
        while not stop.is_set():
            try:
                daily.refresh(warm_days, clock())
            except Exception:  # the database may be briefly unavailable; requests still work
                log.exception("refreshing the overview cache failed")
            stop.wait(cache_ttl / 2)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        worker = threading.Thread(target=warm, name="overview-cache", daemon=True) if warm_days > 0 else None
        if worker:
            worker.start()
        yield
        stop.set()

    app = FastAPI(lifespan=lifespan, title="BrandPulse dashboard", version="1",
                  description="Brand mentions, sentiment, alerts and complaint themes. "
                              "Every page of the dashboard reads this API.",
                  docs_url=None, redoc_url=None)  # both load scripts from a CDN; the schema is /openapi.json
    app.state.model_id = model_id
    app.state.daily = daily
    app.state.engine = engine
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def guard(request: Request, call_next):
        path = request.url.path
        if token is None:
            if not is_loopback(_host_name(request.headers.get("host") or "")):
                return JSONResponse({"detail": "this dashboard only answers on a loopback address"}, 403)
        elif not (path in ("/login", "/healthz") or path.startswith("/static/")) and not _authorised(request, token):
            if path.startswith("/api/") or path == "/openapi.json":
                return JSONResponse({"detail": "authentication required"}, 401,
                                    headers={"WWW-Authenticate": 'Bearer realm="brandpulse"'})
            return RedirectResponse(f"/login?next={quote(path)}", 303)
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if request.method == "POST" and path.startswith("/api/") and content_type != "application/json":
            return JSONResponse({"detail": "send JSON (Content-Type: application/json)"}, 415)
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy",
                                        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                        "script-src 'self'; frame-ancestors 'none'")
        return response

    def page(name: str, title: str, **extra: Any) -> HTMLResponse:
        template = env.get_template(f"{name}.html")
        return HTMLResponse(template.render(title=title, page=name, brands=brands, model_id=model_id,
                                            auth=token is not None, **extra))

    # ------------------------------------------------------------------ pages
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview_page() -> HTMLResponse:
        return page("overview", "Overview")

    @app.get("/mentions", response_class=HTMLResponse, include_in_schema=False)
    def mentions_page() -> HTMLResponse:
        return page("mentions", "Mentions")

    @app.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
    def alerts_page() -> HTMLResponse:
        return page("alerts", "Alerts")

    @app.get("/themes", response_class=HTMLResponse, include_in_schema=False)
    def themes_page() -> HTMLResponse:
        return page("themes", "Complaint themes", themes_available=embed is not None)

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(next: str = "/") -> HTMLResponse:
        return page("login", "Sign in", next=next if next.startswith("/") and not next.startswith("//") else "/")

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = {key: values[-1] for key, values in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        target = str(form.get("next") or "/")
        target = target if target.startswith("/") and not target.startswith("//") else "/"
        if token is None:
            return RedirectResponse(target, 303)
        if not hmac.compare_digest(str(form.get("token") or "").encode(), token.encode()):
            return page("login", "Sign in", next=target, error="That token is not right.")
        response = RedirectResponse(target, 303)
        response.set_cookie(SESSION_COOKIE, _session_value(token), httponly=True, samesite="strict",
                            secure=dashboard_url.startswith("https://"), max_age=30 * 86400)
        return response

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"ok": True}

    # ------------------------------------------------------------------ API
    def firing() -> list[dict[str, Any]]:
        with engine.connect() as connection:
            return alert_records(list_alerts(connection, states=["firing", "pending"]))

    def window(days: int, until: date | None) -> tuple[datetime, datetime]:
        """`days` whole UTC days ending with `until` (default: today)."""
        last = datetime(until.year, until.month, until.day, tzinfo=UTC) if until else floor_day(clock())
        return last + timedelta(days=1) - timedelta(days=days), last + timedelta(days=1)

    until_doc = Query(None, description="Last day of the window (UTC, YYYY-MM-DD); default today")

    @app.get("/api/overview", tags=["overview"], summary="Each brand's trend, scores, share of voice and alerts")
    def overview(days: int = Query(30, ge=1, le=366, description="Window length in days"),
                 until: date | None = until_doc) -> dict:
        moment = clock()
        start, end = window(days, until)
        counts = daily.counts(start, end, moment, brands)
        index = pd.date_range(start, end, freq="D", inclusive="left")
        alerts = firing()
        totals = counts.groupby("brand")[["volume", "scored", "negative", "neutral", "positive"]].sum()
        result = []
        for brand in brands:
            own = (counts[counts["brand"] == brand].drop(columns="brand").set_index("day")
                   .reindex(index, fill_value=0))
            total = totals.loc[brand] if brand in totals.index else pd.Series(0, index=totals.columns)
            peers = [brand, *competitors.get(brand, [])] if competitors.get(brand) else brands
            voice = sum(int(totals.loc[name, "volume"]) for name in peers if name in totals.index)
            scored, pos, neg = int(total.get("scored", 0)), int(total.get("positive", 0)), int(total.get("negative", 0))
            result.append({
                "brand": brand, "volume": int(total.get("volume", 0)), "scored": scored, "negative": neg,
                "neutral": int(total.get("neutral", 0)), "positive": pos,
                "net_sentiment": (pos - neg) / scored if scored else None,
                "health": pos / (pos + neg) if pos + neg else None,
                "share_of_voice": int(total.get("volume", 0)) / voice if voice else None,
                "share_of_voice_among": peers,
                "series": [{"day": day.date().isoformat(), "volume": int(row.volume), "negative": int(row.negative),
                            "neutral": int(row.neutral), "positive": int(row.positive), "scored": int(row.scored)}
                           for day, row in zip(own.index, own.itertuples(), strict=True)],
                "firing_alerts": [jsonable(a) for a in alerts if a["brand"] == brand],
            })
        with engine.connect() as connection:
            latest = latest_mention_at(connection)
        return {"start": start.isoformat(), "end": end.isoformat(), "model_id": model_id, "brands": result,
                "alerts": [jsonable(a) for a in alerts], "latest_mention": latest.isoformat() if latest else None}

    def mention_filter(brand, source, sentiment, language, since, until, q, limit, offset) -> MentionFilter:
        unknown = sorted(set(sentiment or []) - set(LABELS))
        if unknown:
            raise HTTPException(422, f"sentiment must be one of {', '.join(LABELS)}")
        return MentionFilter(model_id=model_id, brands=brand or (), sources=source or (), labels=sentiment or (),
                             languages=language or (), since=_parse_time(since, "since"),
                             until=_parse_time(until, "until"), text=q or None, limit=limit, offset=offset)

    filters_doc = {
        "brand": Query(None, description="Brand name (repeatable)"),
        "source": Query(None, description="Source, e.g. x, reddit (repeatable)"),
        "sentiment": Query(None, description="negative, neutral, positive or unscored (repeatable)"),
        "language": Query(None, description="Language code (repeatable)"),
    }

    @app.get("/api/mentions", tags=["mentions"], summary="Mentions matching the filters, newest first")
    def mentions(brand: list[str] | None = filters_doc["brand"], source: list[str] | None = filters_doc["source"],
                 sentiment: list[str] | None = filters_doc["sentiment"],
                 language: list[str] | None = filters_doc["language"],
                 since: str | None = Query(None, description="From this UTC time (ISO 8601)"),
                 until: str | None = Query(None, description="Before this UTC time (ISO 8601)"),
                 q: str | None = Query(None, max_length=200, description="Text contains (case-insensitive)"),
                 limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=100_000),
                 count: bool = Query(False, description="Also count all matches (up to 10,000; slower)")) -> dict:
        filters = mention_filter(brand, source, sentiment, language, since, until, q, limit + 1, offset)
        with engine.connect() as connection:
            frame = find_mentions(connection, filters)
            total = count_mentions(connection, filters) if count else None
        return {"items": _records(frame.head(limit)), "has_more": len(frame) > limit, "limit": limit,
                "offset": offset, "total": total, "total_capped": total is not None and total >= 10_000}

    @app.get("/api/mentions.csv", tags=["mentions"], summary="The filtered mentions as CSV",
             response_class=StreamingResponse)
    def mentions_csv(brand: list[str] | None = filters_doc["brand"], source: list[str] | None = filters_doc["source"],
                     sentiment: list[str] | None = filters_doc["sentiment"],
                     language: list[str] | None = filters_doc["language"], since: str | None = None,
                     until: str | None = None, q: str | None = Query(None, max_length=200)) -> StreamingResponse:
        filters = mention_filter(brand, source, sentiment, language, since, until, q, CSV_LIMIT, 0)

        def rows() -> Iterator[str]:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(MENTION_COLUMNS)
            with engine.connect() as connection:
                for frame in iter_mentions(connection, filters):
                    for row in frame.itertuples(index=False):
                        writer.writerow([_csv_cell(value) for value in row])
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

        stamp = clock().strftime("%Y%m%d-%H%M%S")
        return StreamingResponse(rows(), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="mentions-{stamp}.csv"'})

    @app.get("/api/facets", tags=["mentions"], summary="Values the explorer's filters offer")
    def facets() -> dict:
        cached = facets_cache.get("facets")
        if cached and time.monotonic() - cached[0] < cache_ttl:
            return cached[1]
        with engine.connect() as connection:
            result = {"brands": brands, "sources": distinct_values(connection, "source"),
                      "languages": distinct_values(connection, "language"), "sentiments": LABELS}
        facets_cache["facets"] = (time.monotonic(), result)
        return result

    @app.get("/api/alerts", tags=["alerts"], summary="Alerts (firing, pending and resolved) and silences")
    def alerts(state: Annotated[list[str] | None, Query(description="firing, pending or resolved (repeatable)")] = None,
               days: Annotated[int, Query(ge=1, le=366, description="Resolved alerts updated in this many days")] = 30,
               ) -> dict:
        moment = clock()
        with engine.connect() as connection:
            records = alert_records(list_alerts(connection, states=state))
            silences = list_silences(connection)
            muting = [s for s in load_silences(connection, moment) if s.is_active(moment)]  # alerts' records
            acks = active_acknowledgements(connection, moment)
        since = moment - timedelta(days=days)
        records = [r for r in records if r["state"] != "resolved" or (r["updated_at"] and r["updated_at"] >= since)]
        silence_rows = _records(silences)
        for silence in silence_rows:
            ends = datetime.fromisoformat(silence["ends_at"])
            starts = datetime.fromisoformat(silence["starts_at"])
            silence["status"] = "expired" if ends <= moment else ("active" if starts <= moment else "pending")
        for record in records:
            record["silenced_by"] = [s.id for s in muting if s.matches(record["labels"])]
            record["acknowledged"] = acks.get(record["fingerprint"])
        return {"alerts": [jsonable(r) for r in records], "silences": silence_rows}

    @app.post("/api/silences", tags=["alerts"], status_code=201, summary="Create a silence")
    def new_silence(body: SilenceIn) -> dict:
        moment = clock()
        starts = body.starts_at or moment
        starts = starts if starts.tzinfo else starts.replace(tzinfo=UTC)
        try:
            with engine.begin() as connection:
                silence_id = create_silence(connection, matchers=[m.model_dump() for m in body.matchers],
                                            created_by=body.created_by, comment=body.comment, starts_at=starts,
                                            ends_at=starts + timedelta(hours=body.duration_hours), now=moment)
        except ValueError as error:
            raise HTTPException(422, str(error)) from None
        return {"id": silence_id}

    @app.delete("/api/silences/{silence_id}", tags=["alerts"], summary="Expire a silence now")
    def delete_silence(silence_id: str) -> dict:
        with engine.begin() as connection:
            if not expire_silence(connection, silence_id, now=clock()):
                raise HTTPException(404, "no such silence in force")
        return {"id": silence_id, "expired": True}

    @app.post("/api/alerts/{fingerprint}/acknowledge", tags=["alerts"], status_code=201,
              summary="Acknowledge an alert: no repeat notifications while it keeps firing")
    def acknowledge(fingerprint: str, body: AcknowledgeIn) -> dict:
        with engine.connect() as connection:
            known = any(r["fingerprint"] == fingerprint for r in alert_records(list_alerts(connection)))
        if not known:
            raise HTTPException(404, "no such alert")
        moment = clock()
        expires = moment + timedelta(hours=body.duration_hours) if body.duration_hours else None
        try:
            with engine.begin() as connection:
                acknowledge_alert(connection, fingerprint, by=body.created_by, comment=body.comment, now=moment,
                                  expires_at=expires)
        except ValueError as error:
            raise HTTPException(422, str(error)) from None
        return {"fingerprint": fingerprint, "acknowledged_by": body.created_by,
                "expires_at": expires.isoformat() if expires else None}

    @app.get("/api/themes", tags=["themes"], summary="Complaint themes of a brand over the last days")
    def themes(brand: str = Query(..., description="Brand name"), days: int = Query(30, ge=1, le=366),
               until: date | None = until_doc) -> dict:
        if brand not in brands:
            raise HTTPException(404, f"unknown brand {brand!r}")
        if embed is None:
            return {"available": False, "reason": "no embedding model is loaded", "themes": []}
        start, end = window(days, until)

        def compute() -> dict:
            result, note = complaint_themes(engine, brand, start, end, model_id=model_id, embed=embed,
                                            exclude=[brand, *exclude_terms.get(brand, [])], sample=theme_sample,
                                            previous_sample=theme_sample // 2)
            if result is None:
                return {"available": True, "themes": [], "total": 0, "sampled": 0, "clustered": 0, "note": note}
            return {"available": True, **result.to_dict(), "note": note}

        result = themes_cache.get((brand, start, end), compute)
        return {"brand": brand, "start": start.isoformat(), "end": end.isoformat(), **result}

    return app


def _csv_cell(value: Any) -> Any:
    """A CSV cell; text that a spreadsheet would run as a formula (=, +, -, @) is prefixed with '."""
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _host_name(header: str) -> str:
    """The host of a Host header, without its port: "127.0.0.1:8765" -> "127.0.0.1", "[::1]:80" -> "::1"."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header
