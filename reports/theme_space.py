"""Where complaint themes are clustered: the encoder's space with each language's offset taken out.

A multilingual encoder (multilingual-e5 here) places a post by its language as much as by its
meaning: the mean vector of each language sits apart from the others, so "the case gets too hot"
is nearer to an English post about refunds than to "充电盒发烫" (measured on our labelled set,
tests/fixtures/themes: among a post's five nearest neighbours, 61% share its complaint and 40% are
in another language). Clustering that space directly makes one theme per complaint *and language*.

Subtracting each language's mean from its posts removes that offset (Libovický et al., 2020, "On the
language neutrality of pre-trained multilingual representations"), but the mean of one report's
posts in a language also holds that language's topics: Chinese posts that are all about one defect
would lose the defect along with the language. So the offsets are measured once per encoder on a
parallel set (`reports.parallel`: the same everyday sentences in each language), where the topics are
identical across languages and only the language differs. With them, 75% of the five nearest
neighbours share the complaint and 84% are in another language.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from brandpulse.reports.parallel import PARALLEL

Embed = Callable[[list[str]], np.ndarray]
#: Cosine distance under which average-linkage merges groups of posts into one theme (measured on
#: the labelled set's development half: 0.8 splits complaints, 0.9 merges different ones).
DISTANCE_THRESHOLD = 0.85


def language_offsets(embed: Embed) -> dict[str, np.ndarray]:
    """Each language's mean over the parallel set minus the mean of all languages' means."""
    languages = list(PARALLEL)
    vectors = np.asarray(embed([text for language in languages for text in PARALLEL[language]]), dtype=np.float64)
    means, start = {}, 0
    for language in languages:
        means[language] = vectors[start:start + len(PARALLEL[language])].mean(axis=0)
        start += len(PARALLEL[language])
    centre = np.mean(list(means.values()), axis=0)
    return {language: (mean - centre).astype(np.float32) for language, mean in means.items()}


def language_neutral(embeddings: np.ndarray, languages: Sequence[str | None],
                     offsets: Mapping[str, np.ndarray] | None) -> np.ndarray:
    """Embeddings with their language's offset removed (languages without one keep theirs), centred on
    the batch's mean (the encoder's vectors all share one large common direction) and L2-normalised."""
    vectors = np.asarray(embeddings, dtype=np.float64).copy()
    if offsets:
        for row, language in enumerate(languages):
            offset = offsets.get((language or "").split("-")[0].lower())
            if offset is not None and len(offset) == vectors.shape[1]:
                vectors[row] -= offset
    if len(vectors) > 1:
        vectors -= vectors.mean(axis=0)
    unit: np.ndarray = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return unit


def cluster(vectors: np.ndarray, *, min_cluster_size: int | None = None,
            threshold: float = DISTANCE_THRESHOLD) -> np.ndarray:
    """Theme labels (-1: in no theme) by average-linkage agglomerative clustering on cosine distance
    (scipy's: it imports in a fraction of scikit-learn's time).

    Average linkage cut at a fixed distance needs no preset number of themes and keeps a complaint
    whole however many posts it has; groups smaller than `min_cluster_size` (1% of the posts, at
    least 5) are no theme. HDBSCAN, used before, found few dense regions once the language offsets
    were gone (a complaint becomes a diffuse cloud across languages): ARI 0.20 against 0.54.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(vectors)
    if min_cluster_size is None:
        min_cluster_size = max(5, round(0.01 * n))
    if n < 2 * min_cluster_size or n < 2:
        return np.full(n, -1)
    tree = linkage(np.asarray(vectors, dtype=np.float64), method="average", metric="cosine")
    labels = fcluster(tree, t=threshold, criterion="distance") - 1
    sizes = np.bincount(labels)
    return np.where(sizes[labels] >= min_cluster_size, labels, -1)


#: Themes whose centroids, each language's own mean taken out, are at least this alike (cosine) say the
#: same thing (tuned on the labelled set's development half: 0.3 merges different complaints).
MERGE_SIMILARITY = 0.4
#: A theme holding at least this share of its main language's posts may be that language's lump.
LUMP_SHARE = 0.5


