"""Mastodon through Mastodon.py: hashtag timelines and, with an access token, full-text search.

Hashtags come from the brand's hashtags, the ``hashtags`` setting and (``derive_hashtags``) its
single-word terms and aliases. Each tag's timeline is read forward with ``min_id`` (the page just
newer than the last status seen), so every page's cursor is final. Remote statuses can reach an
instance minutes late with ids older than statuses already read; each run therefore re-reads the last
``federation_overlap`` and drops the URIs it has already yielded (kept in the cursor).

Search (``/api/v2/search``, ``type=statuses``, needs a token; one plain query per alternative of the
brand query, `to_mastodon`) is walked newest first with ``offset`` and ``min_id`` at the floor.

With ``accounts`` on the query, each brand account's statuses are read forward from the newest one
seen, replies only, each with its parent's URI and thread root from its context.

``external_id`` is the status URI, the same whichever instance relays it. HTML content is reduced
to text; ``language`` comes from the status. Rate limits: Mastodon.py is set to raise on 429 and
the ``X-RateLimit-*`` values it parses drive the listener's waits. The cursor::

    {"tags": {"acme": {"min_id": "…", "recent": ["<uri>", …]}}, "search": {"<q>": <walk>}}
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

import requests
from mastodon import Mastodon
from mastodon import errors as mastodon_errors
from pydantic import Field, SecretStr

from .base import (
    ApiListener,
    Collector,
    Failure,
    Mark,
    SourceSettings,
    Walk,
    WalkSteps,
    parse_time,
    require,
    run_walk,
)
from .query import BrandQuery, fold, to_mastodon
from .records import Batch, BatchStats, Cursor, Engagement, MastodonAccount, MastodonCursor, MastodonTag, Mention
from .text import html_to_text

T = TypeVar("T")
SOURCE = "mastodon"
log = logging.getLogger("brandpulse.listeners.mastodon")
_RECENT = 500


class Settings(SourceSettings):
    DEFAULT_ENV: ClassVar[dict[str, str]] = {"access_token": "MASTODON_ACCESS_TOKEN"}

    api_base_url: str = "https://mastodon.social"
    access_token: SecretStr | None = None
    hashtags: list[str] = Field(default_factory=list, description="followed in addition to the brand's")
    derive_hashtags: bool = Field(default=True, description="follow single-word terms as hashtags too")
    local_only: bool = False
    search: bool = Field(default=True, description="full-text search (only with an access token)")
    page_size: int = Field(default=40, ge=1, le=40)
    federation_overlap: timedelta = Field(default=timedelta(minutes=10), ge=timedelta(0))


def _snowflake(moment: datetime) -> int:
    return (int(moment.timestamp() * 1000)) << 16


def _ms(status_id: Any) -> int:
    return int(status_id) >> 16


def _get(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _numeric(status_id: Any) -> bool:
    """Mastodon's ids are decimal snowflakes; Pleroma's and Akkoma's are base62 flake ids and
    GoToSocial's are ULIDs, which carry no time this listener can compute with."""
    return str(status_id).isdigit()


def _order(status_id: Any) -> tuple[int, str]:
    """A sort key that follows the server's id order for snowflakes and for flake ids alike: both
    grow in length or, at equal length, in character order."""
    text = str(status_id)
    return len(text), text


