"""Urgent mentions: one post that must reach on-call now, without waiting for a spike.

A mention is urgent when it is strongly negative (sentiment score at or below
``urgent.score_threshold``) and its author's reach is at least ``urgent.reach_threshold``, or when
its text contains one of ``urgent.crisis_terms`` (by default only in mentions scored below 0, so
"no injuries, great service" does not page anyone), or when it is an **angry customer**: a negative
mention whose urgency, p(anger) x reach factor x recency factor (doubled, by default, when it also
holds crisis terms), reaches ``urgent.angry.threshold`` (see :func:`anger_urgency`).

A mention posted more than ``urgent.max_age`` before it is checked does not page: importing history,
a first collection with a look-back, or re-scoring history with a new model finds old posts, and
on-call should not be woken for last month's crisis.

Each urgent mention becomes its own alert (label ``mention`` = its id, ``kind="urgent"``), firing at
once and lapsing after ``urgent.ttl``. The default route sends the first for a brand without a group
wait; more for the same brand follow batched, one message per group interval.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from .config import AlertsConfig, AngryCustomerConfig, UrgentConfig
from .engine import explorer_link
from .model import Alert, parse_time, utc


@dataclass(frozen=True)
class UrgentMention:
    """The fields urgency looks at; :func:`as_mention` builds one from a dict or any record."""

    id: str
    brand: str
    text: str
    url: str | None = None
    author: str | None = None
    reach: int | None = None
    score: float | None = None
    source: str | None = None
    language: str | None = None
    created_at: datetime | None = None
    anger: float | None = None  # p(anger) from the sentiment model's emotions


_ALIASES = {
    "id": ("id", "external_id", "mention_id"),
    "author": ("author", "author_handle", "author_name", "author_id"),
    "reach": ("reach", "author_reach", "followers"),
    "score": ("score", "sentiment_score", "sentiment"),
    "anger": ("anger", "p_anger", "sentiment"),
}


def _field(record: Any, name: str) -> Any:
    for key in _ALIASES.get(name, (name,)):
        value = record.get(key) if isinstance(record, Mapping) else getattr(record, key, None)
        if value is not None:
            if name == "score" and hasattr(value, "score"):   # a Sentiment record
                value = value.score
            if name == "anger" and hasattr(value, "emotions"):
                value = value.emotions.get("anger")
                if value is None:
                    continue
            return value
    return None


def as_mention(record: Any) -> UrgentMention:
    """Accepts dicts (``text, url, author, reach, score, brand, id, source``; storage's names such as
    ``external_id``, ``author_handle``, ``author_reach`` too) or objects with those attributes."""
    if isinstance(record, UrgentMention):
        return record
    source = _field(record, "source")
    ident = _field(record, "id")
    if ident is None:
        raise ValueError("a mention needs an id (id or external_id)")
    reach = _field(record, "reach")
    score = _field(record, "score")
    created = _field(record, "created_at")
    anger = _field(record, "anger")
    return UrgentMention(
        id=f"{source}:{ident}" if source and not str(ident).startswith(f"{source}:") else str(ident),
        brand=str(_field(record, "brand") or ""), text=str(_field(record, "text") or ""),
        url=_field(record, "url"), author=_field(record, "author"),
        reach=None if reach is None else int(reach), score=None if score is None else float(score),
        source=source, language=_field(record, "language"),
        created_at=parse_time(created) if created is not None else None,
        anger=None if anger is None else float(anger))


@lru_cache(maxsize=64)
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = []
    for term in terms:
        term = term.strip().casefold()
        if not term:
            continue
        escaped = re.escape(term).replace(r"\ ", r"\s+")
        left = r"(?<!\w)" if term[0].isascii() and term[0].isalnum() else ""
        right = r"(?!\w)" if term[-1].isascii() and term[-1].isalnum() else ""
        parts.append(f"{left}{escaped}{right}")
    return re.compile("|".join(parts)) if parts else None


def crisis_terms_in(text: str, terms: Iterable[str]) -> list[str]:
    """The crisis terms found in ``text`` (case-insensitive, whole words for Latin-script terms)."""
    pattern = _pattern(tuple(terms))
    if pattern is None:
        return []
    found = []
    for match in pattern.finditer(text.casefold()):
        term = " ".join(match.group(0).split())
        if term not in found:
            found.append(term)
    return found


def anger_urgency(mention: UrgentMention, config: AngryCustomerConfig, terms: list[str],
                  now: datetime | None) -> float:
    """p(anger) x reach factor x recency factor, times `crisis_boost` when crisis `terms` were found,
    capped at 1; 0 for mentions that are not negative or not angry enough (p(anger) < `min_anger`).

    reach factor: log(1 + reach) / log(1 + full_reach), capped at 1 (unknown reach counts as 1 follower);
    recency factor: 0.5 ** (age / half_life), age from the post's time to `now` (0 when either is unknown).
    """
    if mention.anger is None or mention.score is None or mention.score >= 0 or mention.anger < config.min_anger:
        return 0.0
    reach = min(1.0, math.log1p(max(mention.reach or 1, 1)) / math.log1p(config.full_reach))
    age = 0.0
    if mention.created_at is not None and now is not None:
        age = max(0.0, (utc(now) - mention.created_at).total_seconds())
    recency: float = 0.5 ** (age / config.half_life.total_seconds())
    boost = config.crisis_boost if terms else 1.0
    return min(1.0, mention.anger * reach * recency * boost)


def reasons(mention: UrgentMention, config: UrgentConfig, now: datetime | None = None) -> list[str]:
    """Why a mention is urgent (empty when it is not); `now` dates the angry-customer rule's recency."""
    out = []
    negative = mention.score is not None and mention.score <= config.score_threshold
    if negative and mention.reach is not None and mention.reach >= config.reach_threshold:
        out.append(f"strongly negative (score {mention.score:+.2f}) from an author with reach {mention.reach:,}")
    if not config.crisis_requires_negative or (mention.score is not None and mention.score < 0):
        terms = crisis_terms_in(mention.text, config.crisis_terms)
        if terms:
            out.append("crisis terms: " + ", ".join(terms))
    if config.angry.enabled and mention.anger is not None:
        terms = crisis_terms_in(mention.text, config.crisis_terms)
        urgency = anger_urgency(mention, config.angry, terms, now)
        if urgency >= config.angry.threshold:
            out.append(f"angry customer (anger {mention.anger:.2f}, reach {mention.reach or 0:,}"
                       f"{', crisis terms' if terms else ''}): urgency {urgency:.2f}")
    return out



