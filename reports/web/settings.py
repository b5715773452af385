"""What one dashboard serves: its database, model, brands and clock, plus the caches it keeps.

`create_app` builds one `Dashboard` and stores it on `app.state`; routes reach it through the
dependencies in `reports.web.deps`, never through globals, so two apps in one process stay apart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import Engine

from brandpulse.reports.themes import Embed
from brandpulse.reports.web.cache import DailyCountsCache

T = TypeVar("T")


class TimedCache:
    """Results per key, computed once per `ttl`; one computation per key at a time (themes
    embed hundreds of posts, facets scan a column: neither should run twice for two concurrent calls)."""

    def __init__(self, ttl: timedelta) -> None:
        self.ttl = ttl
        self._results: dict[Hashable, tuple[float, Any]] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            cached = self._results.get(key)
            if cached and time.monotonic() - cached[0] < self.ttl.total_seconds():
                return cast(T, cached[1])  # what `compute` made for this key
            result = compute()
            self._results[key] = (time.monotonic(), result)
            return result


#: How long today's hourly figures and most-reached posts are reused: many viewers polling the overview
#: cost one query per this span (new mentions arrive by collection runs, minutes apart anyway).
LIVE_TTL = timedelta(seconds=30)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Dashboard:
    """The configuration and shared state of one dashboard app."""

    engine: Engine
    model_id: str
    brands: list[str]
    competitors: dict[str, list[str]] = field(default_factory=dict)
    token: str | None = None
    dashboard_url: str = "http://127.0.0.1:8765"
    embed: Embed | None = None
    exclude_terms: dict[str, list[str]] = field(default_factory=dict)
    clock: Callable[[], datetime] = _utc_now
    cache_ttl: timedelta = timedelta(minutes=10)
    theme_sample: int = 600
    warm_days: int = 0
    #: Time to first response per case severity (the config's `cx.sla.targets`): judges "within SLA".
    response_targets: dict[str, timedelta] = field(default_factory=dict)
    daily: DailyCountsCache = field(init=False)
    themes: TimedCache = field(init=False)
    facets: TimedCache = field(init=False)
    terms: TimedCache = field(init=False)
    closed: TimedCache = field(init=False)
    live: TimedCache = field(init=False)

    def __post_init__(self) -> None:
        self.daily = DailyCountsCache(self.engine, self.model_id, ttl=self.cache_ttl)
        self.themes = TimedCache(ttl=timedelta(hours=1))
        self.facets = TimedCache(ttl=self.cache_ttl)
        self.terms = TimedCache(ttl=self.cache_ttl)
        self.closed = TimedCache(ttl=self.cache_ttl)
        self.live = TimedCache(ttl=min(LIVE_TTL, self.cache_ttl))

    @classmethod
    def of(cls, engine: Engine, *, model_id: str, brands: Sequence[str],
           competitors: Mapping[str, Sequence[str]] | None = None,
           exclude_terms: Mapping[str, Sequence[str]] | None = None,
           now: Callable[[], datetime] | None = None, **options: Any) -> Dashboard:
        return cls(engine=engine, model_id=model_id, brands=list(brands),
                   competitors={brand: list(names) for brand, names in (competitors or {}).items()},
                   exclude_terms={brand: list(terms) for brand, terms in (exclude_terms or {}).items()},
                   clock=now or _utc_now, **options)

    def peers(self, brand: str) -> list[str]:
        """The brands `brand`'s share of voice is counted among: itself and its competitors (or every brand)."""
        return [brand, *self.competitors[brand]] if self.competitors.get(brand) else list(self.brands)

    def counted_brands(self) -> list[str]:
        """The brands and every competitor named for them, each once, in display order."""
        names = list(self.brands)
        for peers in self.competitors.values():
            names.extend(name for name in peers if name not in names)
        return names
