"""The records every listener produces, and the typed cursors they resume from."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Protocol, Self, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .query import BrandQuery

#: A cursor as storage keeps it: the JSON form of a listener's `CursorState`, opaque to everyone else.
Cursor = dict[str, Any]

log = logging.getLogger("listeners")


# --------------------------------------------------------------------------------------------------
# Cursors: one typed model per listener, read and written here only
# --------------------------------------------------------------------------------------------------


class _State(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)


class CursorState(_State):
    """A listener's resume point. `load` reads storage's JSON (a cursor that does not validate is
    logged and the listener starts afresh rather than failing every run); `dump` writes a fresh
    JSON document, so a batch's cursor never shares state with the listener that goes on.
    `omit_unset` leaves fields that are None out of it; `omit_empty` names fields left out while
    they are empty (the brand accounts' states, absent from the cursors of brands without accounts)."""

    omit_unset: ClassVar[bool] = False
    omit_empty: ClassVar[tuple[str, ...]] = ("accounts", "replies")

    @classmethod
    def load(cls, data: Cursor | None) -> Self:
        if not data:
            return cls()
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            log.warning("%s: unreadable stored cursor, starting afresh: %s", cls.__name__,
                        str(error).splitlines()[0])
            return cls()

    def dump(self) -> Cursor:
        data = self.model_dump(mode="json", exclude_none=self.omit_unset)
        for name in self.omit_empty:
            if name in data and not data[name]:
                del data[name]
        return data


class MarkState(_State):
    """`base.Mark`: the largest value (time or numeric id) seen and the ids seen at it."""

    value: float
    ids: list[str] = Field(default_factory=list)


class WalkState(_State):
    """`base.Walk`: a newest-first walk's floor, next-page token and the range it has seen."""

    floor: MarkState | None = None
    token: Any = None
    top: MarkState | None = None
    bottom: MarkState | None = None


class XWalk(_State):
    endpoint: Literal["recent", "all"] = "recent"
    next_token: str | None = None
    newest_id: str | None = None
    start_time: str | None = None


class XSearch(_State):
    """One search's ``since_id`` (of its last completed walk) and the walk in progress."""

    since_id: str | None = None
    walk: XWalk | None = None


class XCursor(CursorState):
    """Search: ``since_id`` of the last completed walk and the walk in progress. The stream keeps
    ``since_id`` only (the newest post its rule delivered), so both modes continue each other.
    ``replies`` is the search for the brand accounts' replies (``from:<account> is:reply``)."""

    since_id: str | None = None
    walk: XWalk | None = None
    replies: XSearch | None = None


class RedditThread(_State):
    created: float
    mark: MarkState | None = None


class RedditCursor(CursorState):
    submissions: WalkState = Field(default_factory=WalkState)
    comments: WalkState = Field(default_factory=WalkState)
    threads: dict[str, RedditThread] = Field(default_factory=dict)
    #: The brand accounts' comment listings (``/user/<name>/comments``), by account name.
    accounts: dict[str, WalkState] = Field(default_factory=dict)


class MastodonTag(_State):
    min_id: str | None = None
    recent: list[str] = Field(default_factory=list)


class MastodonAccount(_State):
    """A brand account's statuses: its id on the instance, and the newest status read."""

    id: str
    min_id: str | None = None


class MastodonCursor(CursorState):
    tags: dict[str, MastodonTag] = Field(default_factory=dict)
    search: dict[str, WalkState | None] = Field(default_factory=dict)
    accounts: dict[str, MastodonAccount] = Field(default_factory=dict)


class BlueskyCursor(CursorState):
    walk: WalkState = Field(default_factory=WalkState)
    #: The brand accounts' author feeds (``getAuthorFeed``, replies included), by handle.
    accounts: dict[str, WalkState] = Field(default_factory=dict)


class HackerNewsCursor(CursorState):
    queries: dict[str, WalkState | None] = Field(default_factory=dict)


class RssFeed(_State):
    etag: str | None = None
    modified: str | None = None
    seen: list[str] = Field(default_factory=list)


class RssCursor(CursorState):
    feeds: dict[str, RssFeed] = Field(default_factory=dict)


class ReplayCursor(CursorState):
    """The last replayed (time, id) and its position; empty before the first."""

    omit_unset: ClassVar[bool] = True

    last: tuple[str, str] | None = None
    pos: int | None = None


def utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted, so storage only ever sees UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Engagement:
    """Counts as the source reported them; None where the source sent none (unknown, not zero)."""

    likes: int | None = 0
    reposts: int | None = 0
    replies: int | None = 0
    quotes: int | None = 0
    views: int | None = None


@dataclass(slots=True)
class Mention:
    """One post, comment or article that matched a brand's query.

    `(source, external_id)` identifies it across retries and replays; `raw` keeps the API's own
    payload so that a later version of a listener can re-derive fields without re-fetching.
    """

    source: str
    external_id: str
    text: str
    created_at: datetime
    brand: str
    url: str | None = None
    author_id: str | None = None
    author_handle: str | None = None
    author_reach: int | None = None
    language: str | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    matched_query: str | None = None
    engagement: Engagement = field(default_factory=Engagement)
    thread_id: str | None = None
    parent_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    #: Written by one of the brand's own accounts (`BrandQuery.accounts`): a reply or statement of
    #: the brand, which answers cases and is never counted as customer voice.
    from_brand: bool = False

    def __post_init__(self) -> None:
        if not self.source or not self.external_id:
            raise ValueError("a mention needs a source and an external id")
        self.created_at = utc(self.created_at)
        self.fetched_at = utc(self.fetched_at)


@dataclass(slots=True)
class BatchStats:
    """What one page cost and yielded; the service adds `new` and `duplicates` after storing it.

    `calls` counts API requests (retries included), `fetched` the items the API returned, `skipped`
    the malformed ones (their ids in `skipped_ids`), `filtered` those the brand's filter or the
    run's de-duplication left out, `errors` the failed attempts (timeouts, 429s, 5xx, dropped
    streams, unreadable feeds), `budget_used` the reads charged to the X budget. `stop_reason` is
    set on the last batch of a run that stopped early on purpose (read budget, page limit, idle
    stream...). `failures` names what failed without ending the run (a brand's query the stream
    refused): the collect job lists them among the run's failures.
    """

    calls: int = 0
    fetched: int = 0
    skipped: int = 0
    errors: int = 0
    budget_used: int = 0
    skipped_ids: list[str] = field(default_factory=list)
    filtered: int = 0
    stop_reason: str | None = None
    failures: list[str] = field(default_factory=list)

    def add(self, other: BatchStats) -> BatchStats:
        """Accumulate `other` into this one (for per-run totals); returns self."""
        self.calls += other.calls
        self.fetched += other.fetched
        self.skipped += other.skipped
        self.errors += other.errors
        self.budget_used += other.budget_used
        self.skipped_ids.extend(other.skipped_ids)
        self.filtered += other.filtered
        self.stop_reason = other.stop_reason or self.stop_reason
        self.failures.extend(other.failures)
        return self


@dataclass(slots=True)
class Batch:
    """The mentions of one page and the cursor that becomes valid once they are stored."""

    mentions: list[Mention]
    cursor: Cursor
    stats: BatchStats = field(default_factory=BatchStats)


class Listener(Protocol):
    """A source of mentions. `fetch` must be resumable from any cursor it has yielded."""

    source: str

    def fetch(self, query: BrandQuery, cursor: Cursor | None) -> Iterator[Batch]: ...


class StopEvent(Protocol):
    """What a listener needs of a stop signal (`threading.Event` has it)."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


@runtime_checkable
class BrandStream(Protocol):
    """A listener that, when `streaming`, reads every brand through one connection (X's filtered
    stream): `stream` takes each brand's query and cursor and yields `(query, batch)` pairs, each
    batch holding that brand's mentions and its cursor. It ends when the source ends the run (idle
    timeout, run limit, budget) or soon after `stop` is set, yielding what it collected first."""

    source: str

    @property
    def streaming(self) -> bool: ...

    def stream(self, queries: Sequence[tuple[BrandQuery, Cursor | None]],
               stop: StopEvent | None = None) -> Iterator[tuple[BrandQuery, Batch]]: ...
