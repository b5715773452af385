"""The jobs the scheduler runs (and the CLI runs once): collect, score, evaluate, send.

Each is a plain function of the runtime that records a `job_runs` row; the logic lives in the
packages it calls. They check `runtime.stop` between batches, so a signal ends them after a
committed batch, never in the middle of one. A streaming source (X's filtered stream) is handed
`runtime.stop` itself: it ends its connection at once, even while silent, and yields what it holds.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from brandpulse import alerting
from brandpulse import cases as cx
from brandpulse.alerts.urgent import check as check_urgent
from brandpulse.config import BrandConfig
from brandpulse.listeners.base import Stopped
from brandpulse.listeners.errors import AuthError, ListenerError
from brandpulse.listeners.query import BrandQuery
from brandpulse.listeners.records import Batch, BrandStream, Cursor, Mention, StopEvent
from brandpulse.runtime import Runtime
from brandpulse.sentiment import detect_languages
from brandpulse.storage.alert_store import mentions_for_urgency
from brandpulse.storage.jobs import finish_run, start_run
from brandpulse.storage.mentions import load_cursor, store_batch
from brandpulse.storage.scoring import scoring_batch

log = logging.getLogger("brandpulse.jobs")

Progress = Callable[[int], None]


def recorded(runtime: Runtime, job: str, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run `work`, keeping a `job_runs` row of its start, end, counts and error; the counts come back
    (and the error is stored) with the config's secrets redacted."""
    redact = runtime.redact
    with runtime.engine.begin() as connection:
        run_id = start_run(connection, job, runtime.clock())
    try:
        counts = work()
    except BaseException as error:
        with runtime.engine.begin() as connection:
            status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
            finish_run(connection, run_id, status, {}, redact(f"{type(error).__name__}: {error}"), runtime.clock())
        raise
    redacted: dict[str, Any] = redact.tree(counts)
    status = "interrupted" if runtime.stop.is_set() else ("partial" if redacted.get("errors") else "ok")
    with runtime.engine.begin() as connection:
        finish_run(connection, run_id, status, redacted, None, runtime.clock())
    return redacted


def collect(runtime: Runtime, source_name: str) -> dict[str, Any]:
    """Fetch new mentions of every brand from one source, committing each page with its cursor."""
    return recorded(runtime, f"collect:{source_name}", lambda: _collect(runtime, source_name))


def _collect(runtime: Runtime, source_name: str) -> dict[str, Any]:
    run = _CollectRun(runtime, source_name, {brand.name: brand for brand in runtime.config.brands_for(source_name)})
    listener = runtime.listener(runtime.config.sources[source_name])
    if isinstance(listener, BrandStream) and listener.streaming:
        # One connection carries every brand; the listener ends it soon after runtime.stop is set,
        # yielding what it collected, so its batches are all stored.
        queries = [brand.to_query(source_name) for brand in run.brands.values()]
        run.consume("all brands", listener.stream([(query, run.cursor(query)) for query in queries], stop=runtime.stop))
    else:
        for brand in run.brands.values():
            if runtime.stop.is_set():
                break
            query = brand.to_query(source_name)
            batches = ((query, batch) for batch in listener.fetch(query, run.cursor(query)))
            if not run.consume(brand.name, batches, stop=runtime.stop):
                break
    log.info("collect %s: %s", source_name, dict(run.counts))
    return run.result()


def with_languages(batch: list[Mention]) -> int:
    """Give each mention whose source declared no language the detector's verdict (listeners import
    nothing of ours, so the fallback happens here, before storing); returns how many were detected."""
    undeclared = [mention for mention in batch if not mention.language]
    for mention, code in zip(undeclared, detect_languages([m.text for m in undeclared]), strict=True):
        mention.language = code
    return sum(1 for mention in undeclared if mention.language)


