"""Text in, `Sentiment` out: model loading (offline default, Hub id, local path), batching, chunking,
language identification and evaluation. Imports nothing else of ours.

Importing this package is cheap: torch, transformers and langid load on first use.

    >>> from brandpulse import sentiment
    >>> scorer = sentiment.load_scorer()            # offline default model ("default")
    >>> scorer.score(["I love it", "c'est nul"])    # list[Sentiment]
    >>> sentiment.detect_language("c'est nul")      # "fr"
    >>> sentiment.embed(["battery dies fast"])      # (1, 384) L2-normalised float32
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .records import LABELS, Label, Scorer, Sentiment

if TYPE_CHECKING:  # pragma: no cover
    from .language import detect_language, detect_languages
    from .loading import default_scorer, embed, load_scorer, model_id_for
    from .scorer import TransformerScorer

__all__ = ["LABELS", "Label", "Scorer", "Sentiment", "TransformerScorer", "default_scorer",
           "detect_language", "detect_languages", "embed", "load_scorer", "model_id_for"]

_LAZY = {
    "load_scorer": ".loading", "default_scorer": ".loading",
    "embed": ".loading", "model_id_for": ".loading",
    "detect_language": ".language", "detect_languages": ".language",
    "TransformerScorer": ".scorer",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sentiment' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
