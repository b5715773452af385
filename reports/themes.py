"""Complaint themes: negative mentions clustered by meaning across languages, named by a key phrase.

`find_themes` is a pure function of a mentions frame and its sentence embeddings, so it is tested with
any deterministic embedding. The frame holds the negative mentions of the report's period and of the
period before it (column `period`: "current" or "previous"), clustered together so each theme's trend
can be read off its members' periods. A `weight` column says how many mentions each row stands for
when the caller sampled (see `sample_for_themes`).

Method:
1. Each language's offset is taken out of the embeddings (`reports.theme_space`), so a complaint
   made in English and in Chinese is one group, not two.
2. Average-linkage clustering on cosine distance, cut at a fixed distance, groups the posts; groups
   under 1% of the posts (at least 5) belong to no theme. Groups whose centroids agree once each
   language's own mean is taken out are then merged (`merge_across_languages`), and the parts of a
   language's lump that match another language's theme join it (`pull_from_language_lumps`).
3. Each theme is named by a key phrase from its posts in the report's language (English by default;
   `reports.theme_names`), ranked by class-based TF-IDF (BERTopic's c-TF-IDF) against the other themes.
4. Representative quotes are distinct current-period posts nearest the theme's centroid, the first
   ones from different languages, each cut to its sentence that weighs most in the theme; a cluster
   with fewer than 3 distinct current posts (a faded theme, a post pasted many times) is none.
5. Trend: the theme's (weighted) size now against the previous period. A theme with no previous
   members is "new"; one at least 1.5 times its previous size is "growing". New themes come first,
   then growing ones by growth, then the rest by size.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from brandpulse.reports.text import excluded_terms, tokenize
from brandpulse.reports.theme_names import class_tfidf, excerpt, key_phrase, naming_language, top_terms
from brandpulse.reports.theme_space import Embed, language_neutral, theme_labels

__all__ = ["Embed", "Quote", "Theme", "ThemeResult", "find_themes", "growth_label", "sample_for_themes"]

#: A theme must grow by this factor against the previous period to count as fast-growing.
GROWTH_FACTOR = 1.5
#: ... and shrink below this factor to count as fading.
FADE_FACTOR = 0.67
#: A theme needs this many different posts in the report's period (and so has 3 quotes to show).
MIN_THEME_POSTS = 3
STATUS_ORDER = {"new": 0, "growing": 1, "stable": 2, "shrinking": 3}


@dataclass(frozen=True, slots=True)
class Quote:
    """A post quoted for a theme: `text` is its sentence that says the complaint, `full_text` the post
    (`trimmed` when they differ; the report links to the post at `url`)."""

    text: str
    url: str | None
    source: str
    created_at: datetime
    author_handle: str | None = None
    language: str | None = None
    full_text: str = ""
    trimmed: bool = False


@dataclass(slots=True)
class Theme:
    name: str
    terms: list[str]
    size: int
    previous: int
    status: str
    change: float | None
    quotes: list[Quote]
    languages: dict[str, int] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)
    sampled: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for quote in data["quotes"]:
            quote["created_at"] = quote["created_at"].isoformat()
        return data


@dataclass(slots=True)
class ThemeResult:
    themes: list[Theme]
    clustered: int  # sampled current-period mentions that fell into a theme
    sampled: int  # current-period mentions that were embedded
    total: int  # current-period negative mentions
    unclustered: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"themes": [theme.to_dict() for theme in self.themes], "clustered": self.clustered,
                "sampled": self.sampled, "total": self.total, "unclustered": self.unclustered}


def sample_for_themes(frame: pd.DataFrame, limit: int, *, seed: int = 0) -> pd.DataFrame:
    """At most `limit` rows of `frame`, evenly spread over time, each weighted by the rows it stands for.

    Embedding costs about 15 ms per post on a CPU, so a month of thousands of complaints is sampled:
    a systematic sample over time order keeps every week represented, and `weight` scales theme
    sizes back to the full counts.
    """
    if len(frame) <= limit:
        return frame.assign(weight=1.0)
    ordered = frame.sort_values(["created_at", "id"], kind="stable")
    rng = np.random.default_rng(seed)
    step = len(ordered) / limit
    picks = np.minimum((np.arange(limit) * step + rng.uniform(0, step)).astype(int), len(ordered) - 1)
    return ordered.iloc[np.unique(picks)].assign(weight=len(frame) / len(np.unique(picks)))


def _status(size: float, previous: float) -> tuple[str, float | None]:
    if previous <= 0:
        return "new", None
    change = (size - previous) / previous
    if size >= GROWTH_FACTOR * previous:
        return "growing", change
    if size <= FADE_FACTOR * previous:
        return "shrinking", change
    return "stable", change


def _normalised(text: str) -> str:
    return " ".join(tokenize(text, bigrams=False)) or text.strip().lower()


def find_themes(frame: pd.DataFrame, embeddings: np.ndarray, *, exclude: Iterable[str] = (),
                offsets: Mapping[str, np.ndarray] | None = None, language: str = "en",
                min_cluster_size: int | None = None, max_themes: int = 12, quotes: int = 5,
                terms: int = 6, total: int | None = None) -> ThemeResult:
    """Themes among the rows of `frame` (columns text, period, created_at, source, url, language,
    author_handle, optional weight), `embeddings` row-aligned with it.

    `offsets` are the encoder's language offsets (`reports.theme_space.language_offsets`); `language`
    is the report's, in which themes are named where they have posts in it. `exclude` keeps the
    brand's own names out of theme names; `total` is the number of current-period negatives the
    sample stands for (default: the weighted count of current rows).
    """
    frame = frame.reset_index(drop=True)
    if len(frame) != len(embeddings):
        raise ValueError(f"{len(frame)} mentions but {len(embeddings)} embeddings")
    weight = frame["weight"].to_numpy(float) if "weight" in frame else np.ones(len(frame))
    current = (frame["period"] == "current").to_numpy()
    sampled = int(current.sum())
    total = round(weight[current].sum()) if total is None else total
    if not len(frame):
        return ThemeResult(themes=[], clustered=0, sampled=0, total=total)
    languages = [str(value) for value in frame["language"].fillna("unknown")]
    vectors = language_neutral(np.asarray(embeddings), languages, offsets)
    labels = theme_labels(vectors, languages, min_cluster_size=min_cluster_size)
    exclude_set = excluded_terms(exclude)
    tokens = [tokenize(text, exclude=exclude_set) for text in frame["text"]]
    ids = sorted(set(labels) - {-1})
    namers = {label: naming_language([languages[row] for row in np.flatnonzero(labels == label)], language)
              for label in ids}
    # Names compare each theme's posts in its naming language with every other post.
    documents = [[term for row in np.flatnonzero(labels == label) if languages[row] == namers[label]
                  for term in tokens[row]] for label in ids]
    documents.append([term for row in range(len(frame)) for term in tokens[row]])
    scores, vocabulary = class_tfidf(documents)
    quote_scores, quote_vocabulary = class_tfidf([[term for row in np.flatnonzero(labels == label)
                                                   for term in tokens[row]] for label in [*ids, -1]])
    themes = []
    in_theme = np.zeros(len(frame), dtype=bool)
    for position, label in enumerate(ids):
        members = np.flatnonzero(labels == label)
        now = members[current[members]]
        if len({_normalised(text) for text in frame["text"].iloc[now]}) < MIN_THEME_POSTS:
            continue  # a theme of the previous period only (it faded away), or one post pasted over and over
        in_theme[now] = True
        size, previous = float(weight[now].sum()), float(weight[members[~current[members]]].sum())
        named = [row for row in members if languages[row] == namers[label]]
        docs_with = Counter(term for row in named for term in set(tokens[row]))
        names = top_terms(scores[position], vocabulary, terms, docs_with, len(named))
        status, change = _status(size, previous)
        themes.append(Theme(
            name=key_phrase(names), terms=names, size=round(size), previous=round(previous), status=status,
            change=change, quotes=_quotes(frame, vectors, now, quotes,
                                   _term_weights(quote_scores[position], quote_vocabulary), exclude_set),
            languages=dict(Counter(languages[row] for row in now).most_common()),
            sources=dict(Counter(frame["source"].iloc[now]).most_common()), sampled=len(now)))
    themes.sort(key=lambda t: (STATUS_ORDER[t.status], -(t.change or 0.0) if t.status == "growing" else 0.0,
                               -t.size, t.name))
    clustered = int(in_theme.sum())
    return ThemeResult(themes=themes[:max_themes], clustered=clustered, sampled=sampled, total=total,
                       unclustered=sampled - clustered)


def _term_weights(row: np.ndarray, vocabulary: list[str]) -> dict[str, float]:
    """c-TF-IDF weights of the terms the theme's posts use (all languages): what a quote is cut by."""
    return {vocabulary[index]: float(row[index]) for index in np.flatnonzero(row > 0)}


