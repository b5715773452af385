"""Language identification with `langid` (Lui & Baldwin 2012): its model ships inside the package, works
offline, covers 97 languages and classifies thousands of short texts a second on one core.

Social posts are cleaned first: URLs, @handles, e-mail addresses, the '#' of hashtags, HTML entities and
anything that is not a letter are removed, since they say nothing about the language and mislead the
character n-gram model. A text left with fewer than 2 letters is undecidable (`None`): empty,
whitespace, emoji-only, numbers or links only. So is a text whose best language has a normalised
probability under `MIN_CONFIDENCE`.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterable
from typing import Any

MIN_CONFIDENCE = 0.5
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_NOT_LETTER = re.compile(r"[\W\d_]+")
_lock = threading.Lock()
_identifier: Any = None  # a langid LanguageIdentifier (untyped library)


def _model() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            from langid.langid import LanguageIdentifier, model

            _identifier = LanguageIdentifier.from_modelstring(model, norm_probs=True)
        return _identifier


def clean_for_language(text: str) -> str:
    text = html.unescape(text or "")
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = text.replace("#", " ")
    return " ".join(_NOT_LETTER.sub(" ", text).split())


def _prepare(text: object) -> str | None:
    cleaned = clean_for_language(text if isinstance(text, str) else "")
    if sum(ch.isalpha() for ch in cleaned) < 2:
        return None
    return cleaned.encode("utf-8", "replace").decode("utf-8")


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of `text`'s language, or None when it cannot be told."""
    return detect_languages([text])[0]


def detect_languages(texts: Iterable[str], *, batch: int = 256) -> list[str | None]:
    """`detect_language` for many texts: one matrix product per batch instead of one per text."""
    import numpy as np

    texts = list(texts)
    out: list[str | None] = [None] * len(texts)
    prepared = [(i, c) for i, t in enumerate(texts) if (c := _prepare(t)) is not None]
    if not prepared:
        return out
    ident = _model()
    for start in range(0, len(prepared), batch):
        part = prepared[start:start + batch]
        features = np.stack([ident.instance2fv(c) for _, c in part]).astype(np.float64)
        scores = features @ ident.nb_ptc + ident.nb_pc  # (n, languages) log-probabilities
        best = scores.argmax(axis=1)
        scores -= scores.max(axis=1, keepdims=True)
        confidence = 1.0 / np.exp(scores).sum(axis=1)  # softmax probability of the best language
        for (i, _), b, conf in zip(part, best, confidence, strict=True):
            out[i] = ident.nb_classes[b] if conf >= MIN_CONFIDENCE else None
    return out
