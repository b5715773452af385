"""`StandInScorer`: a word-list scorer for measuring databases, NOT a sentiment model.

It implements `sentiment.records.Scorer` with ten positive and ten negative English words, a few
microseconds per text, deterministic (scoring a text twice gives the identical `Sentiment`). The
ingest benchmark drains scoring backlogs with it, and the scale proofs run whole worker fleets
with it, so that the database, not a model, is what they measure. The real model
(`sentiment.load_scorer()`) takes seconds to load and about 0.5 GB per process.

    >>> from sentiment.standin import StandInScorer
    >>> [s.label for s in StandInScorer().score(["great, I love it", "awful", "it arrived"])]
    ['positive', 'negative', 'neutral']

`delay` (seconds slept per `score` call) makes a batch take a while, e.g. so that a crash test's
SIGKILL lands while a batch is claimed and being scored.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from .records import Sentiment

MODEL_ID = "standin-lexicon@1"
POSITIVE = frozenset(["good", "great", "love", "excellent", "happy", "best", "amazing", "nice", "fast", "perfect"])
NEGATIVE = frozenset(["bad", "awful", "hate", "terrible", "broken", "worst", "slow", "refund", "angry", "useless"])
_WORDS = re.compile(r"\w+")


class StandInScorer:
    """Counts positive and negative words; p(neutral) carries a constant weight of half a word."""

    model_id = MODEL_ID

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay

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