def _quotes(frame: pd.DataFrame, vectors: np.ndarray, rows: np.ndarray, count: int, weights: dict[str, float],
            exclude: frozenset[str]) -> list[Quote]:
    """Distinct posts nearest the centroid (neither the post nor its quoted sentence seen before), the
    nearest one of each language first (by the theme's language sizes), each cut to its sentence
    that weighs most in the theme."""
    centroid = vectors[rows].mean(axis=0)
    order = rows[np.argsort(-(vectors[rows] @ centroid), kind="stable")]
    seen: set[str] = set()
    distinct: list[Quote] = []
    for row in order:
        quote = _quote(frame.iloc[row], weights, exclude)
        keys = {_normalised(quote.full_text), _normalised(quote.text)}
        if not keys & seen:
            distinct.append(quote)
        seen |= keys
        if len(distinct) >= 8 * count:
            break
    sizes = Counter(frame["language"].fillna("unknown").iloc[rows])
    firsts: dict[str, Quote] = {}
    for quote in distinct:
        firsts.setdefault(quote.language or "unknown", quote)
    leading = [firsts[language] for language, _ in sizes.most_common() if language in firsts][:max(1, count - 2)]
    return (leading + [quote for quote in distinct if quote not in leading])[:count]


def _quote(record: pd.Series, weights: dict[str, float], exclude: frozenset[str]) -> Quote:
    created = record["created_at"]
    text, trimmed = excerpt(record["text"], weights, lambda part: tokenize(part, exclude=exclude))
    return Quote(text=text, full_text=record["text"], trimmed=trimmed, url=record.get("url"), source=record["source"],
                 created_at=created.to_pydatetime() if hasattr(created, "to_pydatetime") else created,
                 author_handle=record.get("author_handle"), language=record.get("language"))


def growth_label(theme: Theme) -> str:
    """'new', '+120%', '-40%' or '±0%' for display."""
    if theme.status == "new":
        return "new"
    change = theme.change or 0.0
    return f"{change:+.0%}" if not math.isclose(change, 0.0) else "±0%"
