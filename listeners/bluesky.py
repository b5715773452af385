"""Bluesky through the atproto SDK: ``app.bsky.feed.searchPosts`` with ``sort=latest`` and its cursor.

With a handle and an app password the client logs in (``com.atproto.server.createSession``) and
searches through the account's PDS, which proxies to the AppView; without them it queries the public
AppView, which some deployments refuse for search. The query goes out in the search service's
simple-query-string syntax (`to_bluesky`) with ``since`` set to the floor and ``lang`` when the brand
has exactly one language; the client-side filter makes the final decision.

Results are walked newest to oldest (a `Walk` keyed by the post's sort time, the earlier of
``createdAt`` and ``indexedAt``, and its URI). The search cursor is an offset, so posts arriving
between two pages would push already-read posts onto the next page: those are dropped by comparing
with the walk's lowest point. With ``accounts`` on the query, each brand account's author feed
(``posts_with_replies``) is walked the same way for its replies. The raw JSON is validated post by
post (not page by page), so one malformed post is skipped and counted while its neighbours are kept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

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
    retry_after_from_headers,
    run_walk,
)
from .errors import AuthError
from .query import BrandQuery, to_bluesky
from .records import Batch, BatchStats, BlueskyCursor, Cursor, Engagement, Mention

SOURCE = "bluesky"
log = logging.getLogger("brandpulse.listeners.bluesky")

PDS_URL = "https://bsky.social"
PUBLIC_APPVIEW_URL = "https://public.api.bsky.app"


class Settings(SourceSettings):
    DEFAULT_ENV: ClassVar[dict[str, str]] = {"handle": "BLUESKY_HANDLE", "app_password": "BLUESKY_APP_PASSWORD"}

    handle: str | None = Field(default=None, description="account handle, for authenticated search")
    app_password: SecretStr | None = None
    service_url: str | None = Field(default=None, description="PDS (with a login) or AppView to query")
    page_size: int = Field(default=100, ge=1, le=100)


def _created_time(post: dict[str, Any]) -> datetime:
    """``createdAt`` is the client's claim: one in the future (a wrong clock, or a post dated ahead
    on purpose) is clamped to ``indexedAt``, when the AppView saw it."""
    record = post.get("record") or {}
    created = parse_time(require(record.get("createdAt"), "record.createdAt"))
    indexed = post.get("indexedAt")
    if indexed:
        try:
            return min(created, parse_time(indexed))
        except (TypeError, ValueError):
            pass
    return created


def _handle(author: dict[str, Any]) -> str | None:
    """The author's handle, or None when it no longer resolves (``handle.invalid``)."""
    handle = author.get("handle")
    return None if not handle or handle == "handle.invalid" else str(handle)


def _display_name(author: dict[str, Any]) -> str | None:
    name = str(author.get("displayName") or "").strip()
    return name or None


def _alt_text(embed: Any) -> str | None:
    """The alt texts of a post's images (also those beside a quoted post): an image-only post's
    words. None when there are none."""
    if not isinstance(embed, dict):
        return None
    images = embed.get("images")
    if images is None and isinstance(embed.get("media"), dict):  # recordWithMedia
        images = embed["media"].get("images")
    alts = [str(image.get("alt") or "").strip() for image in images or [] if isinstance(image, dict)]
    return "\n".join(alt for alt in alts if alt) or None