def check(mentions: Iterable[Any], config: AlertsConfig | UrgentConfig, now: datetime,
          dashboard_url: str | None = None) -> list[Alert]:
    """Urgent alerts for the given (new) mentions, firing at ``now``."""
    now = utc(now)
    if isinstance(config, AlertsConfig):
        dashboard_url = dashboard_url or config.dashboard_url
        config = config.urgent
    if not config.enabled:
        return []
    alerts = []
    for record in mentions:
        mention = as_mention(record)
        if mention.created_at is not None and mention.created_at < now - config.max_age:
            continue
        why = reasons(mention, config, now)
        if not why:
            continue
        who = mention.author or "an author"
        labels = {"alertname": "UrgentMention", "brand": mention.brand, "kind": "urgent",
                  "mention": mention.id, "severity": config.severity, **config.labels}
        since = mention.created_at or now
        link = explorer_link(dashboard_url, mention.brand, since=since, q=" ".join(mention.text.split())[:60])
        alerts.append(Alert(
            labels=labels,
            annotations={"summary": f"Urgent mention of {mention.brand} by {who}: {'; '.join(why)}",
                         "description": mention.text[:1000]},
            status="firing", starts_at=since, ends_at=now + config.ttl, score=mention.score,
            generator="urgent",
            context={"metric": "urgent", "metric_title": "urgent mention", "since": since.isoformat(),
                     "reasons": why, "source": mention.source,
                     "top_mentions": [{"text": mention.text, "url": mention.url, "author": mention.author,
                                       "reach": mention.reach, "score": mention.score, "anger": mention.anger}],
                     "rising_terms": crisis_terms_in(mention.text, config.crisis_terms),
                     "dashboard_url": link}))
    return alerts
