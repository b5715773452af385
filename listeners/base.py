"""What every listener shares: settings, the retry policy, rate-limit pacing, high-water marks and
malformed-item handling.

Retry policy (`Retrier`): every API call goes through `Retrier.call`. A 429 or a 5xx/network error
is retried with exponential backoff and jitter (a uniform wait between half and all of
``base * 2**(attempt-1)``, capped at ``backoff_max``; a 429 without a reset header starts
from ``rate_limit_base``), or after exactly the wait the API's headers ask for. A call is
retried at most ``max_retries`` times and never waits more than ``max_wait`` in total; a
header that asks for a longer wait than ``backoff_max`` stops the run with `RateLimited` at
once rather than hanging (the cursor of the last stored batch stays valid). Auth failures raise
`AuthError` naming the environment variable, without retrying. `RateGate` honours
``remaining``/``reset`` headers before the next call is made.

Stopping: a listener may be given a ``stop`` (a `threading.Event` or anything with ``is_set`` and
``wait``). Every wait (backoff, rate-limit pacing, a stream's reconnect) then ends as soon as it is
set, and a call that was waiting to be retried raises `Stopped`, so a shutdown never sits out a
two-minute backoff. Batches yielded before stay valid with their cursors.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from .budget import ReadBudget
from .errors import AuthError, ListenerError, RateLimited, SourceUnavailable
from .records import Batch, BatchStats, Cursor, MarkState, Mention, StopEvent, WalkState, utc

if TYPE_CHECKING:
    import requests

T = TypeVar("T")

Clock = Callable[[], datetime]
#: Waits the given seconds; what it returns is ignored (`Retrier.wait` says whether a stop was set).
Sleep = Callable[[float], object]


class Stopped(ListenerError):
    """The caller's stop was set while the listener waited to retry a call (or for a rate-limit
    reset): the run ends without that call; what was yielded before stays valid."""


def system_clock() -> datetime:
    return datetime.now(UTC)


DEFAULT_USER_AGENT = "brandpulse/0.1 (social listening; +https://example.invalid/brandpulse)"


class SourceSettings(BaseModel):
    """Settings every source has. Credentials are `SecretStr` fields of the subclasses.

    ``credential_env`` maps a credential field to the NAME of the environment variable it came from
    (the config loader fills it while resolving ``${VAR}`` references); an `AuthError` names that
    variable, or the subclass's conventional name from ``DEFAULT_ENV`` when the map has none.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    DEFAULT_ENV: ClassVar[dict[str, str]] = {}

    enabled: bool = True
    interval: timedelta = Field(default=timedelta(minutes=15), gt=timedelta(0),
                                description="how often the service runs it")
    page_size: int = Field(default=100, ge=1)
    max_pages: int = Field(default=10, ge=1, description="pages per run; the cursor resumes the rest")
    lookback: timedelta = Field(default=timedelta(hours=24), ge=timedelta(0),
                                description="how far back the first run reaches")
    timeout: timedelta = Field(default=timedelta(seconds=30), gt=timedelta(0), description="limit for one HTTP call")
    max_retries: int = Field(default=4, ge=0, description="retries of one call after its first attempt")
    backoff_base: timedelta = Field(default=timedelta(seconds=1), ge=timedelta(0),
                                    description="first wait after a failed call")
    rate_limit_base: timedelta = Field(default=timedelta(seconds=5), ge=timedelta(0),
                                       description="first wait after a bare 429")
    backoff_max: timedelta = Field(default=timedelta(minutes=2), ge=timedelta(0), description="longest single wait")
    max_wait: timedelta = Field(default=timedelta(minutes=5), ge=timedelta(0), description="most waiting for one call")
    user_agent: str = DEFAULT_USER_AGENT
    credential_env: dict[str, str] = Field(default_factory=dict)

    def env_var(self, credential: str) -> str:
        return self.credential_env.get(credential) or self.DEFAULT_ENV.get(credential, credential.upper())


