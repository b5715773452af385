"""Collectors that turn social APIs' pages into `Mention` records, one module per source.

A listener is a small function of (query, cursor): it yields `Batch`es, each holding the mentions of
one page and the cursor that is valid once those mentions are stored. The caller owns persistence
(DESIGN.md, after dlt's incremental sources); this package imports nothing else of ours.

`SOURCES` maps each config name to its `SourceSpec`: the pydantic `Settings` model the config
loader validates a source's section with, and the `create(settings, *, base_url=None, clock=None,
sleep=None, budget=None, stop=None)` function that builds the listener. Source modules (and their client
libraries) are imported on first use, so importing this package stays cheap.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

from .base import Clock, Sleep, SourceSettings
from .budget import InMemoryReadBudget, ReadBudget
from .errors import (
    AuthError,
    ListenerError,
    QueryNotSupported,
    QuerySyntaxError,
    RateLimited,
    SourceUnavailable,
)
from .query import BrandQuery
from .records import Batch, BatchStats, BrandStream, Cursor, Engagement, Listener, Mention, StopEvent

__all__ = [
    "SOURCES",
    "AuthError",
    "Batch",
    "BatchStats",
    "BrandQuery",
    "BrandStream",
    "Cursor",
    "Engagement",
    "InMemoryReadBudget",
    "Listener",
    "ListenerError",
    "ListenerFactory",
    "Mention",
    "QueryNotSupported",
    "QuerySyntaxError",
    "RateLimited",
    "ReadBudget",
    "SourceSpec",
    "SourceUnavailable",
    "create_listener",
]


class ListenerFactory(Protocol):
    """A source module's `create`: builds its listener from that source's own `Settings`."""

    def __call__(self, settings: SourceSettings, *, base_url: str | None = None, clock: Clock | None = None,
                 sleep: Sleep | None = None, budget: ReadBudget | None = None,
                 stop: StopEvent | None = None) -> Listener: ...


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A source the config may name: its Settings model and its `create` function (loaded lazily).

    Every source module defines `Settings` (a `SourceSettings`) and `create` (a `ListenerFactory`);
    the annotated names below state that contract where the module is looked up by name."""

    name: str
    module: str
    description: str

    def _module(self) -> ModuleType:
        return importlib.import_module(self.module, __name__)  # relative: the package works under any name

    @property
    def settings_model(self) -> type[SourceSettings]:
        model: type[SourceSettings] = self._module().Settings
        return model

    @property
    def create(self) -> ListenerFactory:
        create: ListenerFactory = self._module().create
        return create

    def settings(self, data: dict[str, Any] | None = None) -> SourceSettings:
        """Validate a config section (pydantic `ValidationError` on bad or unknown keys)."""
        return self.settings_model.model_validate(data or {})


SOURCES: dict[str, SourceSpec] = {
    spec.name: spec
    for spec in (
        SourceSpec("x", ".x", "X API v2: recent/full-archive search or filtered stream (tweepy)"),
        SourceSpec("reddit", ".reddit", "Reddit submissions, comment stream and threads (praw)"),
        SourceSpec("bluesky", ".bluesky", "Bluesky searchPosts (atproto)"),
        SourceSpec("mastodon", ".mastodon", "Mastodon hashtag timelines and search (Mastodon.py)"),
        SourceSpec("hackernews", ".hackernews", "Hacker News via Algolia search_by_date"),
        SourceSpec("rss", ".rss", "RSS/Atom feeds, news searches and alerts (feedparser)"),
        SourceSpec("replay", ".replay", "a recorded JSONL stream replayed in simulated time"),
    )
}


def create_listener(name: str, settings: SourceSettings | dict[str, Any], **kwargs: Any) -> Listener:
    """`SOURCES[name].create(settings, **kwargs)`, validating a plain dict of settings first."""
    try:
        spec = SOURCES[name]
    except KeyError:
        raise ValueError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}") from None
    if isinstance(settings, dict):
        settings = spec.settings(settings)
    return spec.create(settings, **kwargs)
