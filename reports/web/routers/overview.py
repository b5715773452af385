"""`/api/overview`: what needs attention now, and each brand's window against the period before."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from sqlalchemy import Connection

from brandpulse.reports.alerts_view import alerts_between
from brandpulse.reports.web import figures
from brandpulse.reports.web.alert_data import load_alerts
from brandpulse.reports.web.deps import Board, Db, Guarded, Now, TimeWindow
from brandpulse.reports.web.figures import closed_then_live
from brandpulse.reports.web.frames import records
from brandpulse.reports.web.models import Overview
from brandpulse.reports.web.settings import Dashboard
from brandpulse.reports.web.windows import Window
from brandpulse.storage.queries import mention_span, most_reached

router = APIRouter(prefix="/api", tags=["overview"], dependencies=Guarded)


def brand_cards(board: Dashboard, db: Connection, window: Window, now: datetime,
                alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every configured brand's card with its alert periods and firing alerts."""
    counted = board.counted_brands()
    frames = figures.brand_counts(board, db, window, now, counted)
    volumes = {name: int(frame[frame.index >= window.start]["volume"].sum()) for name, frame in frames.items()}
    cards = []
    for brand in board.brands:
        voice = sum(volumes.get(name, 0) for name in board.peers(brand))
        card = figures.brand_figures(board, db, window, brand, frames[brand], voice)
        card["alert_periods"] = alerts_between(alerts, window.start, window.end, [brand])
        card["firing_alerts"] = [a for a in alerts if a["brand"] == brand and a["state"] in ("pending", "firing")]
        cards.append(card)
    return cards


#: The most urgent mentions are the most-reached negative ones of the window's last days (a long window's
#: first weeks are history, not urgency).
URGENT_DAYS = 7


def urgent_since(window: Window) -> datetime:
    return max(window.start, window.end - timedelta(days=URGENT_DAYS))


def most_urgent(board: Dashboard, db: Connection, window: Window, now: datetime,
                limit: int = 6) -> list[dict[str, Any]]:
    """The most-reached negative mentions since `urgent_since`: the best of the days before today and of today."""
    def top(start: datetime, end: datetime) -> list[dict[str, Any]]:
        return records(most_reached(db, model_id=board.model_id, start=start, end=end, brand_names=board.brands,
                                    languages=window.languages, limit=limit))

    key = ("urgent", tuple(board.brands), tuple(window.languages), limit)
    found = [row for part in closed_then_live(board, key, urgent_since(window), window.end, now, top) for row in part]
    return sorted(found, key=lambda row: -row["reach"])[:limit]


@router.get("/overview", response_model=Overview,
            summary="What needs attention: active alerts, the most urgent mentions, each brand's trend and change")
def overview(board: Board, db: Db, now: Now, window: TimeWindow) -> dict[str, Any]:
    alerts = load_alerts(db, now)
    urgent = most_urgent(board, db, window, now)
    first, latest = mention_span(db)
    return {"window": window.describe(), "start": window.start, "end": window.end, "model_id": board.model_id,
            "brands": brand_cards(board, db, window, now, alerts),
            "alerts": [a for a in alerts if a["state"] in ("pending", "firing")],
            "urgent_mentions": urgent, "urgent_since": urgent_since(window), "latest_mention": latest,
            "first_mention": first}
