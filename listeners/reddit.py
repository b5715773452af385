"""Reddit through praw (read-only, application-only OAuth): submissions and comments.

Three feeds per brand query, in this order each run:

* **submissions**: ``/r/<subs>/search`` (``r/all`` when no subreddit is configured) with the query in
  Reddit's Lucene syntax, ``sort=new``, walked newest to oldest with ``after``;
* **comments**: the comment stream of the configured subreddits (``/r/<a+b>/comments``, the listing
  praw's ``stream.comments`` polls), filtered by the query, walked the same way;
* **threads**: the comments of matching submissions (``/comments/<id>?sort=new``), re-read while the
  submission is younger than ``thread_watch``.

Submissions and comments use `Walk` cursors: the floor is a (created_utc, ids) mark, a walk
interrupted by a crash or the page limit resumes at its ``after``, and the floor only rises when a
walk reaches it. Each watched thread keeps its own mark, so a re-read yields only new comments.
With ``accounts`` on the query, each brand account's comments (``/user/<name>/comments``) are walked
the same way, kept whatever the query says and marked ``from_brand``. ``external_id`` is the fullname
(``t3_…`` submission, ``t1_…`` comment). The cursor::

    {"submissions": <walk>, "comments": <walk>, "threads": {"t3_x": {"created": ts, "mark": <mark>}}}

prawcore's own sleeping (rate limiter) goes through the injected ``sleep``, and its silent retries are
turned off so that the listener's retry policy is the only one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any, ClassVar, Literal, Protocol, TypedDict, cast

import praw
import prawcore
from praw.exceptions import PRAWException
from prawcore.rate_limit import RateLimiter
from prawcore.sessions import RetryStrategy
from pydantic import Field, SecretStr

from .base import (
    ApiListener,
    Collector,
    Failure,
    Mark,
    Sleep,
    SourceSettings,
    Walk,
    WalkSteps,
    parse_time,
    require,
    run_walk,
)
from .errors import AuthError
from .query import BrandQuery, to_reddit
from .records import Batch, BatchStats, Cursor, Engagement, Mention, RedditCursor, RedditThread, WalkState

SOURCE = "reddit"
log = logging.getLogger("brandpulse.listeners.reddit")
_SITE = "https://www.reddit.com"
_MAX_THREADS_IN_CURSOR = 200


class Settings(SourceSettings):
    DEFAULT_ENV: ClassVar[dict[str, str]] = {"client_id": "REDDIT_CLIENT_ID", "client_secret": "REDDIT_CLIENT_SECRET"}

    client_id: SecretStr | None = None
    client_secret: SecretStr | None = None
    subreddits: list[str] = Field(default_factory=list, description="empty: search r/all")
    page_size: int = Field(default=100, ge=1, le=100)
    submissions: bool = True
    comment_stream: bool = Field(default=True, description="needs subreddits; r/all is a firehose")
    thread_comments: Literal["off", "matching", "all"] = Field(
        default="matching", description="comments of matching submissions: those matching the query "
                                         "too, every comment, or none")
    thread_watch: timedelta = Field(default=timedelta(hours=24), ge=timedelta(0))
    max_threads_per_run: int = Field(default=10, ge=0)
    thread_comment_limit: int = Field(default=200, ge=1, le=500)


class _NoRetry(RetryStrategy):
    """prawcore retries 5xx on its own with `time.sleep`; the listener's policy does it instead."""

    def _sleep_seconds(self) -> float | None:
        return None

    def consume_available_retry(self) -> _NoRetry:
        return self

    def should_retry_on_failure(self) -> bool:
        return False


