"""Complaint themes: negative mentions clustered by meaning, named by their distinctive terms.

`find_themes` is a pure function of a mentions frame and its sentence embeddings, so it is tested with
any deterministic embedding. The frame holds the negative mentions of the report's period and of the
period before it (column `period`: "current" or "previous"), clustered together so each theme's trend
can be read off its members' periods. A `weight` column says how many mentions each row stands for
when the caller sampled (see `sample_for_themes`).

Method:
1. Embeddings (L2-normalised, so euclidean distance orders pairs like cosine similarity) are reduced
   with PCA to at most 32 dimensions: density estimates degrade in high dimensions.
2. HDBSCAN finds dense groups without a preset cluster count; mentions in no dense group are noise
   and belong to no theme. `min_cluster_size` grows with the sample (2% of it, at least 5).
   Clusters whose words say the same thing are then merged (`merge_alike`).
3. Each theme is named by class-based TF-IDF (BERTopic's c-TF-IDF): the frequency of a term in the
   theme's concatenated posts, times log(1 + A / f) where A is the average number of terms per class
   and f the term's frequency over all classes (noise included, which demotes generic words).
4. Representative quotes are the distinct current-period posts nearest the theme's centroid; a
   cluster with fewer than 3 distinct current posts (a faded theme, a post pasted many times) is none.
5. Trend: the theme's (weighted) size now against the previous period. A theme with no previous
   members is "new"; one at least 1.5 times its previous size is "growing". New themes come first,
   then growing ones by growth, then the rest by size.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from reports.text import excluded_terms, tokenize

_CJK_TERM = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

Embed = Callable[[list[str]], np.ndarray]

#: A theme must grow by this factor against the previous period to count as fast-growing.
GROWTH_FACTOR = 1.5
#: ... and shrink below this factor to count as fading.
FADE_FACTOR = 0.67
#: A theme needs this many different posts in the report's period (and so has 3 quotes to show).
MIN_THEME_POSTS = 3
#: Clusters whose c-TF-IDF word vectors are at least this alike (cosine) are one theme.
MERGE_SIMILARITY = 0.3
STATUS_ORDER = {"new": 0, "growing": 1, "stable": 2, "shrinking": 3}


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    url: str | None
    source: str
    created_at: datetime
    author_handle: str | None = None
    language: str | None = None


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


def class_tfidf(documents: Sequence[Sequence[str]]) -> tuple[np.ndarray, list[str]]:
    """c-TF-IDF: one row per class (its documents' terms pooled), L1-normalised term frequency times
    log(1 + average terms per class / term frequency over all classes)."""
    vocabulary: dict[str, int] = {}
    counts = [Counter(terms) for terms in documents]
    for counter in counts:
        for term in counter:
            vocabulary.setdefault(term, len(vocabulary))
    matrix = np.zeros((len(documents), len(vocabulary)))
    for row, counter in enumerate(counts):
        for term, count in counter.items():
            matrix[row, vocabulary[term]] = count
    totals = matrix.sum(axis=1, keepdims=True)
    average = totals.mean() if len(totals) else 0.0
    frequency = matrix.sum(axis=0)
    idf = np.log1p(average / np.maximum(frequency, 1))
    tf = matrix / np.maximum(totals, 1)
    return tf * idf, list(vocabulary)


def _top_terms(row: np.ndarray, vocabulary: list[str], count: int, min_docs: Counter, class_size: int) -> list[str]:
    """The `count` best terms, skipping those found in a single post of a larger theme (one-off
    words) and words already covered by a chosen bigram."""
    chosen: list[str] = []
    for index in np.argsort(-row, kind="stable"):
        if row[index] <= 0 or len(chosen) >= count:
            break
        term = vocabulary[index]
        if class_size >= 4 and min_docs[term] < 2:
            continue
        words = set(term.split())
        if any(words <= set(other.split()) or set(other.split()) <= words for other in chosen):
            continue
        if " " not in term and _CJK_TERM.fullmatch(term) and set(term) <= set("".join(chosen)):
            continue  # a bigram straddling two chosen ones ("机屏" after "手机" and "屏幕")
        chosen.append(term)
    return chosen


def _reduce(embeddings: np.ndarray, dimensions: int, seed: int) -> np.ndarray:
    if embeddings.shape[1] <= dimensions or len(embeddings) <= dimensions:
        return embeddings
    from sklearn.decomposition import PCA

    return PCA(n_components=dimensions, random_state=seed, svd_solver="randomized").fit_transform(embeddings)


def cluster(embeddings: np.ndarray, *, min_cluster_size: int | None = None, seed: int = 0) -> np.ndarray:
    """HDBSCAN labels (-1: noise) for L2-normalised embeddings."""
    from sklearn.cluster import HDBSCAN

    n = len(embeddings)
    if min_cluster_size is None:
        min_cluster_size = max(5, round(0.02 * n))
    if n < 2 * min_cluster_size:
        return np.full(n, -1)
    reduced = _reduce(np.asarray(embeddings, dtype=np.float64), 32, seed)
    model = HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min(min_cluster_size, 5),
                    cluster_selection_method="eom", copy=True)
    return model.fit_predict(reduced)


def merge_alike(labels: np.ndarray, tokens: Sequence[Sequence[str]], threshold: float = MERGE_SIMILARITY) -> np.ndarray:
    """Merge clusters whose words say the same thing (BERTopic's topic reduction).

    Density clustering can split one complaint into sub-groups by phrasing ("no refund" / "still
    waiting for my refund"); a reader wants one theme. The two clusters whose c-TF-IDF word vectors
    are most alike (cosine, noise kept as a class so shared generic words weigh little) are merged,
    and again, while that similarity is at least `threshold`.
    """
    labels = labels.copy()
    words = [[term for term in row if " " not in term] for row in tokens]
    while True:
        ids = sorted(set(labels) - {-1})
        if len(ids) < 2:
            return labels
        documents = [[term for row in np.flatnonzero(labels == label) for term in words[row]] for label in [*ids, -1]]
        matrix, _ = class_tfidf(documents)
        matrix = matrix[:-1] / np.maximum(np.linalg.norm(matrix[:-1], axis=1, keepdims=True), 1e-12)
        similarity = matrix @ matrix.T
        np.fill_diagonal(similarity, -1.0)
        first, second = np.unravel_index(int(np.argmax(similarity)), similarity.shape)
        if similarity[first, second] < threshold:
            return labels
        labels[labels == ids[second]] = ids[first]


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
                min_cluster_size: int | None = None, max_themes: int = 12, quotes: int = 5,
                terms: int = 6, total: int | None = None, seed: int = 0) -> ThemeResult:
    """Themes among the rows of `frame` (columns text, period, created_at, source, url, language,
    author_handle, optional weight), `embeddings` row-aligned with it.

    `exclude` keeps the brand's own names out of theme names; `total` is the number of current-period
    negatives the sample stands for (default: the weighted count of current rows).
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
    labels = cluster(np.asarray(embeddings), min_cluster_size=min_cluster_size, seed=seed)
    exclude_set = excluded_terms(exclude)
    tokens = [tokenize(text, exclude=exclude_set) for text in frame["text"]]
    labels = merge_alike(labels, tokens)
    ids = sorted(set(labels) - {-1})
    classes = [*ids, -1]
    documents = [[term for row in np.flatnonzero(labels == label) for term in tokens[row]] for label in classes]
    scores, vocabulary = class_tfidf(documents)
    themes = []
    in_theme = np.zeros(len(frame), dtype=bool)
    for position, label in enumerate(ids):
        members = np.flatnonzero(labels == label)
        now = members[current[members]]
        if len({_normalised(text) for text in frame["text"].iloc[now]}) < MIN_THEME_POSTS:
            continue  # a theme of the previous period only (it faded away), or one post pasted over and over
        in_theme[now] = True
        size = float(weight[now].sum())
        before = members[~current[members]]
        previous = float(weight[before].sum())
        docs_with = Counter(term for row in members for term in set(tokens[row]))
        names = _top_terms(scores[position], vocabulary, terms, docs_with, len(members))
        status, change = _status(size, previous)
        themes.append(Theme(
            name=" · ".join(names[:3]) or "(unnamed)", terms=names, size=round(size),
            previous=round(previous), status=status, change=change,
            quotes=_quotes(frame, np.asarray(embeddings), now, quotes),
            languages=dict(Counter(frame["language"].fillna("unknown").iloc[now]).most_common()),
            sources=dict(Counter(frame["source"].iloc[now]).most_common()), sampled=len(now)))
    themes.sort(key=lambda t: (STATUS_ORDER[t.status], -(t.change or 0.0) if t.status == "growing" else 0.0,
                               -t.size, t.name))
    clustered = int(in_theme.sum())
    return ThemeResult(themes=themes[:max_themes], clustered=clustered, sampled=sampled, total=total,
                       unclustered=sampled - clustered)


def _quotes(frame: pd.DataFrame, embeddings: np.ndarray, rows: np.ndarray, count: int) -> list[Quote]:
    centroid = embeddings[rows].mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    order = rows[np.argsort(-(embeddings[rows] @ centroid), kind="stable")]
    seen: set[str] = set()
    chosen = []
    for row in order:
        record = frame.iloc[row]
        key = _normalised(record["text"])
        if key in seen:
            continue
        seen.add(key)
        chosen.append(Quote(text=record["text"], url=record.get("url"), source=record["source"],
                            created_at=record["created_at"].to_pydatetime() if hasattr(record["created_at"],
                                                                                      "to_pydatetime")
                            else record["created_at"],
                            author_handle=record.get("author_handle"), language=record.get("language")))
        if len(chosen) >= count:
            break
    return chosen


def growth_label(theme: Theme) -> str:
    """'new', '+120%', '-40%' or '±0%' for display."""
    if theme.status == "new":
        return "new"
    change = theme.change or 0.0
    return f"{change:+.0%}" if not math.isclose(change, 0.0) else "±0%"
