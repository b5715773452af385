"""Text in, `Sentiment` out: model loading (offline default, Hub id, local path), batching, chunking,
language identification and evaluation. Imports nothing else of ours."""

from sentiment.records import LABELS, Label, Scorer, Sentiment

__all__ = ["LABELS", "Label", "Scorer", "Sentiment"]
