"""X (Twitter) API v2 through tweepy: recent search, full-archive backfill and the filtered stream.

Search mode walks ``/2/tweets/search/recent`` newest to oldest with ``next_token``. The cursor is::

    {"since_id": "<newest id of the last completed walk>" | None,
     "walk": None | {"endpoint": "recent" | "all", "next_token": "...", "newest_id": "...",
                     "start_time": "<ISO>" | None}}

(`records.XCursor`). Each batch's cursor carries the walk in progress (its ``next_token``), so a
crash or the page limit resumes mid-walk; ``since_id`` only advances (to the walk's
``meta.newest_id``) when the walk has reached it, so no post between two runs is ever skipped. The
first run reaches back ``lookback``; beyond the 7 days recent search covers, it uses full-archive search when
``full_archive`` says the plan allows it (a 403 there falls back to recent search).

Stream mode (`XListener.stream`) reads every brand on one connection, as X allows one per app:
it syncs one rule per brand query (tag ``<rule_tag_prefix>:<brand>:<query name>``), deleting rules
under our prefix whose brand or query is gone (X bills every post a rule matches) and never touching
others, connects to ``/2/tweets/search/stream`` and routes each post by its ``matching_rules`` tags to
the brand(s) it matched, yielding per-brand batches every ``page_size`` posts or
``stream_flush``. It reconnects with bounded backoff after a disconnect, a stall (no byte,
not even the 20-second keep-alive, for ``stream_stall``), a 429 or a 5xx, and ends the run
after ``stream_idle_timeout`` without a matching post, ``stream_max`` in all, or as
soon as the caller's stop event is set (the socket is shut down, so a silent stream does not hold
the shutdown; a reconnect or retry wait ends at once too). Each brand's cursor has the search
cursor's shape (``since_id`` = newest post its rule delivered), so switching back to search mode
continues from there.

The brand accounts' replies (``accounts`` on the query) are a second search,
``from:<account> is:reply``, with its own position in the cursor (``replies``); in stream mode it
runs before each stream run. They are kept whatever the brand's filter says, marked ``from_brand``.

Read budget: before every call the listener asks the `ReadBudget` what remains, requests no more
posts than that, and stops with a log line when even the smallest page (10 posts) could pass the
cap. Every post returned is spent (X bills reads, whatever our filter keeps).

tweepy hard-codes ``https://api.twitter.com``; a requests adapter mounted on the client's session
sends the calls to ``base_url`` instead (tests, proxies), and adds the bearer token itself so that
tweepy's debug log, which prints request headers, never sees it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from functools import partial
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

import requests
import tweepy
import urllib3
from pydantic import Field, SecretStr, field_validator
from requests.adapters import HTTPAdapter

from .base import (
    ApiListener,
    Clock,
    Collector,
    Failure,
    Sleep,
    SourceSettings,
    Stopped,
    classify_requests,
    parse_time,
    retry_after_from_headers,
)
from .budget import InMemoryReadBudget, ReadBudget
from .errors import AuthError, QueryNotSupported, SourceUnavailable
from .query import BrandQuery, to_x
from .records import Batch, BatchStats, Cursor, Mention, StopEvent, XCursor, XSearch, XWalk
from .x_posts import Includes, page_posts, to_mention

SOURCE = "x"
log = logging.getLogger("brandpulse.listeners.x")

_HOSTS = ("https://api.twitter.com", "https://api.x.com")
_PLACEHOLDER = "brandpulse-bearer-placeholder"
_TWEET_FIELDS = ["created_at", "lang", "public_metrics", "author_id", "conversation_id",
                 "referenced_tweets", "in_reply_to_user_id", "note_tweet"]
_USER_FIELDS = ["username", "name", "public_metrics", "verified"]
_EXPANSIONS = ["author_id", "referenced_tweets.id", "referenced_tweets.id.author_id"]
_MIN_RESULTS = 10
_RECENT_WINDOW = timedelta(days=7)

#: A search's position: the brand query's own (the cursor itself) or its accounts' replies.
_Search = XCursor | XSearch


def replies_query(accounts: Sequence[str]) -> str:
    """The search for the brand accounts' replies: ``(from:a OR from:b) is:reply``."""
    froms = " OR ".join(f"from:{account}" for account in accounts)
    return f"({froms}) is:reply" if len(accounts) > 1 else f"{froms} is:reply"


