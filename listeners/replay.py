"""Replays a recorded stream of mentions (JSONL, optionally ``.gz``) in simulated time.

Each line is one JSON object with `Mention`'s fields (``created_at`` in ISO 8601; the column
aliases of `listeners.files` are accepted too) and usually a ``brand`` hint. The file is read once
(again when it changes on disk) and ordered by (``created_at``, ``external_id``). A fetch returns, in
pages of ``page_size``, the mentions with ``created_at <= clock()`` after the cursor, so with a clock
that advances each fetch "publishes" what happened since the last one. The cursor is the last replayed
position::

    {"last": ["<created_at ISO>", "<external_id>"], "pos": <index>}

(``pos`` is informational; resuming bisects on ``last``, so a re-sorted or extended file still resumes
at the right place). Like every listener it applies the brand's client-side filter; with
``prefilter_brand`` it first keeps only lines whose ``brand`` hint is this brand (lines without a hint
are kept). Mentions keep the ``source`` recorded in the file (``source_override`` replaces it); their
``brand`` is the query's brand. Malformed lines are skipped, logged with their line number and counted
once, in the first batch after the file is (re)loaded.
"""

from __future__ import annotations

import bisect
import gzip
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import Field

from .base import ApiListener, SourceSettings
from .errors import SourceUnavailable
from .files import mention_from_record
from .query import BrandQuery, fold
from .records import Batch, BatchStats, Cursor, Mention, ReplayCursor, utc

SOURCE = "replay"
log = logging.getLogger("brandpulse.listeners.replay")


class Settings(SourceSettings):
    path: Path
    page_size: int = Field(default=500, ge=1)
    max_pages: int = Field(default=1000, ge=1)
    # Widens the shared setting (None replays the whole recording); pydantic lets a model redefine a
    # parent's field, and nothing reads lookback through `SourceSettings`.
    lookback: timedelta | None = Field(  # type: ignore[assignment]
        default=None, ge=timedelta(0), description="first fetch: None = from the start")
    interval: timedelta = Field(default=timedelta(minutes=1), gt=timedelta(0))
    prefilter_brand: bool = True
    source_override: str | None = None


@dataclass(slots=True)
class _Loaded:
    signature: tuple[float, int]
    mentions: list[Mention]
    hints: list[str | None]
    keys: list[tuple[str, str]]
    skipped: list[str]


class ReplayListener(ApiListener):
    """Reads a local file: the base class's retry policy and `base_url` go unused."""

    source = SOURCE
    log = log
    settings: Settings

    def __init__(self, settings: Settings, **options: Any) -> None:
        super().__init__(settings, **options)
        self._loaded: _Loaded | None = None
        self._unreported: list[str] = []

    def _load(self) -> _Loaded:
        path = Path(self.settings.path)
        try:
            stat = path.stat()
        except OSError as exc:
            raise SourceUnavailable(SOURCE, f"cannot read {path}: {exc.strerror or exc}") from exc
        signature = (stat.st_mtime, stat.st_size)
        if self._loaded is not None and self._loaded.signature == signature:
            return self._loaded
        rows: list[tuple[tuple[str, str], Mention, str | None]] = []
        skipped: list[str] = []
        opener = gzip.open if path.suffix.lower() == ".gz" else open
        try:
            with opener(path, "rt", encoding="utf-8-sig", errors="replace") as handle:
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        record = json.loads(line)
                        mention = mention_from_record(record, brand="?", source=self.settings.source_override
                                                      or "replay", override_brand=True)
                    except ValueError as exc:
                        skipped.append(f"line {number}")
                        log.warning("replay: skipping line %d of %s: %s", number, path.name, exc)
                        continue
                    if self.settings.source_override:
                        mention.source = self.settings.source_override
                    hint = record.get("brand") if isinstance(record.get("brand"), str) else None
                    key = (mention.created_at.isoformat(), mention.external_id)
                    rows.append((key, mention, fold(hint) if hint else None))
        except (OSError, EOFError) as exc:
            raise SourceUnavailable(SOURCE, f"cannot read {path}: {exc}") from exc
        rows.sort(key=lambda row: row[0])
        self._loaded = _Loaded(signature, [r[1] for r in rows], [r[2] for r in rows], [r[0] for r in rows],
                               skipped)
        self._unreported = list(skipped)
        log.info("replay: loaded %d mentions from %s (%d malformed lines skipped)", len(rows), path.name,
                 len(skipped))
        return self._loaded

    def fetch(self, query: BrandQuery, cursor: Cursor | None) -> Iterator[Batch]:
        data = self._load()
        now = utc(self.clock())
        state = ReplayCursor.load(cursor)
        start = self._start(data, state, now)
        end = bisect.bisect_right(data.keys, (now.isoformat(), "\uffff"))
        pages = 0
        for position in range(start, end, self.settings.page_size):
            if pages == self.settings.max_pages:
                break
            stop = min(end, position + self.settings.page_size)
            stats = self._new_stats()
            mentions = self._matching(data, range(position, stop), query, now, stats)
            pages += 1
            if stop < end and pages == self.settings.max_pages:
                stats.stop_reason = "page limit; the next fetch continues"
            yield Batch(mentions, ReplayCursor(last=data.keys[stop - 1], pos=stop).dump(), stats)
        if pages == 0:
            at = state if state.last is not None else ReplayCursor(
                last=data.keys[start - 1] if start > 0 else None, pos=start or None)
            yield Batch([], at.dump(), self._new_stats())

    def _start(self, data: _Loaded, state: ReplayCursor, now: datetime) -> int:
        """Where a fetch starts: after the cursor's last mention, else at the look-back, else at the beginning."""
        if state.last is not None:
            return bisect.bisect_right(data.keys, state.last)
        if self.settings.lookback is not None:
            since = (now - self.settings.lookback).isoformat()
            return bisect.bisect_left(data.keys, (since, ""))
        return 0

    def _new_stats(self) -> BatchStats:
        """A batch's stats, carrying the malformed lines of the file not yet reported in a batch."""
        stats = BatchStats(calls=1)
        stats.skipped, stats.skipped_ids, self._unreported = len(self._unreported), self._unreported, []
        return stats

    def _matching(self, data: _Loaded, indices: range, query: BrandQuery, now: datetime,
                  stats: BatchStats) -> list[Mention]:
        """The mentions at `indices` that match the brand's query, as that brand's; the rest counted filtered."""
        brand = fold(query.brand)
        mentions: list[Mention] = []
        for index in indices:
            stats.fetched += 1
            original = data.mentions[index]
            other_brand = self.settings.prefilter_brand and data.hints[index] not in (None, brand)
            if other_brand or not query.matches(original.text, original.language):
                stats.filtered += 1
            else:
                mentions.append(_for_brand(original, query, now))
        return mentions


def _for_brand(original: Mention, query: BrandQuery, now: datetime) -> Mention:
    raw: dict[str, Any] = dict(original.raw)
    return Mention(
        source=original.source, external_id=original.external_id, text=original.text,
        created_at=original.created_at, brand=query.brand, url=original.url, author_id=original.author_id,
        author_handle=original.author_handle, author_reach=original.author_reach, language=original.language,
        fetched_at=now, matched_query=query.matched_query, engagement=original.engagement,
        thread_id=original.thread_id, parent_id=original.parent_id, raw=raw)


create = ReplayListener.create
