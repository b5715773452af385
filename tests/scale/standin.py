"""`model: standin` for the scale proofs' processes: `sentiment.standin.StandInScorer`, plus a ledger.

`install()` makes `sentiment.load_scorer("standin")` return the stand-in, in this process only (the
tests' launcher calls it in each worker subprocess). Two environment variables shape it:

- `BRANDPULSE_STANDIN_DELAY` (seconds per batch) slows it down, so that SIGKILLs land while
  batches are claimed and being scored;
- `BRANDPULSE_STANDIN_LEDGER` (a file path) makes it append one JSON line per batch it scores,
  `{"batch": n, "texts": [...]}`, written before the scores are saved: every piece of work the
  process did, committed or not, for the crash proof to account for (`fleet.check_work_done_once`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence

from brandpulse.sentiment.records import Sentiment
from brandpulse.sentiment.standin import MODEL_ID, StandInScorer

NAME = "standin"
DELAY_ENV = "BRANDPULSE_STANDIN_DELAY"
LEDGER_ENV = "BRANDPULSE_STANDIN_LEDGER"


class LedgerScorer(StandInScorer):
    """The stand-in, appending what each batch scored to `path` (O_APPEND, one write per batch)."""

    def __init__(self, path: str, delay: float = 0.0) -> None:
        super().__init__(delay=delay)
        self.path = path
        self.batches = 0

    def score(self, texts: Sequence[str]) -> list[Sentiment]:
        results = super().score(texts)
        self.batches += 1
        line = json.dumps({"batch": self.batches, "texts": list(texts)}) + "\n"
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, line.encode())
        finally:
            os.close(descriptor)
        return results


def from_environment() -> StandInScorer:
    delay = float(os.environ.get(DELAY_ENV, "0"))
    ledger = os.environ.get(LEDGER_ENV)
    return LedgerScorer(ledger, delay=delay) if ledger else StandInScorer(delay=delay)


def install() -> Callable[[], None]:
    """`sentiment.load_scorer("standin")` returns the stand-in in this process (and
    `sentiment.model_id_for("standin")` its model id); returns the function that undoes it."""
    from brandpulse import sentiment

    saved = {name: sentiment.__dict__[name] for name in ("load_scorer", "model_id_for") if name in sentiment.__dict__}
    real_load = sentiment.load_scorer
    real_id = getattr(sentiment, "model_id_for", None)

    def load_scorer(name: str = "default", **options):
        return from_environment() if name == NAME else real_load(name, **options)

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