class _SleepingRateLimiter(RateLimiter):
    """prawcore's header-driven pacing, sleeping through the injected `sleep` (so it is testable and
    bounded by the policy's longest wait)."""

    def __init__(self, *, window_size: int, sleep: Sleep, cap: float) -> None:
        super().__init__(window_size=window_size)
        self._sleep = sleep
        self._cap = cap

    def delay(self) -> None:
        import time

        if self.next_request_timestamp_ns is None:
            return
        seconds = (self.next_request_timestamp_ns - time.monotonic_ns()) / 1e9
        if seconds > 0:
            log.debug("reddit: pacing %.2fs per the x-ratelimit headers", seconds)
            self._sleep(min(seconds, self._cap))


class _Convert(Protocol):
    """How a walked listing's item (a praw object) becomes the brand's mention, read at `now`."""

    def __call__(self, item: Any, *, now: datetime) -> Mention | None: ...


class _Urls(TypedDict, total=False):
    """praw's endpoints, pointed at `base_url` (a test server or a proxy) when one is given."""

    oauth_url: str
    reddit_url: str


def _sessions(reddit: praw.Reddit) -> list[prawcore.Session]:
    """The prawcore sessions of a read-only client, the current one first. praw sets these attributes
    to None in its `__init__` and fills them later, so its inline types say they are always None."""
    cores = cast("list[prawcore.Session | None]", [reddit._core, reddit._read_only_core])
    return list({id(core): core for core in cores if core is not None}.values())


def _fields(item: Any) -> dict[str, Any]:
    """A praw object's raw fields, read without triggering praw's lazy network fetches."""
    if isinstance(item, dict):
        return item
    return {k: v for k, v in vars(item).items() if not k.startswith("_") or k == "_replies"}


_GONE = ("[removed]", "[deleted]")


def _comment_url(data: dict[str, Any]) -> str | None:
    """The comment's permalink; built from its submission and its own id when the listing has
    none (older listings, ``/api/info``): reddit answers ``/comments/<link>/_/<comment>/``."""
    permalink = data.get("permalink")
    if permalink:
        return _SITE + str(permalink)
    link = str(data.get("link_id") or "").removeprefix("t3_")
    if not link or not data.get("id"):
        return None
    subreddit = data.get("subreddit")
    name = subreddit if isinstance(subreddit, str) else vars(subreddit).get("display_name") if subreddit else None
    prefix = f"/r/{name}" if name else ""
    return f"{_SITE}{prefix}/comments/{link}/_/{data['id']}/"


def _response_failure(exc: prawcore.ResponseException, env_vars: tuple[str, ...]) -> Failure:
    """What an HTTP error response means for the run (429s are `RedditListener._rate_limited`'s)."""
    if isinstance(exc, prawcore.InvalidToken):
        return Failure("auth", "invalid token", env_vars=env_vars)
    if isinstance(exc, prawcore.ServerError):
        return Failure("server", f"HTTP {exc.response.status_code}")
    if isinstance(exc, prawcore.Forbidden):
        return Failure("fatal", "HTTP 403 (private, banned or quarantined subreddit?)")
    status = exc.response.status_code
    if status == 401:
        return Failure("auth", "HTTP 401", env_vars=env_vars)
    if status in (500, 502, 503, 504, 520, 522):
        return Failure("server", f"HTTP {status}")
    if status == 429:
        return Failure("rate", "HTTP 429")
    return Failure("fatal", f"HTTP {status}")


def _author(data: dict[str, Any]) -> str | None:
    author = data.get("author")
    if author is None:
        return None
    name = author if isinstance(author, str) else vars(author).get("name")
    return None if name in (None, "[deleted]") else str(name)