def _count(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _link_threads(mentions: list[Mention], read: dict[str, tuple[str, str | None]]) -> None:
    """Mastodon names a reply's parent by its local id only, and no conversation: a reply whose
    parent was read in this walk (a timeline reads newest first, so usually further down the page)
    gets the parent's URI as `parent_id` and joins its thread. `read` maps the walk's status ids to
    their (URI, thread)."""
    for mention in reversed(mentions):
        status_id = str(mention.raw.get("id") or "")
        parent = read.get(str(mention.raw.get("in_reply_to_id") or ""))
        if parent is not None:
            mention.parent_id = parent[0]
            mention.thread_id = mention.thread_id or parent[1]
        if status_id:
            read[status_id] = (mention.external_id, mention.thread_id)


def _created_after(status: Any, since: datetime) -> bool:
    try:
        return parse_time(_get(status, "created_at")) >= since
    except (TypeError, ValueError):
        return True  # let the conversion count it as malformed


def _remember(entry: MastodonTag, statuses: list[Any]) -> str | None:
    """Note a page in the tag's cursor: its URIs among the recent ones, its newest id as ``min_id``
    when newer. Returns that newest id (None for an empty page)."""
    recent = list(entry.recent)
    seen = set(recent)
    for uri in (_get(status, "uri") for status in statuses):
        if uri and uri not in seen:
            seen.add(uri)
            recent.append(uri)
    entry.recent = recent[-_RECENT:]
    ids = [str(_get(status, "id")) for status in statuses if _get(status, "id") not in (None, "")]
    if not ids:
        return None
    newest = max(ids, key=_order)
    if not entry.min_id or _order(newest) > _order(entry.min_id):
        entry.min_id = newest
    return newest


def _thread(status: Any, uri: str) -> str | None:
    """The conversation the status belongs to: Pleroma/Akkoma name it (``pleroma.conversation_id``),
    Mastodon only the parent; a status that replies to nothing starts its own thread."""
    extension = _get(status, "pleroma") or {}
    conversation = _get(extension, "conversation_id") or _get(status, "conversation_id")
    if conversation:
        return str(conversation)
    return None if _get(status, "in_reply_to_id") else uri


class MastodonListener(ApiListener):
    source = SOURCE
    log = log
    settings: Settings

    def __init__(self, settings: Settings, **options: Any) -> None:
        super().__init__(settings, **options)
        token = settings.access_token.get_secret_value() if settings.access_token else None
        session = requests.Session()
        self.api = Mastodon(access_token=token or None, api_base_url=self.base_url or settings.api_base_url,
                            ratelimit_method="throw", request_timeout=settings.timeout.total_seconds(),
                            version_check_mode="none", session=session, user_agent=settings.user_agent)
        self.has_token = bool(token)
        self.domain = urlsplit(settings.api_base_url).hostname or ""
        self._flake_ids = False

    @property
    def _env(self) -> tuple[str, ...]:
        return (self.settings.env_var("access_token"),)

    def _classify(self, exc: BaseException) -> Failure | None:
        if isinstance(exc, mastodon_errors.MastodonRatelimitError):
            reset = self.api.ratelimit_reset
            retry_after = max(0.0, reset - time.time()) if reset else None  # Mastodon.py keeps real time
            return Failure("rate", "HTTP 429", retry_after)
        if isinstance(exc, mastodon_errors.MastodonUnauthorizedError):
            detail = "HTTP 401" if self.has_token else "HTTP 401 (this instance needs an access token)"
            return Failure("auth", detail, env_vars=self._env)
        if isinstance(exc, mastodon_errors.MastodonServerError):
            return Failure("server", f"HTTP {exc.args[1] if len(exc.args) > 1 else '5xx'}")
        if isinstance(exc, mastodon_errors.MastodonNetworkError):
            return Failure("network", type(exc).__name__)
        if isinstance(exc, mastodon_errors.MastodonAPIError):
            status = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
            if status == 403:
                return Failure("auth", "HTTP 403", env_vars=self._env)
            if status == 429:
                return Failure("rate", "HTTP 429")
            return Failure("fatal", f"HTTP {status}: {exc.args[-1] if exc.args else ''}"[:200])
        if isinstance(exc, mastodon_errors.MastodonError):
            return Failure("fatal", str(exc)[:200])
        return None

    def _call(self, what: str, fn: Callable[[], T], stats: BatchStats) -> T:
        result = self.retrier.call(what, fn, self._classify, stats)
        remaining, reset = self.api.ratelimit_remaining, self.api.ratelimit_reset
        if remaining is not None and reset:
            # Mastodon.py's reset is in real epoch seconds; express it on our clock
            self.retrier.gate.note(remaining, self.clock().timestamp() + max(0.0, reset - time.time()))
        return result

    def _is_account(self, account: Any, query: BrandQuery) -> bool:
        """Whether `account` is one of the brand's: its ``acct`` as configured, with or without
        this instance's domain (a local account's ``acct`` has none)."""
        acct = str(_get(account, "acct") or "")
        return query.is_account(acct) or ("@" not in acct and query.is_account(f"{acct}@{self.domain}"))

    def _mention(self, status: Any, query: BrandQuery, *, from_brand: bool = False) -> Mention | None:
        """The brand's mention for one status. Its `parent_id` is left to `_link_threads` (or, for a
        brand account's reply, `_answered`): Mastodon gives the parent's local id, not its URI."""
        status_id = str(require(_get(status, "id"), "id"))
        uri = str(_get(status, "uri") or _get(status, "url") or status_id)
        reblogged = _get(status, "reblog")
        if reblogged and not query.include_reposts:
            return None
        post = reblogged or status  # a reblog's words and language are the reblogged status's
        content = html_to_text(_get(post, "content"))
        spoiler = _get(post, "spoiler_text") or ""
        text = require("\n".join(part for part in (spoiler, content) if part), "content")
        created = parse_time(require(_get(status, "created_at"), "created_at"))
        language = _get(post, "language") or None
        account = _get(status, "account") or {}
        from_brand = from_brand or self._is_account(account, query)
        if not from_brand and not query.matches(text, language):
            return None
        followers = _get(account, "followers_count")
        return Mention(
            source=SOURCE, external_id=uri, text=text, created_at=created, brand=query.brand,
            url=_get(status, "url") or uri, author_id=str(_get(account, "id")) if _get(account, "id") else None,
            author_handle=_get(account, "acct") or _get(account, "username"),
            author_reach=int(followers) if followers is not None else None, language=language,
            fetched_at=self.clock(), matched_query=query.matched_query,
            engagement=Engagement(likes=_count(_get(post, "favourites_count")),
                                  reposts=_count(_get(post, "reblogs_count")),
                                  replies=_count(_get(post, "replies_count")),
                                  quotes=_count(_get(post, "quotes_count"))),
            thread_id=_thread(status, uri), raw=json.loads(json.dumps(status, default=str)), from_brand=from_brand,
        )

    def hashtags(self, query: BrandQuery) -> list[str]:
        """The tags to follow: the brand's, the configured ones and (``derive_hashtags``) its
        single-word terms and aliases; one per folded spelling."""
        candidates = [*query.hashtags, *self.settings.hashtags]
        if self.settings.derive_hashtags:
            candidates += [word for word in (*query.terms, *query.aliases) if " " not in word.strip()]
        out: dict[str, str] = {}
        for candidate in candidates:
            name = candidate.strip().lstrip("#")
            key = fold(name)
            if key and key.replace("_", "").isalnum():
                out.setdefault(key, name)
        return list(out.values())

    def fetch(self, query: BrandQuery, cursor: Cursor | None) -> Iterator[Batch]:
        out = MastodonCursor.load(cursor)
        collector = Collector(SOURCE, log)
        for tag in self.hashtags(query):
            yield from self._tag(tag, query, out, collector)
        if self.settings.search and self.has_token:
            queries = to_mastodon(query)
            out.search = {q: out.search.get(q) for q in queries}
            for q in queries:
                yield from self._search(q, query, out, collector)
        for acct in query.accounts:
            yield from self._account(acct, query, out, collector)

    def _start(self, entry: MastodonTag) -> Any:
        """Where a tag's timeline is read from: a little before the newest status seen (remote
        statuses arrive late with older ids); a flake id has no time to step back by, the server's
        order still holds; the first run reaches back `lookback`."""
        if entry.min_id and _numeric(entry.min_id):
            overlap_ms = self.settings.federation_overlap // timedelta(milliseconds=1)
            return str(max(0, _ms(entry.min_id) - overlap_ms) << 16)
        if entry.min_id:
            return entry.min_id
        return _snowflake(self.clock() - self.settings.lookback)

    def _timeline(self, tag: str, min_id: Any, stats: BatchStats) -> list[Any]:
        return list(self._call(f"#{tag} timeline", lambda: self.api.timeline_hashtag(
            tag, local=self.settings.local_only, min_id=min_id, limit=self.settings.page_size), stats) or [])

    def _flake_first_page(self, tag: str, stats: BatchStats) -> list[Any]:
        """A first run's snowflake ``min_id`` finds nothing on a server whose ids are not
        snowflakes (GoToSocial's ULIDs sort below any number): read its newest page instead and
        keep what lies within ``lookback``; the cursor then holds the server's own ids."""
        newest = self._timeline(tag, None, stats)
        if not newest or all(_numeric(_get(status, "id")) for status in newest):
            return []
        since = self.clock() - self.settings.lookback
        return [status for status in newest if _created_after(status, since)]

    def _tag(self, tag: str, query: BrandQuery, out: MastodonCursor, collector: Collector) -> Iterator[Batch]:
        entry = out.tags.setdefault(fold(tag), MastodonTag())
        start = self._start(entry)
        threads: dict[str, tuple[str, str | None]] = {}
        for page in range(self.settings.max_pages):
            stats = BatchStats()
            statuses = self._timeline(tag, start, stats)
            if not statuses and page == 0 and entry.min_id is None:
                statuses = self._flake_first_page(tag, stats)
            seen = set(entry.recent)
            fresh = [status for status in statuses if not (_get(status, "uri") and _get(status, "uri") in seen)]
            stats.fetched += len(statuses) - len(fresh)
            stats.filtered += len(statuses) - len(fresh)
            mentions = collector.collect(fresh, lambda s: self._mention(s, query), lambda s: _get(s, "id"), stats)
            _link_threads(mentions, threads)
            newest = _remember(entry, statuses)
            start = newest or start
            more = newest is not None and len(statuses) >= self.settings.page_size
            if more and page == self.settings.max_pages - 1:
                stats.stop_reason = f"page limit; the next run continues #{tag}"
            yield Batch(mentions, out.dump(), stats)
            if not more:
                return

    def _search(self, q: str, query: BrandQuery, out: MastodonCursor, collector: Collector) -> Iterator[Batch]:
        walk = Walk.of(out.search.get(q))
        if walk.floor is None and not walk.in_progress:
            walk.floor = Mark(float(_ms(_snowflake(self.clock() - self.settings.lookback))),
                              [])
        size = self.settings.page_size

        def fetch(token: Any, stats: BatchStats) -> tuple[list[Any], Any]:
            offset = int(token or 0)
            min_id = str(int(walk.floor.value) << 16) if walk.floor and not self._flake_ids else None
            result = self._call("search", lambda: self.api.search_v2(
                q, resolve=False, result_type="statuses", min_id=min_id, offset=offset or None, limit=size),
                stats)
            statuses = list(_get(result, "statuses") or [])
            return statuses, (offset + len(statuses) if len(statuses) >= size else None)

        def key(status: Any) -> tuple[float, str]:
            status_id = _get(status, "id")
            if _numeric(status_id):
                value = float(_ms(status_id))
            else:  # a flake id server: order by time, and stop sending snowflake min_ids
                self._flake_ids = True
                value = parse_time(_get(status, "created_at")).timestamp() * 1000
            return value, str(_get(status, "uri") or status_id)

        def cursor() -> Cursor:
            out.search[q] = walk.state()
            return out.dump()

        steps = WalkSteps(fetch=fetch, key=key, convert=lambda s: self._mention(s, query),
                          id_of=lambda s: _get(s, "id"), cursor=cursor, offset_paging=True, label="search walk")
        yield from run_walk(walk, steps, pages=self.settings.max_pages, collector=collector)


    def _account(self, acct: str, query: BrandQuery, out: MastodonCursor, collector: Collector) -> Iterator[Batch]:
        """A brand account's replies: its statuses read forward from the newest one seen (the first
        run from `lookback` back), each reply with its parent's URI and thread (`_answered`)."""
        stats = BatchStats()
        entry = out.accounts.get(acct)
        if entry is None:
            account = self._call(f"look up {acct}", lambda: self.api.account_lookup(acct), stats)
            entry = MastodonAccount(id=str(require(_get(account, "id"), "id")))
            out.accounts = {**out.accounts, acct: entry}
        start = entry.min_id or _snowflake(self.clock() - self.settings.lookback)
        for page in range(self.settings.max_pages):
            statuses = list(self._call(f"{acct}'s statuses", partial(
                self.api.account_statuses, entry.id, min_id=start, exclude_reblogs=True,
                limit=self.settings.page_size), stats) or [])
            replies = [status for status in statuses if _get(status, "in_reply_to_id")]
            stats.fetched += len(statuses) - len(replies)
            stats.filtered += len(statuses) - len(replies)
            mentions = collector.collect(replies, partial(self._answered, query=query, stats=stats),
                                         lambda s: _get(s, "id"), stats)
            ids = [str(_get(status, "id")) for status in statuses if _get(status, "id") not in (None, "")]
            if ids:
                entry.min_id = start = max(ids, key=_order)
            more = bool(ids) and len(statuses) >= self.settings.page_size
            if more and page == self.settings.max_pages - 1:
                stats.stop_reason = f"page limit; the next run continues {acct}'s statuses"
            yield Batch(mentions, out.dump(), stats)
            if not more:
                return
            stats = BatchStats()

    def _answered(self, status: Any, query: BrandQuery, stats: BatchStats) -> Mention | None:
        """A brand account's reply, with the URI of the status it answers and the thread's root
        (``/api/v1/statuses/:id/context``: its ancestors, root first), so that it meets the
        customer's post as the other statuses store it."""
        mention = self._mention(status, query, from_brand=True)
        if mention is None:
            return None
        context = self._call("reply context", lambda: self.api.status_context(_get(status, "id")), stats)
        ancestors = list(_get(context, "ancestors") or [])
        parent_id = str(_get(status, "in_reply_to_id"))
        parent = next((a for a in ancestors if str(_get(a, "id")) == parent_id), None)
        mention.parent_id = str(_get(parent, "uri") or _get(parent, "url")) if parent is not None else None
        if ancestors:
            root = ancestors[0]
            mention.thread_id = _thread(root, str(_get(root, "uri") or _get(root, "url") or _get(root, "id")))
        return mention


create = MastodonListener.create
