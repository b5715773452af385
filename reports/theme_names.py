"""What a reader sees of a theme: a short key phrase for its name, and each quote cut to the sentence
that says the complaint.

The name is read from the theme's posts in the report's language (English by default) when it has
three of them, else in the theme's own main language: every candidate term (word, word pair or CJK
bigram, `reports.text`) is ranked by class-based TF-IDF (BERTopic's c-TF-IDF), and the best word pair
among the top ranks names the theme, with the best single word it lacks ("charging case, hot").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

_CJK_TERM = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])|\n+")
#: Characters of a quote at most: longer sentences are cut at a word boundary.
QUOTE_CHARS = 220
#: A shorter sentence is quoted with its neighbours ("It was my Halo's case." says little alone).
SHORT_QUOTE = 50
#: The report's language names a theme that has this many posts in it.
NAMING_POSTS = 3


#: English names of the languages mentions are tagged with (ISO 639-1), for "spans English, Chinese".
LANGUAGE_NAMES = {
    "ar": "Arabic", "de": "German", "en": "English", "es": "Spanish", "fr": "French", "hi": "Hindi", "it": "Italian",
    "ja": "Japanese", "ko": "Korean", "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "ru": "Russian",
    "tr": "Turkish", "zh": "Chinese", "und": "undetermined",
}


def language_name(code: str | None) -> str:
    """"Chinese" for "zh"; an unknown code as it is ("und": undetermined)."""
    return LANGUAGE_NAMES.get((code or "").split("-")[0].lower(), code or "unknown")


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


def naming_language(languages: Sequence[str], preferred: str) -> str:
    """`preferred` where the theme has `NAMING_POSTS` posts in it, else the theme's main language."""
    counts = Counter(languages)
    if counts[preferred] >= NAMING_POSTS:
        return preferred
    return counts.most_common(1)[0][0] if counts else preferred


def top_terms(row: np.ndarray, vocabulary: list[str], count: int, docs_with: Counter[str],
              class_size: int) -> list[str]:
    """The `count` best terms, skipping those found in a single post of a larger theme (one-off
    words) and words already said by a chosen term; a word pair of the top ranks takes the place of
    its two words ("charging case" for "case" and "charging")."""
    ranked = [vocabulary[index] for index in np.argsort(-row, kind="stable") if row[index] > 0
              and not (class_size >= 4 and docs_with[vocabulary[index]] < 2)][:4 * count]
    chosen: list[str] = []
    for term in ranked:
        words = set(term.split())
        single = [other for other in chosen if " " not in other and other in words]
        if " " in term and len(single) == len(words):
            chosen[chosen.index(single[0])] = term  # the pair says both words, in the order people write them
            chosen.remove(single[1])
            continue
        if len(chosen) >= count:
            continue
        if any(words <= set(other.split()) or set(other.split()) <= words for other in chosen):
            continue
        if " " not in term and _CJK_TERM.fullmatch(term) and set(term) <= set("".join(chosen)):
            continue  # a bigram straddling two chosen ones ("机屏" after "手机" and "屏幕")
        chosen.append(term)
    return chosen[:count]


def key_phrase(terms: Sequence[str]) -> str:
    """A theme's name from its ranked terms: the best word pair of the top three (else the best term),
    then the best single term of the top three that the pair does not already say."""
    if not terms:
        return "(unnamed)"
    head = list(terms[:3])
    phrase = next((term for term in head if " " in term), head[0])
    said = set(phrase.split()) | (set(phrase) if _CJK_TERM.search(phrase) else set())
    extra = next((term for term in head if " " not in term and term not in said
                  and not (_CJK_TERM.fullmatch(term) and set(term) <= said)), None)
    return f"{phrase}, {extra}" if extra else phrase


def sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]


def _joined(parts: Sequence[str]) -> str:
    """Sentences back together: after a full-width stop (Chinese, Japanese) without a space."""
    return "".join(part + ("" if part.endswith(("。", "！", "？")) else " ") for part in parts).strip()


def excerpt(text: str, weights: dict[str, float], tokenize: Callable[[str], list[str]]) -> tuple[str, bool]:
    """The sentence of `text` whose terms weigh most in the theme (`weights`: term -> c-TF-IDF), with
    the sentences before and after it while it is under `SHORT_QUOTE` characters, cut to
    `QUOTE_CHARS`; and whether anything was left out (the quote then links to the full post)."""
    parts = sentences(text) or [text.strip()]
    scores = [sum(weights.get(term, 0.0) for term in set(tokenize(part))) for part in parts]
    first = last = int(np.argmax(scores))
    while last - first + 1 < len(parts) and len(_joined(parts[first:last + 1])) < SHORT_QUOTE:
        first, last = (first - 1, last) if first > 0 else (first, last + 1)
    quote = _joined(parts[first:last + 1])
    trimmed = last - first + 1 < len(parts)
    if len(quote) > QUOTE_CHARS:
        cut = quote[:QUOTE_CHARS].rsplit(" ", 1)[0] if " " in quote[:QUOTE_CHARS] else quote[:QUOTE_CHARS]
        quote, trimmed = cut.rstrip(",;: ") + "…", True
    return quote, trimmed
