"""The CX map: which touchpoint at which journey stage people talk about, how they feel about it,
and what moved most against the previous period of equal length.

    cx = cx_map(connection, model_id="m1", start=start, end=end, brand_names=["Lumora"])
    cx.headline          # "Delivery at purchase moved most: 42 mentions (+30), 31 negative (+25) ..."

One frame for the dashboard's CX page (`/api/cx/map`) and the feedback report's CX section, so both
show the same figures. Each cell of touchpoint x stage has its volume, net sentiment ((positive -
negative) / scored), negative share and anger share (angry / scored, None when the scorer gives no
emotions), each with its change; each touchpoint has a few example posts, trimmed.

What moved most: the cell with the largest |change in mentions| + |change in negative mentions|, so
a cell where complaints grow counts twice, and one whose praise grows counts once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TypedDict

import pandas as pd
from sqlalchemy import Connection

from brandpulse.sentiment.touchpoints import DEFAULT_TAXONOMY
from brandpulse.storage.cx import CELL_COLUMNS, cx_cells, cx_quotes

#: Characters of a post an example quote keeps.
QUOTE_CHARS = 280
#: Stages in journey order (the default taxonomy's); stages of another taxonomy follow, by name.
JOURNEY = [label.name for label in DEFAULT_TAXONOMY.stages]


@dataclass(frozen=True, slots=True)
class CellFigures:
    volume: int = 0
    scored: int = 0
    negative: int = 0
    neutral: int = 0
    positive: int = 0
    angry: int = 0
    emotional: int = 0

    @property
    def net_sentiment(self) -> float | None:
        return (self.positive - self.negative) / self.scored if self.scored else None

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.scored if self.scored else None

    @property
    def anger_share(self) -> float | None:
        return self.angry / self.scored if self.scored and self.emotional else None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "net_sentiment": self.net_sentiment, "negative_share": self.negative_share,
                "anger_share": self.anger_share}


def _difference(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


@dataclass(frozen=True, slots=True)
class CxCell:
    touchpoint: str
    stage: str
    now: CellFigures
    before: CellFigures

    @property
    def volume_change(self) -> float | None:
        """Relative change of mentions (0.5 = +50 %); None without earlier ones."""
        return (self.now.volume - self.before.volume) / self.before.volume if self.before.volume else None

    @property
    def movement(self) -> int:
        return abs(self.now.volume - self.before.volume) + abs(self.now.negative - self.before.negative)

    def to_dict(self) -> dict[str, Any]:
        return {"touchpoint": self.touchpoint, "stage": self.stage, **self.now.to_dict(),
                "previous": self.before.to_dict(), "volume_change": self.volume_change,
                "net_sentiment_change": _difference(self.now.net_sentiment, self.before.net_sentiment),
                "negative_share_change": _difference(self.now.negative_share, self.before.negative_share),
                "anger_share_change": _difference(self.now.anger_share, self.before.anger_share),
                "movement": self.movement}


@dataclass
class CxMap:
    start: datetime
    end: datetime
    previous_start: datetime
    #: Touchpoints by mentions in the window (most first), then those only the previous period had.
    touchpoints: list[str]
    #: Journey stages in journey order.
    stages: list[str]
    cells: list[CxCell]
    #: Example posts per touchpoint (`storage.cx.QUOTE_COLUMNS`, text trimmed to `QUOTE_CHARS`).
    quotes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def biggest_change(self) -> CxCell | None:
        moved = [cell for cell in self.cells if cell.movement > 0]
        return max(moved, key=lambda cell: (cell.movement, cell.now.negative, cell.now.volume)) if moved else None

    @property
    def headline(self) -> str | None:
        """What changed most, in one sentence (None when nothing moved)."""
        cell = self.biggest_change
        return None if cell is None else headline(cell)

    def to_dict(self) -> dict[str, Any]:
        biggest = self.biggest_change
        return {"start": self.start, "end": self.end, "previous_start": self.previous_start,
                "touchpoints": self.touchpoints, "stages": self.stages,
                "cells": [cell.to_dict() for cell in self.cells], "quotes": self.quotes,
                "biggest_change": biggest.to_dict() if biggest else None, "headline": self.headline}


def label(name: str) -> str:
    """A tag for people: "customer_service" -> "Customer service"."""
    return name.replace("_", " ").capitalize()


def _signed(value: float) -> str:
    return f"{value:+.0f}"


def headline(cell: CxCell) -> str:
    now, before = cell.now, cell.before
    parts = [f"{now.volume:,} mentions ({_signed(now.volume - before.volume)})",
             f"{now.negative:,} negative ({_signed(now.negative - before.negative)})"]
    if now.net_sentiment is not None:
        change = _difference(now.net_sentiment, before.net_sentiment)
        parts.append(f"net sentiment {now.net_sentiment * 100:+.0f}"
                     + (f" ({change * 100:+.0f} pts)" if change is not None else ""))
    if now.anger_share is not None:
        change = _difference(now.anger_share, before.anger_share)
        parts.append(f"anger {now.anger_share:.0%}" + (f" ({change * 100:+.0f} pts)" if change is not None else ""))
    return (f"{label(cell.touchpoint)} at the {cell.stage.replace('_', ' ')} stage moved most against the previous "
            f"period: {', '.join(parts)}.")


def trim(text: str, chars: int = QUOTE_CHARS) -> str:
    """`text` in at most `chars` characters, cut at a word where one is near, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= chars:
        return text
    cut = text[:chars - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > chars * 0.6 else cut).rstrip(" ,;:.") + "…"


