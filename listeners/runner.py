"""Running one listener for one brand: the loop the service wraps around `Listener.fetch`.

`run_listener` hands every batch to `commit` (which stores the batch's mentions and its cursor in
one transaction), adds up the batch statistics, and turns a `ListenerError` into a result instead of
an exception, so a failing source (bad credentials, rate limited, down) never stops the others.
Errors raised by `commit` itself (storage) propagate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from listeners.errors import ListenerError
from listeners.query import BrandQuery
from listeners.records import Batch, BatchStats, Cursor, Listener

log = logging.getLogger("listeners")


@dataclass(slots=True)
class RunResult:
    """One run of one source for one brand: totals, the last committed cursor, and the error, if any."""

    source: str
    brand: str
    cursor: Cursor | None
    stats: BatchStats = field(default_factory=BatchStats)
    batches: int = 0
    mentions: int = 0
    error: ListenerError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def run_listener(listener: Listener, query: BrandQuery, cursor: Cursor | None,
                 commit: Callable[[Batch], None]) -> RunResult:
    result = RunResult(source=listener.source, brand=query.brand, cursor=cursor)
    try:
        for batch in listener.fetch(query, cursor):
            commit(batch)
            result.cursor = batch.cursor
            result.stats.add(batch.stats)
            result.batches += 1
            result.mentions += len(batch.mentions)
    except ListenerError as exc:
        result.error = exc
        log.error("%s run for %s stopped: %s", listener.source, query.brand, exc)
    return result