@dataclass
class _CollectRun:
    """One collect run of one source: stores each brand's batches with their cursors and adds up
    what they cost and brought."""

    runtime: Runtime
    source: str
    brands: dict[str, BrandConfig]
    counts: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def cursor(self, query: BrandQuery) -> Cursor | None:
        with self.runtime.engine.connect() as connection:
            return load_cursor(connection, self.source, query.brand, query.name)

    def consume(self, label: str, batches: Iterator[tuple[BrandQuery, Batch]], *,
                stop: StopEvent | None = None) -> bool:
        """Store every batch (stopping after a committed one once `stop` is set). A `ListenerError`
        is recorded as a failure of `label`; False when the source refused the credentials, which
        would fail every other brand the same way, or when a stop ended the run."""
        try:
            for query, batch in batches:
                self.store(query, batch)
                if stop is not None and stop.is_set():
                    break
        except Stopped as error:  # a stop ended a retry wait: an interruption, not a failure of the source
            self.notes.append(f"{label}: {error}")
            return False
        except ListenerError as error:
            self.counts["errors"] += 1
            self.failures.append(f"{label}: {error}")
            log.error("collect %s for %s failed: %s", self.source, label, error)
            return not isinstance(error, AuthError)
        return True

    def store(self, query: BrandQuery, batch: Batch) -> None:
        brand = self.brands[query.brand]
        # the post's own site, not the listener's name (a replay or file source carries posts from several)
        is_own = [m.from_brand or brand.is_own_post(m.author_handle, m.source) for m in batch.mentions]
        own = [m for m, mine in zip(batch.mentions, is_own, strict=True) if mine]
        voices = [m for m, mine in zip(batch.mentions, is_own, strict=True) if not mine]
        self.counts["own_posts"] += len(own)
        if detected := with_languages(batch.mentions):
            self.counts["languages_detected"] += detected
        with self.runtime.engine.begin() as connection:  # the brand's posts are stored unlinked: never voice
            stored = store_batch(connection, source=self.source, brand=brand.name, query_name=query.name,
                                 batch=voices, cursor=batch.cursor, brand_posts=own)
        stats = batch.stats
        self.counts.update(calls=stats.calls, fetched=stats.fetched, filtered=stats.filtered, skipped=stats.skipped,
                           errors=stats.errors, budget_used=stats.budget_used, new=len(stored.new),
                           duplicates=stored.duplicates)
        if stats.stop_reason:
            self.notes.append(f"{brand.name}: {stats.stop_reason}")
        self.failures.extend(stats.failures)

    def result(self) -> dict[str, Any]:
        return {**self.counts, **({"failures": self.failures} if self.failures else {}),
                **({"notes": self.notes} if self.notes else {})}


def score(runtime: Runtime, *, rescore: bool = False, progress: Progress | None = None) -> dict[str, Any]:
    """Score unscored mentions with the configured model, batch by batch, and detect their language."""
    return recorded(runtime, "score", lambda: _score(runtime, rescore, progress))


def _score(runtime: Runtime, rescore: bool, progress: Progress | None) -> dict[str, Any]:
    scorer = runtime.scorer()
    size = runtime.config.schedule.score_batch_size
    counts: Counter[str] = Counter()
    while not runtime.stop.is_set():
        with scoring_batch(runtime.engine, scorer.model_id, size, rescore=rescore) as batch:
            if not batch.tasks:
                break
            results = scorer.score([task.text for task in batch.tasks])
            batch.scored = [(task.mention_id, result) for task, result in zip(batch.tasks, results, strict=True)]
            unknown = [task for task in batch.tasks if task.language is None]
            detected = detect_languages([task.text for task in unknown])
            batch.languages = {task.mention_id: code for task, code in zip(unknown, detected, strict=True)}
        counts.update((result.label for result in results), scored=len(batch.scored))
        counts["urgent"] += _page_urgent_mentions(runtime, scorer.model_id, [task.mention_id for task in batch.tasks])
        counts.update(cx.after_scoring(runtime, scorer, [task.mention_id for task in batch.tasks]))
        if progress:
            progress(len(batch.scored))
    return dict(counts)


def _page_urgent_mentions(runtime: Runtime, model_id: str, mention_ids: list[int]) -> int:
    config = runtime.config.alerts
    if not config.urgent.enabled:
        return 0
    with runtime.engine.connect() as connection:
        candidates = mentions_for_urgency(connection, mention_ids, model_id)
    urgent = check_urgent(candidates, config, runtime.clock())
    alerting.page_urgent(runtime, urgent)
    return len(urgent)


def evaluate(runtime: Runtime) -> dict[str, Any]:
    """Run the alert rules on the latest complete bucket and queue the notifications they call for."""
    return recorded(runtime, "evaluate", lambda: alerting.evaluate(runtime, runtime.model_id()))


def tag(runtime: Runtime, *, progress: Progress | None = None) -> dict[str, Any]:
    """Give queued scored mentions their touchpoint and journey stage."""
    return recorded(runtime, "tag", lambda: cx.tag(runtime, progress))


def respond(runtime: Runtime) -> dict[str, Any]:
    """Alert on cases waiting past their response target; resolve those alerts once answered."""
    return recorded(runtime, "respond", lambda: cx.respond(runtime))


def send(runtime: Runtime) -> dict[str, Any]:
    """Deliver queued notifications; failures are retried with backoff by later runs."""
    def work() -> dict[str, Any]:
        report = alerting.send(runtime)
        return {"sent": len(report.sent), "retrying": len(report.retrying), "dead": len(report.dead)}

    return recorded(runtime, "send", work)


def report(runtime: Runtime, index: str) -> dict[str, Any]:
    """Make and mail the scheduled report `index` (its position in the config's `reports:` list)."""
    from brandpulse.reporting import run_schedule

    return recorded(runtime, f"report:{index}", lambda: run_schedule(runtime, int(index)))