class BlueskyListener(ApiListener):
    source = SOURCE
    log = log
    settings: Settings

    def __init__(self, settings: Settings, *, base_url: str | None = None, **options: Any) -> None:
        super().__init__(settings, base_url=base_url, **options)
        self.authenticated = bool(settings.handle and settings.app_password
                                  and settings.app_password.get_secret_value())
        self.base_url = base_url or settings.service_url or (PDS_URL if self.authenticated else PUBLIC_APPVIEW_URL)
        self._client: Any = None
        self._logged_in = False

    @property
    def _env(self) -> tuple[str, ...]:
        return (self.settings.env_var("handle"), self.settings.env_var("app_password"))

    def _classify(self, exc: BaseException) -> Failure | None:
        from atproto_client import exceptions as ex

        if isinstance(exc, ex.RequestErrorBase):
            response = exc.response
            status = response.status_code if response is not None else None
            headers = response.headers if response is not None else None
            content = response.content if response is not None else None
            error = getattr(content, "error", None) or (content.get("error") if isinstance(content, dict)
                                                        else None)
            detail = f"HTTP {status}" + (f" {error}" if error else "") if status else type(exc).__name__
            now = self.clock().timestamp()
            if isinstance(exc, ex.RateLimitExceededError) or status == 429:
                return Failure("rate", detail, retry_after_from_headers(headers, now, "ratelimit-reset"))
            if isinstance(exc, ex.UnauthorizedError):
                hint = "" if self.authenticated else " (this service needs a login for search)"
                return Failure("auth", detail + hint, env_vars=self._env)
            if isinstance(exc, ex.NetworkError) or (status is not None and status >= 500):
                return Failure("server" if status else "network", detail,
                               retry_after_from_headers(headers, now) if headers else None)
            return Failure("fatal", detail)
        if isinstance(exc, ex.ModelError):
            return Failure("fatal", f"unexpected response: {exc}"[:200])
        return None

    def _connect(self) -> Any:
        if self._client is not None:
            return self._client
        from atproto_client import Client
        from atproto_client.request import Request

        client = Client(self.base_url, request=Request(timeout=self.settings.timeout.total_seconds(),
                                                        headers={"User-Agent": self.settings.user_agent}))
        self._client = client
        return client

    def _login(self, stats: BatchStats) -> None:
        secret = self.settings.app_password
        if self._logged_in or not self.authenticated or secret is None:
            return
        client = self._connect()
        password = secret.get_secret_value()
        self.retrier.call("login", lambda: client.login(self.settings.handle, password,
                                                        fetch_bsky_profile=False),
                          self._classify, stats)
        self._logged_in = True

    def _mention(self, post: dict[str, Any], query: BrandQuery, *, from_brand: bool = False) -> Mention | None:
        """The brand's mention for one post view; one by the brand's accounts (`from_brand`: read
        from their feed; or its author is one of them) is kept whatever the filter says."""
        from atproto_client import models
        from atproto_client.models.utils import get_or_create

        if not isinstance(post, dict):
            raise ValueError("not an object")
        uri = require(post.get("uri"), "uri")
        view = get_or_create(post, models.AppBskyFeedDefs.PostView, strict=True)
        if view is None:
            raise ValueError("not a post view")
        record = post.get("record") or {}
        if "text" not in record:
            raise ValueError("missing record.text")
        text = record.get("text") or _alt_text(record.get("embed")) or ""
        created = _created_time(post)
        langs = record.get("langs") or []
        language = str(langs[0]) if isinstance(langs, list) and langs else None
        author = post.get("author") or {}
        did = author.get("did")
        handle = _handle(author)
        from_brand = from_brand or query.is_account(handle)
        if not from_brand and not query.matches(text, language):  # an image-only post without alt text has no words
            return None
        rkey = uri.rsplit("/", 1)[-1]
        reply = record.get("reply") or {}
        return Mention(
            source=SOURCE, external_id=uri, text=text, created_at=created, brand=query.brand,
            url=f"https://bsky.app/profile/{handle or did}/post/{rkey}",
            author_id=did, author_handle=handle or _display_name(author) or did, language=language,
            fetched_at=self.clock(), matched_query=query.matched_query,
            engagement=Engagement(likes=int(post.get("likeCount") or 0), reposts=int(post.get("repostCount") or 0),
                                  replies=int(post.get("replyCount") or 0), quotes=int(post.get("quoteCount") or 0)),
            thread_id=((reply.get("root") or {}).get("uri") if reply else None) or uri,
            parent_id=(reply.get("parent") or {}).get("uri") if reply else None,
            raw=post, from_brand=from_brand,
        )

    def fetch(self, query: BrandQuery, cursor: Cursor | None) -> Iterator[Batch]:

        if self.settings.handle and not (self.settings.app_password
                                         and self.settings.app_password.get_secret_value()):
            raise AuthError(SOURCE, (self.settings.env_var("app_password"),), "no app password is set")
        to_bluesky(query)  # a query the search cannot take fails before anything is read
        state = BlueskyCursor.load(cursor)
        walk = Walk.of(state.walk)
        if walk.floor is None and not walk.in_progress:
            walk.floor = Mark((self.clock() - self.settings.lookback).timestamp(), [])
        client = self._connect()
        collector = Collector(SOURCE, log)
        yield from self._search(query, state, walk, client, collector)
        for actor in query.accounts:
            yield from self._author_feed(actor, query, state, client, collector)

    def _search(self, query: BrandQuery, state: BlueskyCursor, walk: Walk, client: Any,
                collector: Collector) -> Iterator[Batch]:
        from atproto_client import models

        q = to_bluesky(query)
        lang = query.languages[0].split("-")[0] if len(query.languages) == 1 else None

        def fetch_page(token: Any, stats: BatchStats) -> tuple[list[Any], Any]:
            self._login(stats)  # once per listener; the client refreshes its session itself
            params: dict[str, Any] = {"q": q, "sort": "latest", "limit": self.settings.page_size}
            if token:
                params["cursor"] = token
            if walk.floor is not None and walk.floor.value > 0:
                params["since"] = datetime.fromtimestamp(walk.floor.value, UTC).isoformat().replace(
                    "+00:00", "Z")
            if lang:
                params["lang"] = lang
            body = self._query(client, "app.bsky.feed.searchPosts", models.AppBskyFeedSearchPosts.Params(**params),
                               stats)
            posts = body.get("posts") or []
            return (posts if isinstance(posts, list) else []), body.get("cursor")

        def cursor() -> Cursor:
            state.walk = walk.state()
            return state.dump()

        steps = WalkSteps(fetch=fetch_page, key=_key, convert=lambda post: self._mention(post, query),
                          id_of=lambda post: post.get("uri") if isinstance(post, dict) else None,
                          cursor=cursor, offset_paging=True, label="search walk")
        yield from run_walk(walk, steps, pages=self.settings.max_pages, collector=collector)

    def _query(self, client: Any, nsid: str, params: Any, stats: BatchStats) -> dict[str, Any]:
        """One XRPC query with retries, noting the rate limit it reports; its JSON body ({} if not an object)."""
        method = nsid.rsplit(".", 1)[-1]
        response = self.retrier.call(
            method, lambda: client.invoke_query(nsid, params=params, output_encoding="application/json"),
            self._classify, stats)
        self.retrier.gate.note_headers(response.headers, "ratelimit-remaining", "ratelimit-reset")
        return response.content if isinstance(response.content, dict) else {}

    def _author_feed(self, actor: str, query: BrandQuery, state: BlueskyCursor, client: Any,
                     collector: Collector) -> Iterator[Batch]:
        """A brand account's replies: its author feed (``posts_with_replies``) walked newest first,
        keeping its own replies (not its reposts, not its top-level posts)."""
        from atproto_client import models

        walk = Walk.of(state.accounts.get(actor))
        if walk.floor is None and not walk.in_progress:
            walk.floor = Mark((self.clock() - self.settings.lookback).timestamp(), [])

        def fetch_page(token: Any, stats: BatchStats) -> tuple[list[Any], Any]:
            self._login(stats)
            params = models.AppBskyFeedGetAuthorFeed.Params(actor=actor, filter="posts_with_replies",
                                                            limit=self.settings.page_size, cursor=token or None)
            body = self._query(client, "app.bsky.feed.getAuthorFeed", params, stats)
            listed = body.get("feed")
            feed: list[Any] = listed if isinstance(listed, list) else []
            replies = [item.get("post") for item in feed if isinstance(item, dict) and _own_reply(item)]
            stats.fetched += len(feed) - len(replies)
            stats.filtered += len(feed) - len(replies)
            return replies, body.get("cursor")

        def cursor() -> Cursor:
            state.accounts = {**state.accounts, actor: walk.state()}
            return state.dump()

        steps = WalkSteps(fetch=fetch_page, key=_key, convert=lambda post: self._mention(post, query, from_brand=True),
                          id_of=lambda post: post.get("uri") if isinstance(post, dict) else None,
                          cursor=cursor, label=f"{actor}'s feed walk")
        yield from run_walk(walk, steps, pages=self.settings.max_pages, collector=collector)


def _key(post: dict[str, Any]) -> tuple[float, str]:
    return _created_time(post).timestamp(), str(require(post.get("uri"), "uri"))


def _own_reply(item: dict[str, Any]) -> bool:
    """An author feed item that is the author's own reply: no repost ``reason``, a ``record.reply``."""
    post = item.get("post")
    record = post.get("record") if isinstance(post, dict) else None
    return not item.get("reason") and isinstance(record, dict) and bool(record.get("reply"))


create = BlueskyListener.create