class Settings(SourceSettings):
    DEFAULT_ENV: ClassVar[dict[str, str]] = {"bearer_token": "X_BEARER_TOKEN"}

    bearer_token: SecretStr | None = None
    mode: Literal["search", "stream"] = "search"
    page_size: int = Field(default=100, ge=10, le=100, description="max_results per search call")
    max_pages: int = Field(default=5, ge=1)
    full_archive: bool = Field(default=False, description="the plan includes /2/tweets/search/all")
    monthly_read_cap: int | None = Field(default=None, ge=0, description="posts read per month")
    max_query_length: int = Field(default=512, ge=1, description="512 on Basic, 1024 on Pro")
    stream_idle_timeout: timedelta = Field(default=timedelta(minutes=5), gt=timedelta(0))
    stream_max: timedelta = Field(default=timedelta(minutes=15), gt=timedelta(0), description="one stream run")
    stream_stall: timedelta = Field(default=timedelta(seconds=30), gt=timedelta(0),
                                    description="silence (not even a keep-alive) that counts as a stall")
    stream_flush: timedelta = Field(default=timedelta(seconds=10), gt=timedelta(0),
                                    description="longest a matched post waits for its batch")
    stream_max_reconnects: int = Field(default=5, ge=0)
    stream_backfill: timedelta = Field(default=timedelta(0), ge=timedelta(0), le=timedelta(minutes=5),
                                       description="whole minutes a reconnect recovers (Pro plans)")
    rule_tag_prefix: str = "brandpulse"

    @field_validator("stream_backfill")
    @classmethod
    def _whole_minutes(cls, value: timedelta) -> timedelta:
        if value % timedelta(minutes=1):
            raise ValueError("X backfills whole minutes (1m to 5m)")
        return value


class _Redirect(HTTPAdapter):
    """Sends tweepy's api.twitter.com requests to `base_url`, adds the real bearer token, and gives
    every request a timeout (tweepy sets none, so a silent server would hang the job)."""

    def __init__(self, base_url: str | None, token: SecretStr | None, timeout: float) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/") if base_url else None
        self.token = token
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: float | tuple[float, float] | tuple[float, None] | None = None, verify: bool | str = True,
             cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
             proxies: Mapping[str, str] | None = None) -> requests.Response:
        if timeout is None:
            timeout = self.timeout
        if self.base_url and request.url:
            parts = urlsplit(request.url)
            request.url = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        if self.token is not None and request.headers.get("Authorization") == f"Bearer {_PLACEHOLDER}":
            request.headers["Authorization"] = f"Bearer {self.token.get_secret_value()}"
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)


def _mount(session: requests.Session, base_url: str | None, settings: Settings) -> None:
    adapter = _Redirect(base_url, settings.bearer_token, settings.timeout.total_seconds())
    for host in _HOSTS:
        session.mount(host + "/", adapter)


def _lines(response: requests.Response) -> Iterator[bytes]:
    """The stream's lines as soon as they arrive (``iter_lines`` waits for a full chunk, which would
    hold keep-alives and short posts back); keep-alive blank lines come through as ``b""``."""
    buffer = b""
    while True:
        chunk = response.raw.read1(65536)
        if not chunk:
            if buffer:
                yield buffer.rstrip(b"\r")
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line.rstrip(b"\r")


