"""RSS and Atom feeds (news searches, alert feeds, blogs) with requests and feedparser.

Each configured feed URL may contain ``{query}``, replaced by the brand query in web-search syntax
(`to_web`, URL-encoded), e.g. ``https://news.google.com/rss/search?q={query}&hl=en-US``. Feeds are
fetched with conditional requests (ETag / Last-Modified, so an unchanged feed costs a 304), parsed by
feedparser from the downloaded bytes, and each entry's HTML is reduced to text. Feeds have no server
side search, so the client-side filter is the only one.

An entry is new when its id (``id``, else ``link``, else a hash of title and link) is not among the
ids the cursor remembers for that feed; on a feed's first fetch, entries older than
``lookback`` are left out. An entry without a date is dated when first seen. One batch per
feed; a feed that fails (after retries) is logged and counted and the other feeds still run; only
when every feed fails does the run raise. The cursor::

    {"feeds": {"sha256:<digest of the url>": {"etag": "…", "modified": "…", "seen": ["<entry id>", …]}}}

A feed URL may carry a key (``?key=${FEEDKEY}``): the cursor names feeds by a digest of the URL, and
a feed without a title is named by its URL without the query, so that no key reaches storage.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote_plus, urlsplit, urlunsplit

import feedparser
import requests
from pydantic import Field

from .base import (
    ApiListener,
    Collector,
    SourceSettings,
    classify_requests,
    require,
)
from .errors import ListenerError, SourceUnavailable
from .query import BrandQuery, to_web
from .records import Batch, BatchStats, Cursor, Mention, RssCursor, RssFeed
from .text import html_to_text

SOURCE = "rss"
log = logging.getLogger("brandpulse.listeners.rss")
_SEEN = 2000


class Settings(SourceSettings):
    feeds: list[str] = Field(default_factory=list, description="feed URLs; {query} is the brand query")
    interval: timedelta = Field(default=timedelta(minutes=30), gt=timedelta(0))


def _state_key(url: str) -> str:
    return "sha256:" + hashlib.sha256(url.encode("utf-8")).hexdigest()


def _without_query(url: str) -> str:
    """The URL without its query, fragment and credentials: what may be shown and stored."""
    parts = urlsplit(url)
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _entry_id(entry: Any) -> str:
    value = entry.get("id") or entry.get("guid") or entry.get("link")
    if value:
        return str(value)
    basis = f"{entry.get('title', '')}\n{entry.get('link', '')}\n{entry.get('summary', '')}"
    if not basis.strip():
        return ""
    return "sha1:" + hashlib.sha1(basis.encode()).hexdigest()


def _entry_time(entry: Any) -> datetime | None:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, name)  # plain dict access: feedparser's aliasing warns on missing keys
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), UTC)
    return None


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """What a feed says of all its entries: its title and its declared language (``<language>``,
    ``dc:language`` or the root's ``xml:lang``, as feedparser reads them)."""

    title: str
    language: str | None = None


def _language(value: Any) -> str | None:
    text = str(value or "").strip().replace("_", "-")
    return text or None


def _entry_language(entry: Any) -> str | None:
    """An entry's own declaration: its ``dc:language``, else the ``xml:lang`` of its content,
    summary or title."""
    declared = _language(dict.get(entry, "language"))
    if declared:
        return declared
    content = entry.get("content") or []
    details = [content[0] if content and isinstance(content[0], dict) else None,
               dict.get(entry, "summary_detail"), dict.get(entry, "title_detail")]
    return next((lang for lang in (_language(d.get("language")) for d in details if isinstance(d, dict)) if lang),
                None)


def _source_name(entry: Any) -> str | None:
    source = entry.get("source")
    name = source.get("title") if isinstance(source, dict) else None
    return str(name).strip() or None if name else None


def _body_beyond_title(title: str, body: str, source: str | None) -> str:
    """The body without what repeats the headline: news aggregators (Google News) title an item
    ``Headline - Source`` and make its description the headline again and the source's name."""
    if not body or not title:
        return body
    flat = " ".join(body.split())
    headline = title[:-len(f" - {source}")] if source and title.endswith(f" - {source}") else title
    prefix = next((p for p in (title, headline) if flat.startswith(p)), None)
    if prefix is None:
        return body
    rest = flat[len(prefix):].strip()
    return "" if source and rest.strip(" -|\u2013\u2014") == source else rest


class RssListener(ApiListener):
    source = SOURCE
    log = log
    settings: Settings

    def __init__(self, settings: Settings, **options: Any) -> None:
        super().__init__(settings, **options)
        self.session = self.http_session()

    def feed_urls(self, query: BrandQuery) -> list[str]:
        urls = []
        for feed in self.settings.feeds:
            url = feed.replace("{query}", quote_plus(to_web(query))) if "{query}" in feed else feed
            if self.base_url and url.startswith("/"):
                url = self.base_url + url
            urls.append(url)
        return urls

    def _download(self, url: str, state: RssFeed, stats: BatchStats) -> requests.Response:
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.modified:
            headers["If-Modified-Since"] = state.modified

        def call() -> requests.Response:
            response = self.session.get(url, headers=headers, timeout=self.settings.timeout.total_seconds())
            if response.status_code != 304:
                response.raise_for_status()
            return response

        return self.retrier.call(f"feed {url}", call, lambda e: classify_requests(e, now=self.clock().timestamp()),
                                 stats)

    def _mention(self, entry: Any, *, query: BrandQuery, feed: FeedInfo, first_time: bool) -> Mention | None:
        entry_id = require(_entry_id(entry), "id")
        title = html_to_text(entry.get("title"))
        content = entry.get("content") or []
        body_html = (content[0].get("value") if content and isinstance(content[0], dict) else None) \
            or entry.get("summary") or entry.get("description")
        source = _source_name(entry)
        body = _body_beyond_title(title, html_to_text(body_html), source)
        text = require("\n\n".join(part for part in (title, body) if part), "title or summary")
        published = _entry_time(entry)
        now = self.clock()
        if published is None:
            published = now
        elif first_time and published < now - self.settings.lookback:
            return None
        language = _entry_language(entry) or feed.language
        if not query.matches(text, language):
            return None
        return Mention(
            source=SOURCE, external_id=entry_id, text=text, created_at=published, brand=query.brand,
            url=entry.get("link"), author_handle=entry.get("author"), language=language, fetched_at=now,
            matched_query=query.matched_query,
            raw={"feed": feed.title, "id": entry_id, "title": entry.get("title"), "link": entry.get("link"),
                 "published": dict.get(entry, "published") or dict.get(entry, "updated"), "source": source},
        )

    def fetch(self, query: BrandQuery, cursor: Cursor | None) -> Iterator[Batch]:
        stored = RssCursor.load(cursor).feeds
        urls = self.feed_urls(query)
        out = RssCursor(feeds={_state_key(url): stored.get(_state_key(url)) or RssFeed() for url in urls})
        collector = Collector(SOURCE, log)
        failures: list[ListenerError] = []
        for url in urls:
            stats = BatchStats()
            try:
                mentions = self._feed(url, out.feeds[_state_key(url)], query, collector, stats)
            except ListenerError as exc:
                log.error("rss: feed %s failed: %s; the other feeds go on", url, exc.detail)
                failures.append(exc)
                mentions = []
            yield Batch(mentions, out.dump(), stats)
        if urls and len(failures) == len(urls):
            raise SourceUnavailable(SOURCE, f"all {len(urls)} feed(s) failed; first: {failures[0].detail}")

    def _feed(self, url: str, state: RssFeed, query: BrandQuery, collector: Collector,
              stats: BatchStats) -> list[Mention]:
        """One feed's new mentions; `state` (its ETag, Last-Modified and seen ids) is updated. A 304
        brings nothing; an unreadable feed raises `SourceUnavailable`."""
        response = self._download(url, state, stats)
        if response.status_code == 304:
            return []
        parsed = feedparser.parse(response.content, response_headers={
            k.lower(): v for k, v in response.headers.items()})
        entries = list(parsed.get("entries") or [])
        if parsed.get("bozo") and not entries:
            reason = str(parsed.get("bozo_exception") or "not a feed")[:200]
            stats.errors += 1
            raise SourceUnavailable(SOURCE, f"{url} is not a readable feed: {reason}")
        seen = set(state.seen)
        first_time = not state.seen and not state.etag and not state.modified
        fresh = [entry for entry in entries if not (_entry_id(entry) and _entry_id(entry) in seen)]
        stats.fetched += len(entries) - len(fresh)
        stats.filtered += len(entries) - len(fresh)
        feed = parsed.get("feed") or {}
        info = FeedInfo(feed.get("title") or _without_query(url), _language(feed.get("language")))
        convert = partial(self._mention, query=query, feed=info, first_time=first_time)
        mentions = collector.collect(fresh, convert, _entry_id, stats)
        new_ids = [entry_id for entry_id in dict.fromkeys(map(_entry_id, fresh)) if entry_id and entry_id not in seen]
        state.seen = [*state.seen, *new_ids][-_SEEN:]
        state.etag = response.headers.get("ETag")
        state.modified = response.headers.get("Last-Modified")
        return mentions


create = RssListener.create