def _language_centred(vectors: np.ndarray, languages: np.ndarray) -> np.ndarray:
    """`vectors` less the mean of their language over this batch: the rest of each language's offset
    goes, with that language's mix of topics."""
    centred = np.asarray(vectors, dtype=np.float64).copy()
    for language in set(languages):
        rows = languages == language
        centred[rows] -= centred[rows].mean(axis=0)
    return centred


def _unit(vectors: np.ndarray) -> np.ndarray:
    unit: np.ndarray = vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)
    return unit


def merge_across_languages(labels: np.ndarray, vectors: np.ndarray, languages: Sequence[str],
                           threshold: float = MERGE_SIMILARITY) -> np.ndarray:
    """Merge themes that say the same thing in different languages.

    The parallel-set offsets leave part of a language's position in place, so one complaint can still
    come out as a theme per language. Compared once each language's own mean over this batch is taken
    out, the two themes whose centroids are most alike are merged, again and again, while that cosine
    is at least `threshold`. A theme that holds all of a language's posts has a centroid near zero
    there and merges with nothing, so a complaint made in one language only stays whole and apart.
    """
    labels = labels.copy()
    centred = _language_centred(vectors, np.asarray([str(language) for language in languages]))
    while True:
        ids = sorted(set(labels) - {-1})
        if len(ids) < 2:
            return labels
        centroids = _unit(np.stack([centred[labels == label].mean(axis=0) for label in ids]))
        similarity = centroids @ centroids.T
        np.fill_diagonal(similarity, -1.0)
        first, second = np.unravel_index(int(np.argmax(similarity)), similarity.shape)
        if similarity[first, second] < threshold:
            return labels
        labels[labels == ids[second]] = ids[first]


def pull_from_language_lumps(labels: np.ndarray, vectors: np.ndarray, languages: Sequence[str], *,
                             min_cluster_size: int, threshold: float = MERGE_SIMILARITY) -> np.ndarray:
    """Move the parts of a language's lump that match another language's theme into that theme.

    Where the offsets fit a language's posts badly (short Chinese posts here), most of its posts,
    whatever they say, form one theme: a lump. Each lump is re-clustered around its own mean, and each
    group of it whose centroid (each language's mean taken out) is at least `threshold` alike to a
    theme of another main language joins that theme. What matches nothing stays together, so a
    language whose posts all make one complaint keeps it whole.
    """
    labels = labels.copy()
    names = np.asarray([str(language) for language in languages])
    centred = _language_centred(vectors, names)
    for lump in sorted(set(labels) - {-1}):
        members = np.flatnonzero(labels == lump)
        main, count = Counter(names[members]).most_common(1)[0] if len(members) else ("", 0)
        others = [label for label in sorted(set(labels) - {-1, lump})
                  if Counter(names[labels == label]).most_common(1)[0][0] != main]
        if count < LUMP_SHARE * (names == main).sum() or not others:
            continue
        targets = _unit(np.stack([centred[labels == label].mean(axis=0) for label in others]))
        groups = cluster(_unit(vectors[members] - vectors[members].mean(axis=0)), min_cluster_size=min_cluster_size)
        for group in sorted(set(groups) - {-1}):
            rows = members[groups == group]
            similarity = targets @ _unit(centred[rows].mean(axis=0))
            if similarity.max() >= threshold:
                labels[rows] = others[int(np.argmax(similarity))]
    return labels


def theme_labels(vectors: np.ndarray, languages: Sequence[str], *, min_cluster_size: int | None = None,
                 across_languages: bool = True) -> np.ndarray:
    """The theme of each row of language-neutral `vectors` (-1: none): clustered, then (unless
    `across_languages` is off) merged across languages and language lumps pulled apart."""
    minimum = min_cluster_size if min_cluster_size is not None else max(5, round(0.01 * len(vectors)))
    labels = cluster(vectors, min_cluster_size=minimum)
    if not across_languages:
        return labels
    labels = merge_across_languages(labels, vectors, languages)
    return pull_from_language_lumps(labels, vectors, languages, min_cluster_size=minimum)
