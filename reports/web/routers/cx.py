"""`/api/cx/map` and `/api/cx/figures`: the CX page's numbers, from the same frames as the feedback
report's CX section (`reports.cx_map`, `reports.cx`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from brandpulse.reports.cx import cx_figures
from brandpulse.reports.cx_map import cx_map
from brandpulse.reports.web.deps import Board, Db, Guarded, Now, TimeWindow
from brandpulse.reports.web.models import CxFiguresOut, CxMapOut
from brandpulse.reports.web.settings import Dashboard

router = APIRouter(prefix="/api/cx", tags=["customer experience"], dependencies=Guarded)
BrandParam = Annotated[str | None, Query(description="Only this brand (default: every configured brand)")]


def _brands(board: Dashboard, brand: str | None) -> list[str]:
    if brand is not None and brand not in board.brands:
        raise HTTPException(404, f"unknown brand {brand!r}")
    return [brand] if brand else list(board.brands)


@router.get("/map", response_model=CxMapOut,
            summary="Touchpoint x journey stage: mentions, net sentiment and anger, against the previous period, "
                    "with example posts")
def cx_map_api(board: Board, db: Db, window: TimeWindow, brand: BrandParam = None) -> dict[str, Any]:
    found = cx_map(db, model_id=board.model_id, start=window.start, end=window.end,
                   brand_names=_brands(board, brand), languages=window.languages)
    return {**found.to_dict(), "window": window.describe(), "brand": brand}


@router.get("/figures", response_model=CxFiguresOut,
            summary="Response figures of the cases opened in the window: rate, first-response times, share "
                    "within SLA; per source, per touchpoint and over time (languages do not apply)")
def cx_figures_api(board: Board, db: Db, now: Now, window: TimeWindow, brand: BrandParam = None) -> dict[str, Any]:
    _brands(board, brand)
    figures = cx_figures(db, start=window.start, end=window.end, targets=board.response_targets, now=now,
                         brand=brand)
    return {**figures.to_dict(), "window": window.describe(), "brand": brand,
            "targets": board.response_targets}