@contextmanager
def _shutdown_on(stop: StopEvent | None, response: requests.Response) -> Iterator[None]:
    """While the stream is read, a watcher shuts its socket down as soon as `stop` is set, so a read
    blocked on a silent stream (keep-alives come every 20 seconds) returns at once."""
    if stop is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if stop.wait(0.1):
                with suppress(ValueError, RuntimeError, OSError):  # already closed or released
                    response.raw.shutdown()
                return

    watcher = threading.Thread(target=watch, name="x-stream-stop", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def _advance(state: _Search, walk: XWalk, data: list[Any], meta: dict[str, Any]) -> None:
    """Note a page in the walk: its newest id, and its next_token; at the walk's end, since_id
    moves to the newest post of the whole walk and the walk is done."""
    newest = meta.get("newest_id")
    if newest is None:
        ids = [str(t["id"]) for t in data if isinstance(t, dict) and str(t.get("id", "")).isdigit()]
        newest = max(ids, key=int) if ids else None
    walk.newest_id = _max_id(walk.newest_id, str(newest) if newest else None)
    if meta.get("next_token"):
        walk.next_token = str(meta["next_token"])
    else:
        state.since_id = _max_id(state.since_id, walk.newest_id)
        state.walk = None


def _check_length(q: str, max_length: int) -> str:
    if len(q) > max_length:
        raise QueryNotSupported(SOURCE, f"the accounts' replies search is {len(q)} characters, over the "
                                        f"limit of {max_length}; list fewer accounts")
    return q


def _max_id(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if int(a) >= int(b) else b


class _StreamRun:
    """One run of the filtered stream: each brand's rule tag, query and cursor, the posts waiting to
    be stored and the newest post each rule delivered, and why the run ends (`reason`)."""

    def __init__(self, listener: XListener, queries: Sequence[tuple[BrandQuery, Cursor | None]],
                 stop: StopEvent | None) -> None:
        self.settings = listener.settings
        self.stop = stop
        self.stats = BatchStats()
        self.routes, self.wanted, self.states = listener._rules(queries, self.stats)
        self.since = {tag: state.since_id for tag, state in self.states.items()}
        self.saved = dict(self.since)
        self.collectors = {tag: Collector(SOURCE, log) for tag in self.routes}
        self.pending: dict[str, list[Mention]] = {tag: [] for tag in self.routes}
        self.started = self.last_post = listener.clock()
        self.first_pending: datetime | None = None
        self.reconnects = 0
        self.reason: str | None = None

    def take(self, line: tuple[str | None, list[tuple[str, Mention | None]]], now: datetime) -> None:
        """Note what one stream line brought (`XListener._stream_line`): each rule's position, and
        its brand's mention when the filter kept it."""
        position, routed = line
        for tag, mention in routed:
            self.since[tag] = _max_id(self.since[tag], position)
            if mention is not None:
                self.pending[tag].append(mention)
                self.last_post = now
                self.first_pending = self.first_pending or now

    def flush_due(self, now: datetime) -> bool:
        waiting = sum(map(len, self.pending.values()))
        if not waiting:
            return False
        return waiting >= self.settings.page_size or bool(
            self.first_pending and now - self.first_pending >= self.settings.stream_flush)

    def flush(self, end: str | None = None) -> Iterator[tuple[BrandQuery, Batch]]:
        """A batch for each brand with posts waiting or a newer position (every brand at the `end`
        of the run, its `stop_reason` set); the connection's costs ride on the first batch."""
        for tag, query in self.routes.items():
            if end is not None or self.pending[tag] or self.since[tag] != self.saved[tag]:
                self.stats.stop_reason = end
                self.states[tag].since_id = self.since[tag]
                yield query, Batch(self.pending[tag], self.states[tag].dump(), self.stats)
                self.stats, self.pending[tag], self.saved[tag] = BatchStats(), [], self.since[tag]
        self.first_pending = None


class XListener(ApiListener):
    source = SOURCE
    log = log
    settings: Settings

    def __init__(self, settings: Settings, *, base_url: str | None = None, clock: Clock | None = None,
                 sleep: Sleep | None = None, budget: ReadBudget | None = None, stop: StopEvent | None = None) -> None:
        super().__init__(settings, base_url=base_url, clock=clock, sleep=sleep, stop=stop)
        if budget is None and settings.monthly_read_cap is not None:
            log.warning("x: monthly_read_cap is set but no persistent budget was given; counting in memory")
            budget = InMemoryReadBudget(settings.monthly_read_cap)
        self.budget = budget
        self.client = tweepy.Client(bearer_token=_PLACEHOLDER, return_type=requests.Response,
                                    wait_on_rate_limit=False)
        self.client.user_agent = settings.user_agent
        _mount(self.client.session, self.base_url, settings)
        self._synced_rules: dict[str, str] = {}

    @classmethod
    def create(cls, settings: Settings, *, base_url: str | None = None, clock: Clock | None = None,
               sleep: Sleep | None = None, budget: ReadBudget | None = None,
               stop: StopEvent | None = None) -> XListener:
        return cls(settings, base_url=base_url, clock=clock, sleep=sleep, budget=budget, stop=stop)

    # -- shared -------------------------------------------------------------------------------------

    @property
    def _env(self) -> tuple[str, ...]:
        return (self.settings.env_var("bearer_token"),)

    def _classify(self, exc: BaseException, *, endpoint: str = "") -> Failure | None:
        now = self.clock().timestamp()
        if isinstance(exc, tweepy.HTTPException):
            response = exc.response
            status = getattr(response, "status_code", 0)
            headers = getattr(response, "headers", None)
            detail = "; ".join(str(m) for m in exc.api_messages[:2]) or f"HTTP {status}"
            detail = f"HTTP {status}: {detail}"[:300]
            if isinstance(exc, tweepy.TooManyRequests):
                return Failure("rate", detail, retry_after_from_headers(headers, now, "x-rate-limit-reset"))
            if isinstance(exc, tweepy.Unauthorized):
                return Failure("auth", detail, env_vars=self._env)
            if isinstance(exc, tweepy.Forbidden):
                if endpoint == "all":
                    return Failure("fatal", "full-archive search is not available to this account: " + detail)
                return Failure("auth", detail, env_vars=self._env)
            if isinstance(exc, tweepy.TwitterServerError):
                return Failure("server", detail, retry_after_from_headers(headers, now))
            return Failure("fatal", detail)
        if isinstance(exc, requests.RequestException):
            return classify_requests(exc, now=now, env_vars=self._env)
        return None

    def _allowance(self, want: int) -> int | None:
        """How many posts the next call may return without passing the read cap; None to stop."""
        if self.budget is None:
            return want
        remaining = self.budget.remaining()
        if remaining is None:
            return want
        if remaining < min(want, _MIN_RESULTS):
            log.warning("x: monthly read budget nearly spent (%d posts left, the smallest call reads up "
                        "to %d); stopping before the cap is passed", remaining, min(want, _MIN_RESULTS))
            return None
        return min(want, remaining)

    def _spend(self, n: int, stats: BatchStats) -> None:
        if n and self.budget is not None:
            self.budget.spend(n)
        stats.budget_used += n

    def _require_token(self) -> None:
        if self.settings.bearer_token is None or not self.settings.bearer_token.get_secret_value():
            raise AuthError(SOURCE, self._env, "no bearer token is set")

    def fetch(self, query: BrandQuery, cursor: Cursor | None) -> Iterator[Batch]:
        """Search for one brand; in stream mode, the stream for this brand alone (a run's rules are
        exactly its brands', so the collect job streams all brands at once through `stream`)."""
        if self.streaming:
            yield from (batch for _, batch in self.stream([(query, cursor)]))
            return
        self._require_token()
        out = XCursor.load(cursor)
        q = to_x(query, max_length=self.settings.max_query_length)
        yield from self._search(q, out, out, query)
        yield from self._replies(query, out)

    def _replies(self, query: BrandQuery, out: XCursor) -> Iterator[Batch]:
        """The brand accounts' replies (`query.accounts`), by recent search: kept whatever the
        brand's filter says, marked `from_brand`; their position is the cursor's ``replies``."""
        if not query.accounts:
            return
        out.replies = out.replies or XSearch()
        q = _check_length(replies_query(query.accounts), self.settings.max_query_length)
        yield from self._search(q, out.replies, out, query, from_brand=True)

    # -- search -------------------------------------------------------------------------------------

    def _new_walk(self, state: _Search, now: datetime, *, widest: bool = False) -> XWalk:
        """A walk from the newest post down to ``since_id``, or on a first run (or when since_id
        was refused: `widest`, all recent search covers) back ``lookback``."""
        if state.since_id:
            return XWalk()
        start = now - (_RECENT_WINDOW if widest else self.settings.lookback)
        endpoint: Literal["recent", "all"] = "recent"
        if now - start > _RECENT_WINDOW - timedelta(minutes=1):
            if self.settings.full_archive:
                endpoint = "all"
            else:
                log.warning("x: lookback of %s exceeds recent search's 7 days and full_archive is "
                            "off; backfilling 7 days only", self.settings.lookback)
                start = now - _RECENT_WINDOW + timedelta(minutes=1)
        return XWalk(endpoint=endpoint, start_time=start.isoformat())

    def _params(self, state: _Search, walk: XWalk, allowed: int) -> dict[str, Any]:
        params: dict[str, Any] = {"max_results": max(_MIN_RESULTS, allowed), "tweet_fields": _TWEET_FIELDS,
                                  "user_fields": _USER_FIELDS, "expansions": _EXPANSIONS}
        if state.since_id:
            params["since_id"] = state.since_id
        elif walk.start_time:
            params["start_time"] = parse_time(walk.start_time)
        if walk.next_token:
            params["next_token"] = walk.next_token
        return params

    def _recover(self, exc: SourceUnavailable, state: _Search, walk: XWalk, now: datetime,
                 restarted: bool) -> Literal["fallback", "restart"] | None:
        """After a refused search call, how to go on, if at all: a full-archive search the plan lacks
        falls back to recent search; a saved next_token or since_id X refuses (tokens expire, since_id
        must lie within 7 days) restarts the walk once, as wide as recent search allows."""
        if walk.endpoint == "all" and isinstance(exc.__cause__, tweepy.Forbidden):
            log.warning("x: %s; falling back to recent search (7 days)", exc.detail)
            self.settings = self.settings.model_copy(update={"full_archive": False})
            state.walk = None
            return "fallback"
        saved = "next_token" if walk.next_token else "since_id" if state.since_id else None
        if not saved or restarted or not isinstance(exc.__cause__, tweepy.BadRequest):
            return None
        log.warning("x: the saved %s was refused (%s); restarting the walk from the newest post", saved, exc.detail)
        widest = saved == "since_id"
        if widest:
            state.since_id = None
        state.walk = self._new_walk(state, now, widest=widest)
        return "restart"

    def _search(self, q: str, state: _Search, out: XCursor, query: BrandQuery, *,
                from_brand: bool = False) -> Iterator[Batch]:
        """Walk search `q` from `state` (a part of the cursor `out`, which each batch carries); its posts
        become `query`'s mentions, marked `from_brand` for the brand accounts' replies (`to_mention`)."""
        collector = Collector(SOURCE, log)
        restarted = False
        for page in range(self.settings.max_pages):
            stats = BatchStats()
            now = self.clock()
            walk = state.walk = state.walk or self._new_walk(state, now)
            allowed = self._allowance(self.settings.page_size)
            if allowed is None:
                stats.stop_reason = "read budget exhausted"
                yield Batch([], out.dump(), stats)
                return
            try:
                body = self._search_page(q, walk.endpoint, self._params(state, walk, allowed), stats)
            except SourceUnavailable as exc:
                recovery = self._recover(exc, state, walk, now, restarted)
                if recovery is None:
                    raise
                restarted = restarted or recovery == "restart"
                continue
            data = page_posts(body)
            self._spend(len(data), stats)
            includes = Includes.of(body)
            mentions = collector.collect(data, partial(to_mention, includes=includes, query=query, now=now,
                                                       from_brand=from_brand),
                                         lambda t: t.get("id") if isinstance(t, dict) else None, stats)
            _advance(state, walk, data, body.get("meta") or {})
            if state.walk is not None and page == self.settings.max_pages - 1:
                stats.stop_reason = "page limit; the next run resumes the walk"
            yield Batch(mentions, out.dump(), stats)
            if state.walk is None:
                return

    def _search_page(self, q: str, endpoint: str, params: dict[str, Any], stats: BatchStats) -> dict[str, Any]:
        method = self.client.search_all_tweets if endpoint == "all" else self.client.search_recent_tweets
        what = "full-archive search" if endpoint == "all" else "recent search"
        response = self.retrier.call(what, lambda: method(q, **params),
                                     lambda e: self._classify(e, endpoint=endpoint), stats)
        self.retrier.gate.note_headers(response.headers, "x-rate-limit-remaining", "x-rate-limit-reset")
        try:
            body = response.json()
        except ValueError as exc:
            raise SourceUnavailable(SOURCE, f"{what} returned invalid JSON") from exc
        return body if isinstance(body, dict) else {}

    # -- stream -------------------------------------------------------------------------------------

    @property
    def streaming(self) -> bool:
        """Whether runs read the filtered stream (`stream`, every brand on one connection) rather
        than search brand by brand (`fetch`)."""
        return self.settings.mode == "stream"

    def _rule_tag(self, query: BrandQuery) -> str:
        return f"{self.settings.rule_tag_prefix}:{query.brand}:{query.name}"

    def _stream_client(self) -> tweepy.StreamingClient:
        client = tweepy.StreamingClient(_PLACEHOLDER, return_type=dict, wait_on_rate_limit=False)
        client.user_agent = self.settings.user_agent
        _mount(client.session, self.base_url, self.settings)
        return client

    def _sync_rules(self, client: tweepy.StreamingClient, wanted: dict[str, str], stats: BatchStats,
                    stop: StopEvent | None) -> None:
        """Make the rules tagged with our prefix exactly `wanted` (tag -> value): rules of brands no
        longer configured, and rules whose query changed, are deleted (X bills every post they
        match); missing ones are added. Rules without our prefix are never touched."""
        if self._synced_rules == wanted:
            return
        existing = self.retrier.call("list stream rules", client.get_rules, self._classify, stats, stop=stop)
        prefix = f"{self.settings.rule_tag_prefix}:"
        ours = [r for r in existing.get("data") or [] if str(r.get("tag") or "").startswith(prefix)]
        stale = [r for r in ours if wanted.get(r["tag"]) != r.get("value")]
        if stale:
            ids = [str(r["id"]) for r in stale]
            self.retrier.call("delete stale stream rules", lambda: client.delete_rules(ids), self._classify, stats,
                              stop=stop)
            log.info("x: deleted %d stale stream rule(s): %s", len(stale), ", ".join(r["tag"] for r in stale))
        present = {(r["tag"], r.get("value")) for r in ours}
        missing = [tweepy.StreamRule(value=value, tag=tag) for tag, value in wanted.items()
                   if (tag, value) not in present]
        if missing:
            result = self.retrier.call("add stream rules", lambda: client.add_rules(missing), self._classify,
                                       stats, stop=stop)
            errors = result.get("errors") if isinstance(result, dict) else None
            if errors and not result.get("data"):
                raise SourceUnavailable(SOURCE, f"the stream rule was rejected: {errors[0]}")
            for error in errors or ():
                log.error("x: a stream rule was rejected: %s", str(error)[:300])
            log.info("x: added stream rule(s): %s", ", ".join(rule.tag for rule in missing))
            if errors:
                return  # try the rejected ones again next run
        self._synced_rules = dict(wanted)

    def _open_stream(self, client: tweepy.StreamingClient) -> requests.Response:
        params: dict[str, Any] = {"tweet.fields": ",".join(_TWEET_FIELDS),
                                  "user.fields": ",".join(_USER_FIELDS), "expansions": ",".join(_EXPANSIONS)}
        if self.settings.stream_backfill:
            params["backfill_minutes"] = self.settings.stream_backfill // timedelta(minutes=1)
        session: requests.Session = client.session  # tweepy ships no types; its session is requests'
        response = session.get(
            f"{_HOSTS[0]}/2/tweets/search/stream", params=params,
            headers={"Authorization": f"Bearer {_PLACEHOLDER}", "User-Agent": self.settings.user_agent},
            stream=True, timeout=(self.settings.timeout.total_seconds(), self.settings.stream_stall.total_seconds()))
        if response.status_code != 200:
            try:
                response.raise_for_status()
            finally:
                response.close()
        return response

    def stream(self, queries: Sequence[tuple[BrandQuery, Cursor | None]],
               stop: StopEvent | None = None) -> Iterator[tuple[BrandQuery, Batch]]:
        """Read the filtered stream for every brand in `queries` (its query and cursor) on one
        connection, routing each post by its ``matching_rules`` tags to the brand(s) whose rule it
        matched (a post without tags is offered to every brand's filter). Yields ``(query, batch)``:
        a flush yields a batch for each brand with new posts or a newer position, the end of the run
        one for every brand, its ``stop_reason`` set. Setting `stop` (by default the listener's own)
        ends the run within a moment, even while the stream is silent or a reconnect is waiting,
        after yielding what was collected. The brand accounts' replies match no brand rule: they
        are read by recent search before the stream connects (`_replies`)."""
        self._require_token()
        run = _StreamRun(self, queries, stop if stop is not None else self.stop)
        client = self._stream_client()
        try:
            try:
                self._sync_rules(client, run.wanted, run.stats, run.stop)
            except Stopped:
                run.reason = "stop requested"
            if not run.routes:  # no brand left to listen for: their rules are deleted, nothing to connect for
                if run.stats.failures:
                    raise QueryNotSupported(SOURCE, "no stream rule: " + "; ".join(run.stats.failures))
                return
            for tag, query in run.routes.items() if run.reason is None else ():
                yield from ((query, batch) for batch in self._replies(query, run.states[tag]))
            while run.reason is None:
                yield from self._stream_connection(client, run)
        finally:
            client.session.close()
        log.info("x: filtered stream run ended: %s", run.reason)
        yield from run.flush(run.reason)

    def _stream_connection(self, client: tweepy.StreamingClient, run: _StreamRun
                           ) -> Iterator[tuple[BrandQuery, Batch]]:
        """One connection of a stream run: connect, read until it drops or the run ends, then wait
        before the next one (or give up after too many drops in a row); `run.reason` says when the
        run is over."""
        remaining = self.budget.remaining() if self.budget is not None else None
        if remaining is not None and remaining <= 0:
            log.warning("x: monthly read budget spent; not connecting to the stream")
            run.reason = "read budget exhausted"
            return
        try:
            response = self.retrier.call("connect to the filtered stream", lambda: self._open_stream(client),
                                         self._classify, run.stats, stop=run.stop)
        except Stopped:
            run.reason = "stop requested"
            return
        log.info("x: filtered stream connected (%d rule(s))", len(run.routes))
        try:
            with _shutdown_on(run.stop, response):
                yield from self._read_stream(response, run)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if not (run.stop and run.stop.is_set()):
                log.warning("x: filtered stream interrupted (%s)", type(exc).__name__)
        finally:
            response.close()
        run.reason = run.reason or self._stream_stop(run.started, run.last_post, self.clock(), run.stop)
        if run.reason is not None:
            return
        if any(run.pending.values()):  # store what arrived before the drop, whatever the reconnect brings
            yield from run.flush()
        run.reconnects += 1
        run.stats.errors += 1
        if run.reconnects > self.settings.stream_max_reconnects:
            raise SourceUnavailable(SOURCE, f"the filtered stream dropped {run.reconnects} times in a "
                                            f"row; giving up for this run")
        delay = self.retrier.backoff(run.reconnects, "network")
        log.info("x: reconnecting to the filtered stream in %.1fs (%d/%d)", delay, run.reconnects,
                 self.settings.stream_max_reconnects)
        if self.retrier.wait(delay, run.stop):
            run.reason = "stop requested"

    def _read_stream(self, response: requests.Response, run: _StreamRun) -> Iterator[tuple[BrandQuery, Batch]]:
        """Read one connection's lines into `run`, flushing as batches fill or age, until the run
        should end (`run.reason`) or the server closes the connection."""
        for line in _lines(response):
            now = self.clock()
            if line:
                run.reconnects = 0
                run.take(self._stream_line(line, run.routes, run.collectors, run.stats, now), now)
            if run.flush_due(now):
                yield from run.flush()
            run.reason = self._stream_stop(run.started, run.last_post, now, run.stop)
            if run.reason is None and self.budget is not None and self.budget.remaining() == 0:
                log.warning("x: monthly read budget spent; closing the stream before the cap is passed")
                run.reason = "read budget exhausted"
            if run.reason:
                return
        if not (run.stop and run.stop.is_set()):
            log.warning("x: the filtered stream was closed by the server")

    def _rules(self, queries: Sequence[tuple[BrandQuery, Cursor | None]], stats: BatchStats,
               ) -> tuple[dict[str, BrandQuery], dict[str, str], dict[str, XCursor]]:
        """Each brand's rule tag -> its query, its rule, and its cursor. A query X cannot take gets
        no rule and is named in `stats.failures`: one brand's query must not silence the others."""
        routes: dict[str, BrandQuery] = {}
        wanted: dict[str, str] = {}
        states: dict[str, XCursor] = {}
        for query, cursor in queries:
            tag = self._rule_tag(query)
            try:
                wanted[tag] = to_x(query, max_length=self.settings.max_query_length)
            except QueryNotSupported as error:
                log.error("x: no stream rule for %s: %s", query.brand, error)
                stats.errors += 1
                stats.failures.append(f"{query.brand} ({query.name}): {error}")
                continue
            routes[tag] = query
            states[tag] = XCursor.load(cursor)
        return routes, wanted, states

    def _stream_stop(self, started: datetime, last_post: datetime, now: datetime,
                     stop: StopEvent | None) -> str | None:
        if stop is not None and stop.is_set():
            return "stop requested"
        if now - started >= self.settings.stream_max:
            return "stream run reached stream_max"
        if now - last_post >= self.settings.stream_idle_timeout:
            return "stream idle timeout"
        return None

    def _stream_line(self, line: bytes, routes: dict[str, BrandQuery], collectors: dict[str, Collector],
                     stats: BatchStats, now: datetime) -> tuple[str | None, list[tuple[str, Mention | None]]]:
        """The post's id (None when it has no usable one) and, for each brand whose rule delivered it,
        the rule's tag and the brand's mention (None when the brand's filter leaves it out). A post
        is read, billed and counted once, however many brands it goes to."""
        try:
            message = json.loads(line)
        except ValueError:
            stats.skipped += 1
            stats.skipped_ids.append("<unparseable line>")
            log.warning("x: skipping an unparseable stream line (%d bytes)", len(line))
            return None, []
        tweet = message.get("data") if isinstance(message, dict) else None
        if not isinstance(tweet, dict):
            if isinstance(message, dict) and message.get("errors"):
                log.warning("x: stream message: %s", str(message["errors"])[:300])
            return None, []
        self._spend(1, stats)
        stats.fetched += 1
        tweet_id = str(tweet.get("id", ""))
        rules = message.get("matching_rules")
        tags = [r.get("tag") for r in rules if isinstance(r, dict)] if isinstance(rules, list) and rules else None
        targets = [tag for tag in routes if tags is None or tag in tags]
        includes = Includes.of(message)
        each = BatchStats()
        routed: list[tuple[str, Mention | None]] = []
        for tag in targets:
            kept = collectors[tag].collect([tweet], partial(to_mention, includes=includes, query=routes[tag], now=now),
                                           lambda t: t.get("id"), each)
            routed.append((tag, kept[0] if kept else None))
        if each.skipped:
            stats.skipped += 1
            stats.skipped_ids.append(each.skipped_ids[0])
        elif not any(mention for _, mention in routed):
            stats.filtered += 1  # not for any of our brands, or their filters leave it out
        return (tweet_id if tweet_id.isdigit() else None), routed


create = XListener.create
