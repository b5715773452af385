"""Evaluation with the official metrics, for our scorer and the VADER lexicon baseline.

- TweetEval sentiment (SemEval-2017 4A): macro-averaged recall over negative/neutral/positive.
- UMSAB: macro-F1 per language, and their mean (the headline).
- SentiMix Hinglish (val): macro-F1 (dataset "hinglish", outside the UMSAB mean).
- TweetEval emotion: macro-F1 over anger, joy, optimism, sadness (`evaluate_emotions`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .data import tweeteval, umsab
from .records import LABELS

if TYPE_CHECKING:
    from .scorer import TransformerScorer

#: (dataset, language) -> (texts, gold labels)
EvalSets = dict[tuple[str, str], tuple[list[str], list[int]]]


def confusion(gold: Sequence[int], pred: Sequence[int], n: int = len(LABELS)) -> np.ndarray:
    """Rows: gold class, columns: predicted class."""
    m = np.zeros((n, n), dtype=int)
    for g, p in zip(gold, pred, strict=True):
        m[g, p] += 1
    return m


def macro_recall(m: np.ndarray) -> float:
    support = m.sum(axis=1)
    return float(np.mean([m[i, i] / support[i] if support[i] else 0.0 for i in range(len(m))]))


def macro_f1(m: np.ndarray) -> float:
    f1s = []
    for i in range(len(m)):
        tp, predicted, actual = m[i, i], m[:, i].sum(), m[i, :].sum()
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return float(np.mean(f1s))


def accuracy(m: np.ndarray) -> float:
    return float(np.trace(m) / m.sum()) if m.sum() else 0.0


@dataclass
class Result:
    dataset: str  # "tweeteval" or "umsab"
    language: str
    n: int
    metric: str  # name of the official metric
    value: float
    macro_f1: float
    macro_recall: float
    accuracy: float
    confusion: np.ndarray = field(repr=False)


def result(dataset: str, language: str, gold: Sequence[int], pred: Sequence[int]) -> Result:
    m = confusion(gold, pred)
    official = ("macro_recall", macro_recall(m)) if dataset == "tweeteval" else ("macro_f1", macro_f1(m))
    return Result(dataset, language, len(gold), official[0], official[1], macro_f1(m), macro_recall(m),
                  accuracy(m), m)


def eval_sets(root: Path, split: str = "val") -> EvalSets:
    """{(dataset, language): (texts, labels)} for the sentiment sets present under `root`."""
    sets = {}
    te = tweeteval(root, split)
    if te is not None:
        sets[("tweeteval", "en")] = te
    for code, pair in umsab(root, split).items():
        sets[("umsab", code)] = pair
    hinglish = tweeteval(root, split, "hinglish")
    if hinglish is not None:
        sets[("hinglish", "hi")] = hinglish
    return sets


def emotion_set(root: Path, split: str = "val") -> tuple[list[str], list[int]] | None:
    """TweetEval emotion's `split` (labels index `sentiment.data.EMOTIONS`), None when absent."""
    return tweeteval(root, split, "tweeteval_emotion")


def evaluate_emotions(predict: Callable[[list[str]], list[int]], texts: Sequence[str], gold: Sequence[int]) -> Result:
    """Macro-F1 over the four emotions (the official TweetEval emotion metric)."""
    from .data import EMOTIONS

    m = confusion(gold, predict(list(texts)), n=len(EMOTIONS))
    return Result("emotion", "en", len(gold), "macro_f1", macro_f1(m), macro_f1(m), macro_recall(m), accuracy(m), m)


def evaluate(predict: Callable[[list[str]], list[int]], sets: EvalSets) -> list[Result]:
    """Results per set and, for UMSAB, a "mean" row (the mean of the per-language macro-F1)."""
    results = []
    for (dataset, language), (texts, labels) in sets.items():
        results.append(result(dataset, language, labels, predict(list(texts))))
    per_language = [r for r in results if r.dataset == "umsab"]
    if per_language:
        total = sum((r.confusion for r in per_language), np.zeros((3, 3), dtype=int))
        mean = float(np.mean([r.value for r in per_language]))
        results.append(Result("umsab", "mean", int(total.sum()), "macro_f1", mean,
                              float(np.mean([r.macro_f1 for r in per_language])),
                              float(np.mean([r.macro_recall for r in per_language])),
                              float(np.mean([r.accuracy for r in per_language])), total))
    return results


def scorer_predictor(scorer: TransformerScorer) -> Callable[[list[str]], list[int]]:
    def predict(texts: list[str]) -> list[int]:
        return [int(i) for i in np.argmax(scorer.predict_proba(texts), axis=1)]

    return predict


def emotion_predictor(scorer: TransformerScorer) -> Callable[[list[str]], list[int]]:
    """The scorer's most likely emotion, as an index into `sentiment.data.EMOTIONS`."""
    from .data import EMOTIONS

    columns = [list(scorer.emotion_labels).index(name) for name in EMOTIONS]

    def predict(texts: list[str]) -> list[int]:
        return [int(i) for i in np.argmax(scorer.predict_emotions(texts)[:, columns], axis=1)]

    return predict


def vader_predictor() -> Callable[[list[str]], list[int]]:
    """The VADER lexicon with its documented thresholds: compound >= 0.05 positive, <= -0.05 negative."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()

    def predict(texts: list[str]) -> list[int]:
        out = []
        for text in texts:
            compound = analyzer.polarity_scores(text)["compound"]
            out.append(2 if compound >= 0.05 else 0 if compound <= -0.05 else 1)
        return out

    return predict


def as_dict(results: list[Result]) -> list[dict[str, Any]]:
    return [{"dataset": r.dataset, "language": r.language, "n": r.n, "metric": r.metric,
             "value": round(r.value, 4), "macro_f1": round(r.macro_f1, 4),
             "macro_recall": round(r.macro_recall, 4), "accuracy": round(r.accuracy, 4),
             "confusion": r.confusion.tolist()} for r in results]
