"""The record a scorer returns and the interface every scorer offers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")


@dataclass(frozen=True, slots=True)
class Sentiment:
    """A scored text. `score` is p(positive) - p(negative), so it lies in [-1, 1] and averages well.

    `emotions` maps emotion names (the default model: anger, joy, optimism, sadness) to probabilities
    that sum to 1: which of them the text expresses most, read together with the sentiment (a neutral
    text still has a most likely emotion). Empty for models without an emotion head.
    """

    label: Label
    score: float
    probabilities: dict[str, float]
    model_id: str
    emotions: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_probabilities(cls, probabilities: dict[str, float], model_id: str,
                           emotions: dict[str, float] | None = None) -> Sentiment:
        label = max(LABELS, key=lambda name: probabilities.get(name, 0.0))
        score = probabilities.get("positive", 0.0) - probabilities.get("negative", 0.0)
        return cls(label=label, score=max(-1.0, min(1.0, score)), probabilities=probabilities,
                   model_id=model_id, emotions=dict(emotions or {}))


@dataclass(frozen=True, slots=True)
class Tags:
    """Where in the customer experience a post sits (`sentiment.touchpoints`): its touchpoint and journey
    stage. A record here so that storage can persist it without importing the classifier."""

    touchpoint: str
    stage: str
    #: The winning label's share of a softmax over the label similarities: how sure, not a probability.
    touchpoint_confidence: float
    stage_confidence: float


class Scorer(Protocol):
    """Anything that scores texts. `model_id` is stored with every score it produces."""

    model_id: str

    def score(self, texts: Sequence[str]) -> list[Sentiment]: ...
