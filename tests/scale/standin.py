"""A stand-in scorer for the scale proofs and the ingest benchmark: NOT a sentiment model.

It implements `sentiment.records.Scorer` with a tiny word list, a few microseconds per text, so
that the database, not a model, is what the proofs exercise and the benchmark measures. The real
model (`sentiment.load_scorer(config.model)`) takes seconds to load and ~0.5 GB per process.

`install()` makes `sentiment.load_scorer("standin")` return it, in this process only (the tests'
launcher calls it in each worker subprocess). `BRANDPULSE_STANDIN_DELAY` (seconds per batch) slows
it down, so that SIGKILLs land while batches are claimed and being scored.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence

from sentiment.records import Sentiment

NAME = "standin"
MODEL_ID = "standin-lexicon@1"
POSITIVE = frozenset(["good", "great", "love", "excellent", "happy", "best", "amazing", "nice", "fast", "perfect"])
NEGATIVE = frozenset(["bad", "awful", "hate", "terrible", "broken", "worst", "slow", "refund", "angry", "useless"])
_WORDS = re.compile(r"\w+")


class StandInScorer:
    """Counts positive and negative words; deterministic, so re-scoring gives identical results."""

    model_id = MODEL_ID

    def __init__(self, delay: float | None = None) -> None:
        self.delay = float(os.environ.get("BRANDPULSE_STANDIN_DELAY", "0")) if delay is None else delay

    def score(self, texts: Sequence[str]) -> list[Sentiment]:
        if self.delay:
            time.sleep(self.delay)
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> Sentiment:
        words = _WORDS.findall(text.lower())
        positive = sum(word in POSITIVE for word in words)
        negative = sum(word in NEGATIVE for word in words)
        total = positive + negative + 0.5
        return Sentiment.from_probabilities(
            {"negative": negative / total, "neutral": 0.5 / total, "positive": positive / total}, MODEL_ID)


def install() -> Callable[[], None]:
    """`sentiment.load_scorer("standin")` returns a `StandInScorer` in this process (and
    `sentiment.model_id_for("standin")` its model id); returns the function that undoes it."""
    import sentiment

    saved = {name: sentiment.__dict__[name] for name in ("load_scorer", "model_id_for") if name in sentiment.__dict__}
    real_load = sentiment.load_scorer
    real_id = getattr(sentiment, "model_id_for", None)

    def load_scorer(name: str = "default", **options):
        return StandInScorer() if name == NAME else real_load(name, **options)

    def model_id_for(name: str = "default", **options):
        if name == NAME:
            return MODEL_ID
        if real_id is None:
            raise AttributeError("sentiment.model_id_for")
        return real_id(name, **options)

    sentiment.load_scorer = load_scorer
    sentiment.model_id_for = model_id_for

    def undo() -> None:
        for name in ("load_scorer", "model_id_for"):
            sentiment.__dict__.pop(name, None)
        sentiment.__dict__.update(saved)

    return undo