class ApiListener:
    """What every listener keeps: its settings, where its API is, its clock, and its retry policy.

    Subclasses set `source` and `log`; each module exposes ``create = TheListener.create``.
    """

    source: ClassVar[str] = ""
    log: ClassVar[logging.Logger] = logging.getLogger("brandpulse.listeners")

    def __init__(self, settings: SourceSettings, *, base_url: str | None = None, clock: Clock | None = None,
                 sleep: Sleep | None = None, stop: StopEvent | None = None) -> None:
        """`sleep` replaces real waiting (tests, simulated time); `stop` ends every wait early."""
        self.settings = settings
        self.base_url = base_url.rstrip("/") if base_url else None
        self.clock = clock or system_clock
        self.stop = stop
        self.retrier = Retrier(self.source, settings, clock=self.clock, sleep=sleep, stop=stop, log=self.log)
        self.sleep: Sleep = sleep or self.retrier.wait

    def http_session(self) -> requests.Session:
        """A requests session that identifies the product (for sources spoken to over plain HTTP)."""
        import requests

        session = requests.Session()
        session.headers["User-Agent"] = self.settings.user_agent
        return session

    @classmethod
    def create(cls, settings: Any, *, base_url: str | None = None, clock: Clock | None = None,
               sleep: Sleep | None = None, budget: ReadBudget | None = None, stop: StopEvent | None = None) -> Self:
        """The registry's constructor; `budget` only matters to sources that bill reads (X)."""
        return cls(settings, base_url=base_url, clock=clock, sleep=sleep, stop=stop)


# --------------------------------------------------------------------------------------------------
# Retries and rate limits
# --------------------------------------------------------------------------------------------------

FailureKind = Literal["rate", "server", "network", "auth", "fatal"]


@dataclass(slots=True)
class Failure:
    """How a source classifies an exception: retry it (rate/server/network) or not (auth/fatal)."""

    kind: FailureKind
    detail: str = ""
    retry_after: float | None = None
    env_vars: tuple[str, ...] = ()


def retry_after_from_headers(headers: Any, now: float, *names: str) -> float | None:
    """Seconds to wait from ``Retry-After`` or an epoch/ISO reset header among `names`."""
    if headers is None:
        return None
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - now)
            except (TypeError, ValueError):
                pass
    for name in names:
        value = headers.get(name)
        if value is None:
            continue
        reset = _reset_epoch(str(value))
        if reset is not None:
            return max(0.0, reset - now)
    return None