class RedditListener(ApiListener):
    source = SOURCE
    log = log
    settings: Settings

    def __init__(self, settings: Settings, **options: Any) -> None:
        super().__init__(settings, **options)
        self._reddit: praw.Reddit | None = None

    @property
    def _env(self) -> tuple[str, ...]:
        return (self.settings.env_var("client_id"), self.settings.env_var("client_secret"))

    def _client(self) -> praw.Reddit:
        if self._reddit is not None:
            return self._reddit
        s = self.settings
        if not (s.client_id and s.client_id.get_secret_value() and s.client_secret
                and s.client_secret.get_secret_value()):
            raise AuthError(SOURCE, self._env, "client id or secret is not set")
        urls: _Urls = {"oauth_url": self.base_url, "reddit_url": self.base_url} if self.base_url else {}
        reddit = praw.Reddit(client_id=s.client_id.get_secret_value(),
                             client_secret=s.client_secret.get_secret_value(),
                             user_agent=s.user_agent, check_for_updates=False, check_for_async=False,
                             timeout=max(1, int(s.timeout.total_seconds())), **urls)
        reddit.read_only = True
        cap = min(s.backoff_max, s.max_wait).total_seconds()
        for core in _sessions(reddit):
            # prawcore types the attribute after its default (FiniteRetryStrategy); it takes any RetryStrategy
            core._retry_strategy_class = _NoRetry  # type: ignore[assignment]
            core._rate_limiter = _SleepingRateLimiter(window_size=reddit.config.window_size,
                                                      sleep=self.sleep, cap=cap)
        self._reddit = reddit
        return reddit

    def _classify(self, exc: BaseException) -> Failure | None:
        if isinstance(exc, prawcore.OAuthException):
            return Failure("auth", f"OAuth error: {exc.error}", env_vars=self._env)
        if isinstance(exc, prawcore.TooManyRequests):
            return self._rate_limited(exc)
        if isinstance(exc, prawcore.ResponseException):
            return _response_failure(exc, self._env)
        if isinstance(exc, prawcore.RequestException):
            return Failure("network", type(exc.original_exception).__name__)
        if isinstance(exc, PRAWException):
            return Failure("fatal", str(exc)[:200])
        return None

    def _rate_limited(self, exc: prawcore.TooManyRequests) -> Failure:
        """A 429: wait what its headers ask, and only that (prawcore's limiter must not wait again)."""
        headers = exc.response.headers
        wait = headers.get("retry-after") or headers.get("x-ratelimit-reset")
        try:
            retry_after = float(wait) if wait is not None else None
        except ValueError:
            retry_after = None
        if retry_after is not None and self._reddit is not None:
            _sessions(self._reddit)[0].rate_limiter.next_request_timestamp_ns = None
        return Failure("rate", "HTTP 429", retry_after)

    def _get(self, what: str, path: str, params: dict[str, Any], stats: BatchStats) -> Any:
        """One listing request (praw objectifies it); prawcore paces by the X-Ratelimit headers."""
        reddit = self._client()
        return self.retrier.call(what, lambda: reddit.get(path, params=params), self._classify, stats)

    # -- conversion -----------------------------------------------------------------------------------

    def _submission(self, item: Any, query: BrandQuery, now: datetime) -> Mention | None:
        data = _fields(item)
        fullname = f"t3_{require(data.get('id'), 'id')}"
        title = data.get("title") or ""
        body = data.get("selftext") or ""
        if body in _GONE:  # the title stays readable when a moderator or the author removed the body
            body = ""
        text = require("\n\n".join(part for part in (title, body) if part), "title")
        created = parse_time(require(data.get("created_utc"), "created_utc"))
        author = _author(data)
        from_brand = query.is_account(author)
        if not from_brand and not query.matches(text):
            return None
        permalink = data.get("permalink")
        return Mention(
            source=SOURCE, external_id=fullname, text=text, created_at=created, brand=query.brand,
            url=_SITE + permalink if permalink else data.get("url"), author_id=None,
            author_handle=author, fetched_at=now, matched_query=query.matched_query,
            engagement=Engagement(likes=int(data.get("score") or 0), replies=int(data.get("num_comments") or 0)),
            thread_id=fullname, from_brand=from_brand,
            raw={"kind": "t3", "subreddit": str(data.get("subreddit") or "") or None,
                 **{k: v for k, v in data.items() if isinstance(v, str | int | float | bool | type(None))}},
        )

    def _comment(self, item: Any, query: BrandQuery, *, now: datetime, filtered: bool = True,
                 matched: str | None = None, from_brand: bool = False) -> Mention | None:
        """A comment as the brand's mention; `filtered`: only when it matches the query. One by
        the brand's accounts (`from_brand`: read from their own listing; or its author is one of
        them) is kept whatever the filter says and marked so."""
        data = _fields(item)
        fullname = f"t1_{require(data.get('id'), 'id')}"
        body = data.get("body")
        if body in _GONE:  # removed by a moderator or deleted by its author: no words left to keep
            return None
        text = require(body, "body")
        created = parse_time(require(data.get("created_utc"), "created_utc"))
        author = _author(data)
        from_brand = from_brand or query.is_account(author)
        if filtered and not from_brand and not query.matches(text):
            return None
        return Mention(
            source=SOURCE, external_id=fullname, text=text, created_at=created, brand=query.brand,
            url=_comment_url(data), author_handle=author, fetched_at=now,
            matched_query=matched or query.matched_query, engagement=Engagement(likes=int(data.get("score") or 0)),
            thread_id=data.get("link_id"), parent_id=data.get("parent_id"), from_brand=from_brand,
            raw={"kind": "t1", **{k: v for k, v in data.items()
                                  if isinstance(v, str | int | float | bool | type(None))}},
        )

    # -- fetch ------------------------------------------------------------------------------------------

    def fetch(self, query: BrandQuery, cursor: Cursor | None) -> Iterator[Batch]:
        out = RedditCursor.load(cursor)
        self._client()
        collector = Collector(SOURCE, log)
        subs = [s.strip().removeprefix("r/") for s in self.settings.subreddits if s.strip()]
        target = "+".join(subs) if subs else "all"
        if self.settings.submissions:
            q = to_reddit(query)
            params = {"q": q, "sort": "new", "syntax": "lucene", "t": "all",
                      "restrict_sr": "on" if subs else "off", "include_over_18": "on"}
            yield from self._walk("submissions", f"r/{target}/search/", params, out, collector,
                                  partial(self._submission, query=query),
                                  on_page=lambda mentions: self._watch(out, mentions))
        if self.settings.comment_stream:
            if subs:
                yield from self._walk("comments", f"r/{target}/comments/", {}, out, collector,
                                      partial(self._comment, query=query))
            else:
                log.debug("reddit: comment stream needs configured subreddits; skipped")
        if self.settings.thread_comments != "off":
            yield from self._threads(out, query, collector)
        for account in query.accounts:
            yield from self._walk(f"accounts.{account}", f"user/{account}/comments/", {"sort": "new"}, out,
                                  collector, partial(self._comment, query=query, matched=f"account:{account}",
                                                     from_brand=True))

    def _walk(self, feed: str, path: str, params: dict[str, Any], out: RedditCursor, collector: Collector,
              convert: _Convert,
              on_page: Callable[[list[Mention]], None] | None = None) -> Iterator[Batch]:
        """Walk one listing newest first; `feed` names its state in the cursor: ``submissions``,
        ``comments`` or ``accounts.<name>`` (a brand account's comments)."""
        walk = Walk.of(_feed_state(out, feed))
        if walk.floor is None and not walk.in_progress:
            start = self.clock() - self.settings.lookback
            walk.floor = Mark(start.timestamp(), [])

        def fetch(token: Any, stats: BatchStats) -> tuple[list[Any], Any]:
            page_params = {**params, "limit": self.settings.page_size}
            if token:
                page_params["after"] = token
            listing = self._get(f"{feed} page", path, page_params, stats)
            return list(getattr(listing, "children", None) or []), getattr(listing, "after", None)

        def cursor() -> Cursor:
            _save_feed_state(out, feed, walk.state())
            return out.dump()

        def key(item: Any) -> tuple[float, str]:
            found = _key(item)
            if found is None:
                raise ValueError("no created_utc or id")
            return found

        steps = WalkSteps(fetch=fetch, key=key, convert=lambda item: convert(item, now=self.clock()),
                          id_of=lambda item: _fields(item).get("id"), cursor=cursor, on_page=on_page,
                          label=f"{feed} walk")
        yield from run_walk(walk, steps, pages=self.settings.max_pages, collector=collector)

    def _watch(self, out: RedditCursor, mentions: list[Mention]) -> None:
        threads = dict(out.threads)
        for mention in mentions:
            threads.setdefault(mention.external_id, RedditThread(created=mention.created_at.timestamp()))
        if len(threads) > _MAX_THREADS_IN_CURSOR:
            keep = sorted(threads.items(), key=lambda kv: kv[1].created, reverse=True)
            threads = dict(keep[:_MAX_THREADS_IN_CURSOR])
        out.threads = threads

    def _threads(self, out: RedditCursor, query: BrandQuery, collector: Collector) -> Iterator[Batch]:
        horizon = (self.clock() - self.settings.thread_watch).timestamp()
        out.threads = {k: v for k, v in out.threads.items() if v.created >= horizon}
        threads = out.threads
        keep_all = self.settings.thread_comments == "all"
        # threads never read come first, then the newest
        order = sorted(threads, key=lambda k: (threads[k].mark is not None, -threads[k].created))
        for fullname in order[: self.settings.max_threads_per_run]:
            stats = BatchStats()
            entry = threads[fullname]
            read_before = Mark.of(entry.mark)
            mark = read_before
            listing = self._get("thread comments", f"comments/{fullname.removeprefix('t3_')}/",
                                {"sort": "new", "limit": self.settings.thread_comment_limit}, stats)
            fresh = []
            for item in _flatten(listing[1] if isinstance(listing, list) and len(listing) > 1 else []):
                key = _key(item)
                if key is not None and read_before is not None and read_before.covers(*key):
                    stats.fetched += 1
                    stats.filtered += 1
                    continue
                fresh.append(item)
                if key is not None:
                    mark = Mark(key[0], [key[1]]) if mark is None else mark.merged(*key)
            convert = partial(self._comment, query=query, filtered=not keep_all,
                              matched=f"thread:{fullname}" if keep_all else None, now=self.clock())
            mentions = collector.collect(fresh, convert, lambda item: _fields(item).get("id"), stats)
            entry.mark = (mark or Mark(0.0)).state()
            yield Batch(mentions, out.dump(), stats)


