"""`/api/brands/{brand}`: one brand in depth, every figure with its link to the mentions behind it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from sqlalchemy import Connection

from brandpulse.reports.alerts_view import alerts_between
from brandpulse.reports.web import figures, links
from brandpulse.reports.web.alert_data import load_alerts
from brandpulse.reports.web.deps import Board, Db, Guarded, Now, TimeWindow
from brandpulse.reports.web.frames import records
from brandpulse.reports.web.models import BrandDetail
from brandpulse.reports.web.settings import Dashboard
from brandpulse.reports.web.windows import Window
from brandpulse.storage.queries import breakdown, top_authors

router = APIRouter(prefix="/api", tags=["brands"], dependencies=Guarded)


def _breakdown(db: Connection, board: Dashboard, window: Window, brand: str, by: str) -> list[dict[str, Any]]:
    frame = breakdown(db, model_id=board.model_id, by=by, start=window.start, end=window.end, brand_names=[brand])
    if window.languages and by == "language":
        frame = frame[frame["key"].isin(window.languages)]
    rows = records(frame.drop(columns="brand"))
    for row in rows:
        value = None if row["key"] == "unknown" else row["key"]
        filters = {"language": value} if by == "language" else {"source": value, "language": window.languages or None}
        row["mentions_link"] = links.explorer(brand=brand, since=window.start, until=window.end, **filters)
    return rows


@router.get("/brands/{brand}", response_model=BrandDetail,
            summary="One brand: trend, sources, languages, share of voice over time, top authors, alerts")
def brand_detail(brand: str, board: Board, db: Db, now: Now, window: TimeWindow) -> dict[str, Any]:
    if brand not in board.brands:
        raise HTTPException(404, f"unknown brand {brand!r}")
    peers = board.peers(brand)
    frames = figures.brand_counts(board, db, window, now, peers)
    volumes = {name: int(frame[frame.index >= window.start]["volume"].sum()) for name, frame in frames.items()}
    card = figures.brand_figures(board, db, window, brand, frames[brand], sum(volumes.values()))
    alerts = load_alerts(db, now)
    card["alert_periods"] = alerts_between(alerts, window.start, window.end, [brand])
    card["firing_alerts"] = [a for a in alerts if a["brand"] == brand and a["state"] in ("pending", "firing")]
    authors = records(top_authors(db, model_id=board.model_id, brand=brand, start=window.start, end=window.end,
                                  languages=window.languages))
    for row in authors:
        row["mentions_link"] = links.explorer(brand=brand, author=row["author"], since=window.start, until=window.end)
    return {"window": window.describe(), "overview": card, "peers": peers,
            "sources": _breakdown(db, board, window, brand, "source"),
            "languages": _breakdown(db, board, window, brand, "language"),
            "share_of_voice": figures.share_of_voice(frames, window, peers), "top_authors": authors}
