"""`/api/themes`: a brand's complaint themes over a window (reports.feedback), cached per window."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from brandpulse.reports.feedback import complaint_themes
from brandpulse.reports.web.deps import Board, Guarded, TimeWindow
from brandpulse.reports.web.models import Themes

router = APIRouter(prefix="/api", tags=["reports"], dependencies=Guarded)


@router.get("/themes", response_model=Themes, summary="Complaint themes of a brand over the window")
def themes(board: Board, window: TimeWindow,
           brand: Annotated[str, Query(description="Brand name")]) -> dict[str, Any]:
    if brand not in board.brands:
        raise HTTPException(404, f"unknown brand {brand!r}")
    span = {"brand": brand, "start": window.start, "end": window.end}
    embed = board.embed
    if embed is None:
        return {**span, "available": False, "reason": "no embedding model is loaded", "themes": []}

    def compute() -> dict[str, Any]:
        result, note = complaint_themes(board.engine, brand, window.start, window.end, model_id=board.model_id,
                                        embed=embed, exclude=[brand, *board.exclude_terms.get(brand, [])],
                                        sample=board.theme_sample, previous_sample=board.theme_sample // 2)
        if result is None:
            return {"available": True, "themes": [], "total": 0, "sampled": 0, "clustered": 0, "note": note}
        return {"available": True, **result.to_dict(), "note": note}

    return {**span, **board.themes.get((brand, window.start, window.end), compute)}
