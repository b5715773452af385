"""What every job needs at hand: config, database, model, listeners, clock and the stop signal."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

import numpy as np
from sqlalchemy import Engine

from brandpulse import listeners
from brandpulse.config import Config, SourceConfig, secret_values
from brandpulse.logs import Redactor
from brandpulse.sentiment.records import Scorer
from brandpulse.storage.budgets import StoredReadBudget
from brandpulse.storage.engine import open_database


def utc_now() -> datetime:
    return datetime.now(UTC)


@runtime_checkable
class Embedder(Protocol):
    """A scorer that also encodes sentences (the transformer scorers do; a stand-in scorer need not)."""

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class StopSignal:
    """The stop every job watches, with a `threading.Event`'s `set`, `is_set` and `wait`.

    `set()` stops the process for good (SIGINT/SIGTERM; `shutting_down` tells it apart). The service
    can also end one scheduler term alone when it loses the leadership (`end_term`): the jobs running
    in that term see the stop and end after their current batch (an X stream at once), while the
    process stands by; `new_term()` clears it once those jobs are done, before the next term starts.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._process = False
        self._term_over = False

    @property
    def shutting_down(self) -> bool:
        return self._process

    def is_set(self) -> bool:
        return self._process or self._term_over

    def set(self) -> None:
        with self._changed:
            self._process = True
            self._changed.notify_all()

    def end_term(self) -> None:
        with self._changed:
            self._term_over = True
            self._changed.notify_all()

    def new_term(self) -> None:
        with self._changed:
            self._term_over = False

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until set (or `timeout` seconds); whether it is set."""
        with self._changed:
            return self._changed.wait_for(self.is_set, timeout)


@dataclass
class Runtime:
    """Shared by the jobs of one process. Heavy parts (the model, API clients) load on first use."""

    config: Config
    engine: Engine
    clock: Callable[[], datetime] = utc_now
    stop: StopSignal = field(default_factory=StopSignal)
    progress: bool = False
    _scorer: Scorer | None = None
    _listeners: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    redact: Redactor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # What jobs store and print passes through it: a failure may quote a URL that carries a key.
        self.redact = Redactor(secret_values(self.config))

    @classmethod
    def open(cls, config: Config, **options: Any) -> Runtime:
        return cls(config=config, engine=open_database(config.database), **options)

    def scorer(self) -> Scorer:
        with self._lock:
            if self._scorer is None:
                from brandpulse.sentiment import load_scorer

                self._scorer = load_scorer(self.config.model, progress=self.progress)
            return self._scorer

    def model_id(self) -> str:
        """The configured model's id (what its scores are stored under), without loading the model."""
        if self._scorer is not None:
            return self._scorer.model_id
        from brandpulse.sentiment import model_id_for

        return model_id_for(self.config.model)

    def listener(self, source: SourceConfig, **extra: Any) -> Any:
        """The source's listener, created once per process (clients keep their sessions and tokens);
        its backoff and reconnect waits end as soon as `stop` is set."""
        with self._lock:
            if source.name not in self._listeners:
                spec = listeners.SOURCES[source.name]
                budget = StoredReadBudget(self.engine, source.name, getattr(source.settings, "monthly_read_cap", None),
                                          clock=self.clock)
                self._listeners[source.name] = spec.create(source.settings, clock=self.clock, budget=budget,
                                                           stop=self.stop, **extra)
            return self._listeners[source.name]

    def close(self) -> None:
        self.engine.dispose()
