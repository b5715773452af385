"""The mentions explorer's API: filtered pages, the CSV export and the values the filters offer."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import StreamingResponse

from brandpulse.reports.web.deps import Board, Db, Guarded, Now
from brandpulse.reports.web.frames import records
from brandpulse.reports.web.models import Facets, MentionPage
from brandpulse.storage.queries import (
    MENTION_COLUMNS,
    MentionFilter,
    count_mentions,
    distinct_values,
    find_mentions,
    iter_mentions,
)

router = APIRouter(prefix="/api", tags=["mentions"], dependencies=Guarded)
LABELS = ["negative", "neutral", "positive", "unscored"]
CSV_LIMIT = 1_000_000


def parse_time(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(422, f"{name}: {value!r} is not an ISO 8601 date or time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Filters:
    """The explorer's query parameters (shared by the page of mentions and the CSV export)."""

    brand: list[str]
    source: list[str]
    sentiment: list[str]
    language: list[str]
    author: list[str]
    since: datetime | None
    until: datetime | None
    q: str | None

    def query(self, board: Any, limit: int | None, offset: int = 0) -> MentionFilter:
        return MentionFilter(model_id=board.model_id, brands=self.brand, sources=self.source, labels=self.sentiment,
                             languages=self.language, authors=self.author, since=self.since, until=self.until,
                             text=self.q or None, limit=limit, offset=offset)


def filters(brand: Annotated[list[str] | None, Query(description="Brand name (repeatable)")] = None,
            source: Annotated[list[str] | None, Query(description="Source, e.g. x, reddit (repeatable)")] = None,
            sentiment: Annotated[list[str] | None, Query(description="negative, neutral, positive or unscored "
                                                         "(repeatable)")] = None,
            language: Annotated[list[str] | None, Query(description="Language code (repeatable)")] = None,
            author: Annotated[list[str] | None, Query(description="Author handle (repeatable)")] = None,
            since: Annotated[str | None, Query(description="From this UTC time (ISO 8601)")] = None,
            until: Annotated[str | None, Query(description="Before this UTC time (ISO 8601)")] = None,
            q: Annotated[str | None, Query(max_length=200, description="Text contains (case-insensitive)")] = None,
            ) -> Filters:
    if set(sentiment or []) - set(LABELS):
        raise HTTPException(422, f"sentiment must be one of {', '.join(LABELS)}")
    return Filters(brand or [], source or [], sentiment or [], language or [], author or [],
                   parse_time(since, "since"), parse_time(until, "until"), q)


Chosen = Annotated[Filters, Depends(filters)]


@router.get("/mentions", response_model=MentionPage, summary="Mentions matching the filters, newest first")
def mentions(board: Board, db: Db, chosen: Chosen, limit: Annotated[int, Query(ge=1, le=500)] = 50,
             offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
             count: Annotated[bool, Query(description="Also count all matches (up to 10,000; slower)")] = False,
             ) -> dict[str, Any]:
    query = chosen.query(board, limit + 1, offset)
    frame = find_mentions(db, query)
    total = count_mentions(db, query) if count else None
    return {"items": records(frame.head(limit)), "has_more": len(frame) > limit, "limit": limit, "offset": offset,
            "total": total, "total_capped": total is not None and total >= 10_000}


def csv_cell(value: Any) -> Any:
    """A CSV cell; text that a spreadsheet would run as a formula (=, +, -, @) is prefixed with '."""
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@router.get("/mentions.csv", response_class=StreamingResponse, summary="The filtered mentions as CSV")
def mentions_csv(board: Board, now: Now, chosen: Chosen) -> StreamingResponse:
    query = chosen.query(board, CSV_LIMIT)

    def rows() -> Iterator[str]:  # its own connection: the response streams after the route returns
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(MENTION_COLUMNS)
        with board.engine.connect() as connection:
            for frame in iter_mentions(connection, query):
                for row in frame.itertuples(index=False):
                    writer.writerow([csv_cell(value) for value in row])
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(rows(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="mentions-{now:%Y%m%d-%H%M%S}.csv"'})


@router.get("/facets", response_model=Facets, summary="Values the explorer's filters offer")
def facets(board: Board, db: Db) -> dict[str, Any]:
    return board.facets.get("facets", lambda: {
        "brands": board.brands, "sources": distinct_values(db, "source"),
        "languages": distinct_values(db, "language"), "sentiments": LABELS})