def _figures(frame: pd.DataFrame) -> dict[tuple[str, str], CellFigures]:
    counts = CELL_COLUMNS[2:]
    return {(row["touchpoint"], row["stage"]): CellFigures(**{name: int(row[name]) for name in counts})
            for row in frame.to_dict("records", into=dict[str, Any]())}


class _Scope(TypedDict):
    """The mentions a map counts, as `storage.cx`'s queries take them."""

    model_id: str
    brand_names: Sequence[str] | None
    languages: Sequence[str]


def _stage_order(stages: set[str]) -> list[str]:
    return [name for name in JOURNEY if name in stages] + sorted(stages - set(JOURNEY))


def cx_map(connection: Connection, *, model_id: str, start: datetime, end: datetime,
           brand_names: Sequence[str] | None = None, languages: Sequence[str] = (), quotes: int = 3) -> CxMap:
    """The map of [start, end) against [start - (end - start), start) for `brand_names` (default: all)
    and `languages` (default: all)."""
    previous_start = start - (end - start)
    chosen: _Scope = {"model_id": model_id, "brand_names": brand_names, "languages": languages}
    now = _figures(cx_cells(connection, start=start, end=end, **chosen))
    before = _figures(cx_cells(connection, start=previous_start, end=start, **chosen))
    examples = cx_quotes(connection, start=start, end=end, per_touchpoint=quotes, **chosen)
    volume: dict[str, int] = {}
    for (touchpoint, _), figures in now.items():
        volume[touchpoint] = volume.get(touchpoint, 0) + figures.volume
    touchpoints = sorted(volume, key=lambda name: (-volume[name], name))
    touchpoints += sorted({touchpoint for touchpoint, _ in before} - set(volume))
    cells = [CxCell(touchpoint, stage, now.get((touchpoint, stage), CellFigures()),
                    before.get((touchpoint, stage), CellFigures()))
             for touchpoint, stage in sorted(now.keys() | before.keys())]
    by_touchpoint: dict[str, list[dict[str, Any]]] = {}
    for row in examples.to_dict("records", into=dict[str, Any]()):
        plain = {name: None if isinstance(value, float) and value != value else value for name, value in row.items()}
        by_touchpoint.setdefault(row["touchpoint"], []).append({**plain, "text": trim(row["text"])})
    return CxMap(start=start, end=end, previous_start=previous_start, touchpoints=touchpoints,
                 stages=_stage_order({stage for _, stage in now.keys() | before.keys()}), cells=cells,
                 quotes=by_touchpoint)
