"""Hacker News through its Algolia API (``/api/v1/search_by_date``) with requests.

Algolia has no OR, so the brand query becomes one search per alternative (`to_algolia`); each is
walked newest first with keyset pagination on ``created_at_i`` (``numericFilters``), which page
numbers cannot match (they shift as stories arrive, and Algolia stops at 1,000 hits). The cursor
keeps one `Walk` per search, keyed by its text, so a changed brand query starts fresh searches::

    {"queries": {"acme phone": <walk>, "\\"acme corp\\"": <walk>}}

Stories are ``title`` plus ``story_text``, comments ``comment_text``; both are HTML reduced to text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field

from .base import (
    ApiListener,
    Collector,
    Mark,
    SourceSettings,
    Walk,
    WalkSteps,
    classify_requests,
    parse_time,
    require,
    run_walk,
)
from .errors import SourceUnavailable
from .query import BrandQuery, to_algolia
from .records import Batch, BatchStats, Cursor, Engagement, HackerNewsCursor, Mention
from .text import html_to_text

SOURCE = "hackernews"
log = logging.getLogger("brandpulse.listeners.hackernews")
API_URL = "https://hn.algolia.com"

ItemType = Literal["story", "comment"]
_ITEM_TYPES: tuple[ItemType, ...] = ("story", "comment")


class Settings(SourceSettings):
    page_size: int = Field(default=100, ge=1, le=1000, description="hitsPerPage")
    item_types: list[ItemType] = Field(default_factory=lambda: list(_ITEM_TYPES))
    max_queries: int = Field(default=8, ge=1, description="searches one brand query may expand to")


def _epoch(hit: Any) -> int | None:
    """A hit's ``created_at_i`` as an integer, whether it came as a number or as text; else None."""
    value = hit.get("created_at_i") if isinstance(hit, dict) else None
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


class HackerNewsListener(ApiListener):
    source = SOURCE
    log = log
    settings: Settings

    def __init__(self, settings: Settings, *, base_url: str | None = None, **options: Any) -> None:
        super().__init__(settings, base_url=base_url or API_URL, **options)
        self.session = self.http_session()

    def _get(self, params: dict[str, Any], stats: BatchStats) -> dict[str, Any]:
        def call() -> dict[str, Any]:
            response = self.session.get(f"{self.base_url}/api/v1/search_by_date", params=params,
                                        timeout=self.settings.timeout.total_seconds())
            response.raise_for_status()
            try:
                body = response.json()
            except ValueError as exc:
                raise SourceUnavailable(SOURCE, "search returned invalid JSON") from exc
            return body if isinstance(body, dict) else {}

        return self.retrier.call("search_by_date", call,
                                 lambda e: classify_requests(e, now=self.clock().timestamp()), stats)

    def _mention(self, hit: dict[str, Any], query: BrandQuery) -> Mention | None:
        if not isinstance(hit, dict):
            raise ValueError("not an object")
        object_id = str(require(hit.get("objectID"), "objectID"))
        epoch = _epoch(hit)
        created = parse_time(epoch if epoch is not None else require(hit.get("created_at"), "created_at"))
        tags = hit.get("_tags") or []
        if hit.get("comment_text") is not None or "comment" in tags:
            text = html_to_text(hit.get("comment_text"))
        else:
            title = hit.get("title") or hit.get("story_title") or ""
            body = html_to_text(hit.get("story_text"))
            text = "\n\n".join(part for part in (title, body) if part)
        text = require(text, "text")
        if not query.matches(text):
            return None
        story = hit.get("story_id")
        parent = hit.get("parent_id")
        return Mention(
            source=SOURCE, external_id=object_id, text=text, created_at=created, brand=query.brand,
            url=f"https://news.ycombinator.com/item?id={object_id}", author_handle=hit.get("author"),
            fetched_at=self.clock(), matched_query=query.matched_query,
            engagement=Engagement(likes=int(hit.get("points") or 0), replies=int(hit.get("num_comments") or 0)),
            thread_id=str(story) if story is not None else object_id,
            parent_id=str(parent) if parent is not None else None,
            raw={k: v for k, v in hit.items() if k != "_highlightResult"},
        )

    def fetch(self, query: BrandQuery, cursor: Cursor | None) -> Iterator[Batch]:
        searches = to_algolia(query, max_queries=self.settings.max_queries)
        stored = HackerNewsCursor.load(cursor).queries
        out = HackerNewsCursor(queries={s.query: stored.get(s.query) for s in searches})
        collector = Collector(SOURCE, log)
        for search in searches:
            yield from self._walk(search.query, query, out, collector)

    def _walk(self, text: str, query: BrandQuery, out: HackerNewsCursor, collector: Collector) -> Iterator[Batch]:
        walk = Walk.of(out.queries.get(text))
        if walk.floor is None and not walk.in_progress:
            walk.floor = Mark(float(int((self.clock() - self.settings.lookback).timestamp())),
                              [])

        def key(hit: dict[str, Any]) -> tuple[float, str]:
            return float(require(_epoch(hit), "created_at_i")), str(hit["objectID"])

        def cursor() -> Cursor:
            out.queries[text] = walk.state()
            return out.dump()

        steps = WalkSteps(fetch=lambda token, stats: self._search_page(text, walk.floor, token, stats), key=key,
                          convert=lambda hit: self._mention(hit, query),
                          id_of=lambda hit: hit.get("objectID") if isinstance(hit, dict) else None,
                          cursor=cursor, offset_paging=True, label=f"walk of {text!r}")
        yield from run_walk(walk, steps, pages=self.settings.max_pages, collector=collector)

    def _search_page(self, text: str, floor: Mark | None, token: Any, stats: BatchStats) -> tuple[list[Any], Any]:
        """One page of a search, newest first, between the walk's floor and `token`, and the next page's token.

        token: [upper bound on created_at_i, page number among items at or below it]; the page number
        only grows while more than a page of items share the bound's second.
        """
        upper, page_no = (token[0], token[1]) if isinstance(token, list) else (token, 0)
        types = self.settings.item_types
        params = {"query": text, "tags": types[0] if len(types) == 1 else "(" + ",".join(types) + ")",
                  "hitsPerPage": self.settings.page_size, "page": page_no}
        filters = [f"created_at_i>={int(floor.value)}"] if floor is not None else []
        if upper is not None:
            filters.append(f"created_at_i<={int(upper)}")
        if filters:
            params["numericFilters"] = ",".join(filters)
        hits = self._get(params, stats).get("hits") or []
        hits = hits if isinstance(hits, list) else []
        return hits, _next_token(hits, self.settings.page_size, upper, page_no)


def _next_token(hits: list[Any], size: int, upper: Any, page_no: int) -> list[int] | None:
    """Keyset paging: the next page holds what is older than this page's oldest second, or, when a
    whole page shares the bound's second, the next page within it; None after a short page."""
    if len(hits) < size:
        return None
    values = [value for value in map(_epoch, hits) if value is not None]
    if not values:
        return None
    lowest = min(values)
    if upper is not None and lowest >= int(upper):
        return [int(upper), page_no + 1]
    return [lowest, 0]


create = HackerNewsListener.create