def _reset_epoch(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parse_time(value).timestamp()
    except (TypeError, ValueError):
        return None


class RateGate:
    """Remembers the last ``remaining``/``reset`` the API reported and, when nothing remains, waits
    for the reset before the next call (or stops the run when the reset is too far away)."""

    def __init__(self) -> None:
        self.remaining: int | None = None
        self.reset_at: float | None = None

    def note(self, remaining: Any, reset: Any) -> None:
        try:
            self.remaining = int(float(remaining)) if remaining is not None else None
        except (TypeError, ValueError):
            self.remaining = None
        self.reset_at = _reset_epoch(str(reset)) if reset is not None else None

    def note_headers(self, headers: Any, remaining: str, reset: str) -> None:
        if headers is not None and headers.get(remaining) is not None:
            self.note(headers.get(remaining), headers.get(reset))

    def wait_needed(self, now: float) -> float:
        if self.remaining is None or self.remaining > 0 or self.reset_at is None:
            return 0.0
        return max(0.0, self.reset_at - now)


class Retrier:
    """Runs API calls under the source's retry policy, counting calls and errors in the stats.

    It waits in real time, cut short by `stop`, unless `sleep` is given (tests, simulated time).
    """

    def __init__(self, source: str, settings: SourceSettings, *, clock: Clock, sleep: Sleep | None,
                 log: logging.Logger, stop: StopEvent | None = None, rng: random.Random | None = None) -> None:
        self.source = source
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        self.stop = stop
        self.log = log
        self.rng = rng or random.Random()
        self.gate = RateGate()

    def wait(self, seconds: float, stop: StopEvent | None = None) -> bool:
        """Wait `seconds`, or less once `stop` (else the retrier's own) is set; whether it is set."""
        stop = stop if stop is not None else self.stop
        if seconds > 0:
            if self.sleep is not None:
                self.sleep(seconds)
            elif stop is not None:
                stop.wait(seconds)
            else:
                time.sleep(seconds)
        return stop is not None and stop.is_set()

    def _wait_or_stop(self, seconds: float, stop: StopEvent | None, why: str) -> None:
        if self.wait(seconds, stop):
            self.log.info("%s: stop requested while waiting %.0fs %s", self.source, seconds, why)
            raise Stopped(self.source, f"stopped while waiting {seconds:.0f}s {why}")

    def backoff(self, attempt: int, kind: FailureKind) -> float:
        base = self.settings.rate_limit_base if kind == "rate" else self.settings.backoff_base
        ceiling = min(self.settings.backoff_max, base * (2 ** (attempt - 1))).total_seconds()
        return self.rng.uniform(ceiling / 2, ceiling)  # "equal jitter": never zero, never over the cap

    def _pace(self, what: str, stop: StopEvent | None) -> None:
        wait = self.gate.wait_needed(self.clock().timestamp())
        if wait <= 0:
            return
        if wait > min(self.settings.backoff_max, self.settings.max_wait).total_seconds():
            raise RateLimited(self.source, f"rate limit window exhausted before {what}", retry_after=wait,
                              reset_at=datetime.fromtimestamp(self.gate.reset_at or 0, UTC))
        self.log.info("%s: rate limit window exhausted; waiting %.1fs for the reset before %s",
                      self.source, wait, what)
        self._wait_or_stop(wait, stop, f"for the rate-limit reset before {what}")
        self.gate.remaining = None

    def call(self, what: str, fn: Callable[[], T], classify: Callable[[BaseException], Failure | None],
             stats: BatchStats, *, stop: StopEvent | None = None) -> T:
        """`fn()` under the retry policy; `stop` (else the retrier's own) cuts its waits short."""
        waited = 0.0
        attempt = 0
        while True:
            self._pace(what, stop)
            stats.calls += 1
            try:
                return fn()
            except Exception as exc:
                failure = classify(exc)
                if failure is None:
                    raise
                stats.errors += 1
                self._give_up_unless_retryable(what, failure, exc)
                attempt += 1
                delay = failure.retry_after if failure.retry_after is not None else self.backoff(
                    attempt, failure.kind)
                if failure.retry_after is not None and failure.retry_after <= 0:
                    delay = self.backoff(attempt, failure.kind)
                over_budget = (attempt > self.settings.max_retries
                               or delay > self.settings.backoff_max.total_seconds()
                               or waited + delay > self.settings.max_wait.total_seconds())
                if over_budget:
                    self._give_up(what, failure, exc, attempt, delay)
                self.log.warning("%s: %s failed (%s); retry %d/%d in %.1fs", self.source, what,
                                 failure.detail or failure.kind, attempt, self.settings.max_retries, delay)
                self._wait_or_stop(delay, stop, f"to retry {what}")
                waited += delay

    def _give_up_unless_retryable(self, what: str, failure: Failure, exc: BaseException) -> None:
        if failure.kind == "auth":
            names = failure.env_vars or ()
            self.log.error("%s: %s refused the credentials (%s); check %s", self.source, what,
                           failure.detail, " or ".join(names) or "the credentials")
            raise AuthError(self.source, names, failure.detail) from exc
        if failure.kind == "fatal":
            self.log.error("%s: %s failed: %s", self.source, what, failure.detail)
            raise SourceUnavailable(self.source, f"{what} failed: {failure.detail}") from exc

    def _give_up(self, what: str, failure: Failure, exc: BaseException, attempt: int, delay: float) -> None:
        if failure.kind == "rate":
            self.log.warning("%s: %s still rate limited after %d attempt(s); stopping this run (next wait "
                             "would be %.0fs)", self.source, what, attempt, delay)
            raise RateLimited(self.source, f"{what} rate limited", retry_after=delay) from exc
        self.log.error("%s: %s failed after %d attempt(s): %s", self.source, what, attempt, failure.detail)
        raise SourceUnavailable(self.source, f"{what} failed after {attempt} attempt(s): "
                                             f"{failure.detail or failure.kind}") from exc


def classify_status(status: int, detail: str, retry_after: float | None,
                    env_vars: tuple[str, ...]) -> Failure:
    """The usual meaning of an HTTP status for a read-only client."""
    if status == 429:
        return Failure("rate", detail or "429 Too Many Requests", retry_after)
    if status in (401, 403):
        return Failure("auth", detail or str(status), env_vars=env_vars)
    if status >= 500 or status == 408:
        return Failure("server", detail or f"HTTP {status}", retry_after)
    return Failure("fatal", detail or f"HTTP {status}")


def classify_requests(exc: BaseException, *, now: float, env_vars: tuple[str, ...] = ()) -> Failure | None:
    """Classify a `requests` exception (raised by `raise_for_status` or the transport)."""
    import requests

    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        response = exc.response
        return classify_status(response.status_code, f"HTTP {response.status_code}",
                               retry_after_from_headers(response.headers, now), env_vars)
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return Failure("network", type(exc).__name__)
    if isinstance(exc, requests.RequestException):
        return Failure("network", str(exc)[:200])
    return None


# --------------------------------------------------------------------------------------------------
# Time and ids
# --------------------------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime:
    """An aware UTC datetime from ISO 8601 text (``Z`` allowed), epoch seconds, or a datetime."""
    if isinstance(value, datetime):
        return utc(value)
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    text = str(value).strip()
    if not text:
        raise ValueError("empty time")
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except ValueError:
        pass
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return utc(datetime.fromisoformat(text))
    except ValueError:
        return utc(parsedate_to_datetime(text))  # RFC 2822 (RSS); raises ValueError/TypeError


# --------------------------------------------------------------------------------------------------
# High-water marks and newest-first walks
# --------------------------------------------------------------------------------------------------

_MAX_MARK_IDS = 500


@dataclass(slots=True)
class Mark:
    """A position in a source's ordering: the largest `value` (time or numeric id) seen and the ids
    seen exactly at that value, so items sharing a timestamp are neither skipped nor repeated."""

    value: float
    ids: list[str] = field(default_factory=list)

    def covers(self, value: float, item_id: str) -> bool:
        """Whether an item at (`value`, `item_id`) is at or behind this mark (already seen)."""
        return value < self.value or (value == self.value and item_id in self.ids)

    def merged(self, value: float, item_id: str) -> Mark:
        if value > self.value:
            return Mark(value, [item_id])
        if value == self.value and item_id not in self.ids:
            return Mark(self.value, [*self.ids, item_id][-_MAX_MARK_IDS:])
        return self

    @staticmethod
    def combine(a: Mark | None, b: Mark | None) -> Mark | None:
        if a is None or b is None:
            return a or b
        if a.value != b.value:
            return a if a.value > b.value else b
        return Mark(a.value, list(dict.fromkeys(a.ids + b.ids))[-_MAX_MARK_IDS:])

    def state(self) -> MarkState:
        return MarkState(value=self.value, ids=list(self.ids))

    @classmethod
    def of(cls, state: MarkState | None) -> Mark | None:
        return None if state is None else cls(state.value, list(state.ids))


@dataclass(slots=True)
class Walk:
    """A newest-first walk through search results that can stop after any page and resume.

    ``floor`` marks what earlier, completed walks stored; ``token`` says where the walk in progress
    continues (``None``: start from the newest); ``top`` and ``bottom`` are the newest and oldest items
    the walk in progress has seen. Only when a walk reaches the floor (or the end of the results) does
    ``top`` become the new floor, so a crash or a page limit mid-walk never leaves a gap. ``bottom``
    serves offset-paginated APIs, where posts arriving between two pages push posts already read onto
    the next page: anything at or above it was read earlier in this walk.
    """

    floor: Mark | None = None
    token: Any = None
    top: Mark | None = None
    bottom: Mark | None = None

    @property
    def in_progress(self) -> bool:
        return self.token is not None

    def is_old(self, value: float, item_id: str) -> bool:
        return self.floor is not None and self.floor.covers(value, item_id)

    def see(self, value: float, item_id: str) -> None:
        self.top = Mark(value, [item_id]) if self.top is None else self.top.merged(value, item_id)
        if self.bottom is None or value < self.bottom.value:
            self.bottom = Mark(value, [item_id])
        elif value == self.bottom.value and item_id not in self.bottom.ids:
            self.bottom = Mark(value, [*self.bottom.ids, item_id][-_MAX_MARK_IDS:])

    def advance(self, token: Any) -> None:
        self.token = token

    def finish(self) -> None:
        self.floor = Mark.combine(self.top, self.floor)
        self.top = None
        self.bottom = None
        self.token = None

    def state(self) -> WalkState:
        return WalkState(floor=self.floor.state() if self.floor else None, token=self.token,
                         top=self.top.state() if self.top else None,
                         bottom=self.bottom.state() if self.bottom else None)

    @classmethod
    def of(cls, state: WalkState | None) -> Walk:
        if state is None:
            return cls()
        return cls(Mark.of(state.floor), state.token, Mark.of(state.top), Mark.of(state.bottom))


# --------------------------------------------------------------------------------------------------
# Items
# --------------------------------------------------------------------------------------------------


class Collector:
    """Turns one page of raw items into mentions: converts each item on its own (a malformed item is
    skipped, counted and logged with its id, its neighbours are kept), applies the brand's filter
    and drops ids already yielded in this run (overlapping pages)."""

    def __init__(self, source: str, log: logging.Logger, seen: set[str] | None = None) -> None:
        self.source = source
        self.log = log
        self.seen: set[str] = seen if seen is not None else set()

    def collect(self, items: Iterable[T], convert: Callable[[T], Mention | None],
                id_of: Callable[[T], Any], stats: BatchStats) -> list[Mention]:
        mentions: list[Mention] = []
        for item in items:
            stats.fetched += 1
            try:
                mention = convert(item)
            except Exception as exc:  # a malformed item must never cost its neighbours
                item_id = _safe_id(id_of, item)
                stats.skipped += 1
                stats.skipped_ids.append(item_id)
                self.log.warning("%s: skipping malformed item %s: %s: %s", self.source, item_id,
                                 type(exc).__name__, exc)
                continue
            if mention is None:
                stats.filtered += 1
                continue
            if mention.external_id in self.seen:
                stats.filtered += 1
                continue
            self.seen.add(mention.external_id)
            mentions.append(mention)
        return mentions


def _safe_id(id_of: Callable[[Any], Any], item: Any) -> str:
    try:
        value = id_of(item)
    except Exception:
        value = None
    return str(value) if value not in (None, "") else "<no id>"


def require(value: T | None, what: str) -> T:
    """`value`, or a ValueError naming the missing field (marks the item as malformed)."""
    if value is None or value == "":
        raise ValueError(f"missing {what}")
    return value


@dataclass(frozen=True, slots=True)
class WalkSteps(Generic[T]):
    """One source's side of a newest-first walk, what `run_walk` calls for each page.

    `fetch(token, stats)` returns a page's items and the token of the next page (None at the end);
    `key(item)` is the item's (value, id) in the source's order (an item whose key cannot be read is
    left to `convert`, which will count it as malformed); `convert` and `id_of` are `Collector.collect`'s;
    `cursor()` is the source's whole cursor, called after the walk state is updated, so each batch
    carries the position valid once its mentions are stored. With `offset_paging` (the API pages by
    offset, so posts arriving between two pages push read ones onto the next), items at or above the
    walk's bottom are dropped. `on_page` sees each page's mentions; `label` names the walk in the
    stop reason ("the next run resumes the <label>").
    """

    fetch: Callable[[Any, BatchStats], tuple[list[T], Any]]
    key: Callable[[T], tuple[float, str]]
    convert: Callable[[T], Mention | None]
    id_of: Callable[[T], Any]
    cursor: Callable[[], Cursor]
    offset_paging: bool = False
    on_page: Callable[[list[Mention]], None] | None = None
    label: str = "walk"


def run_walk(walk: Walk, steps: WalkSteps[Any], *, pages: int, collector: Collector) -> Iterator[Batch]:
    """Drive a newest-first `Walk` for up to `pages` pages with a source's `steps`, yielding one batch per
    page. The walk ends at the first item covered by the floor, at an empty page or without a next token.
    """
    for page in range(pages):
        stats = BatchStats()
        items, next_token = steps.fetch(walk.token, stats)
        previous_bottom = walk.bottom if walk.in_progress else None
        reached_floor = False
        fresh: list[Any] = []
        dropped = 0
        for item in items:
            try:
                value, item_id = steps.key(item)
                value = float(value)
                item_id = str(item_id)
            except Exception:
                fresh.append(item)
                continue
            if walk.is_old(value, item_id):
                reached_floor = True
                dropped += 1
                continue
            if steps.offset_paging and previous_bottom is not None and (
                    value > previous_bottom.value
                    or (value == previous_bottom.value and item_id in previous_bottom.ids)):
                dropped += 1
                continue
            walk.see(value, item_id)
            fresh.append(item)
        mentions = collector.collect(fresh, steps.convert, steps.id_of, stats)
        stats.fetched += dropped
        stats.filtered += dropped
        if steps.on_page is not None:
            steps.on_page(mentions)
        if reached_floor or not next_token or not items:
            walk.finish()
        else:
            walk.advance(next_token)
            if page == pages - 1:
                stats.stop_reason = f"page limit; the next run resumes the {steps.label}"
        yield Batch(mentions, steps.cursor(), stats)
        if not walk.in_progress:
            return