def _feed_state(out: RedditCursor, feed: str) -> WalkState | None:
    if feed.startswith("accounts."):
        return out.accounts.get(feed.removeprefix("accounts."))
    return out.submissions if feed == "submissions" else out.comments


def _save_feed_state(out: RedditCursor, feed: str, state: WalkState) -> None:
    if feed.startswith("accounts."):
        out.accounts = {**out.accounts, feed.removeprefix("accounts."): state}
    else:
        setattr(out, feed, state)


def _key(item: Any) -> tuple[float, str] | None:
    """An item's (created_utc, id), or None when it lacks them (it is then malformed)."""
    data = _fields(item)
    try:
        return float(data["created_utc"]), str(data["id"])
    except (KeyError, TypeError, ValueError):
        return None


def _flatten(listing: Any) -> list[Any]:
    """Every comment of a thread listing, depth first, without the 'load more' stubs."""
    out: list[Any] = []
    stack = list(reversed(list(getattr(listing, "children", None) or listing or [])))
    while stack:
        item = stack.pop()
        if isinstance(item, praw.models.MoreComments):
            continue
        out.append(item)
        replies = vars(item).get("_replies") if not isinstance(item, dict) else None
        children = list(replies) if replies else []
        stack.extend(reversed(children))
    return out


create = RedditListener.create
