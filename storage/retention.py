"""Retention: raw payloads and old mentions pruned, their daily counts kept in `daily_aggregates`.

Mentions are deleted in chunks; each chunk's counts per UTC day, brand, source, language, model
and label are added to `daily_aggregates` in the transaction that deletes it, so a crash or a
concurrent run never loses a mention from the counts nor counts one twice. `daily_series` and
`storage.queries.breakdown` read both tables (the aggregates through `storage.queries.pruned_counts`),
so daily series and breakdowns by source and language come out the same before and after pruning.

A mention still waiting in the scoring queue is kept until it is scored: its day's aggregate then
includes its label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import Connection, Engine, exists, func, literal, null, select, update

from brandpulse.storage.dialect import dialect_insert, supports_skip_locked
from brandpulse.storage.queries import daily_counts, pruned_counts, sum_counts, utc_day
from brandpulse.storage.schema import daily_aggregates, mention_brands, mentions, scoring_queue, sentiments

#: Mentions per transaction: short enough never to hold locks for long, large enough to be cheap.
PRUNE_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long to keep things; None keeps them forever."""

    raw_payload_days: int | None = None
    mentions_days: int | None = None


@dataclass(frozen=True, slots=True)
class PruneResult:
    raw_payloads_cleared: int = 0
    mentions_deleted: int = 0
    aggregate_rows: int = 0

    def as_counts(self) -> dict[str, int]:
        return {"raw_payloads_cleared": self.raw_payloads_cleared, "mentions_deleted": self.mentions_deleted,
                "aggregate_rows": self.aggregate_rows}


def cutoff(now: datetime, days: int) -> datetime:
    """Midnight UTC `days` days before `now`: whole days are pruned, never part of one."""
    day = (now.astimezone(UTC) - timedelta(days=days)).date()
    return datetime.combine(day, time(0), tzinfo=UTC)


def prune(engine: Engine, policy: RetentionPolicy, *, now: datetime | None = None,
          chunk: int = PRUNE_CHUNK) -> PruneResult:
    """Apply `policy`: clear raw payloads, then aggregate and delete old mentions."""
    now = now or datetime.now(UTC)
    cleared = deleted = rows = 0
    if policy.raw_payload_days is not None:
        cleared = clear_raw_payloads(engine, cutoff(now, policy.raw_payload_days), chunk=chunk)
    if policy.mentions_days is not None:
        deleted, rows = prune_mentions(engine, cutoff(now, policy.mentions_days), chunk=chunk)
    return PruneResult(cleared, deleted, rows)


def clear_raw_payloads(engine: Engine, before: datetime, *, chunk: int = PRUNE_CHUNK) -> int:
    """Drop the API payload of mentions created before `before`; returns how many were cleared."""
    total, after_id = 0, 0
    while True:
        with engine.begin() as connection:
            ids = connection.execute(
                select(mentions.c.id).where(mentions.c.id > after_id, mentions.c.created_at < before,
                                            mentions.c.raw.is_not(None))
                .order_by(mentions.c.id).limit(chunk)).scalars().all()
            if not ids:
                return total
            # SQL NULL, not JSON null: `raw IS NOT NULL` then finds only what is left to clear.
            connection.execute(update(mentions).where(mentions.c.id.in_(ids)).values(raw=null()))
        total += len(ids)
        after_id = ids[-1]


def prune_mentions(engine: Engine, before: datetime, *, chunk: int = PRUNE_CHUNK) -> tuple[int, int]:
    """Aggregate, then delete, the scored mentions created before `before`.

    Returns (mentions deleted, aggregate rows written). On PostgreSQL, rows another transaction
    holds are skipped (they are pruned by the next run), so pruning never waits on a worker.
    """
    deleted = rows = 0
    after_id = 0
    waiting = exists().where(scoring_queue.c.mention_id == mentions.c.id)
    while True:
        with engine.begin() as connection:
            query = (select(mentions.c.id).where(mentions.c.id > after_id, mentions.c.created_at < before, ~waiting)
                     .order_by(mentions.c.id).limit(chunk))
            if supports_skip_locked(connection):
                query = query.with_for_update(skip_locked=True)
            ids = connection.execute(query).scalars().all()
            if not ids:
                return deleted, rows
            rows += _add_aggregates(connection, ids)
            connection.execute(mentions.delete().where(mentions.c.id.in_(ids)))  # links and scores cascade
        deleted += len(ids)
        after_id = ids[-1]


def _add_aggregates(connection: Connection, ids: Sequence[int]) -> int:
    """Add the counts of mentions `ids` to `daily_aggregates`; returns how many rows it touched."""
    day = utc_day(connection, mention_brands.c.created_at).label("day")
    language = func.coalesce(mentions.c.language, "").label("language")
    linked = mention_brands.join(mentions, mentions.c.id == mention_brands.c.mention_id)
    keys = (day, mention_brands.c.brand_id, mentions.c.source, language)
    volume = (select(*keys, literal("").label("model_id"), literal("").label("label"),
                     func.count().label("mentions"), literal(0.0).label("score_sum"))
              .select_from(linked).where(mentions.c.id.in_(ids)).group_by(*keys))
    scored = (select(*keys, sentiments.c.model_id, sentiments.c.label, func.count().label("mentions"),
                     func.sum(sentiments.c.score).label("score_sum"))
              .select_from(linked.join(sentiments, sentiments.c.mention_id == mentions.c.id))
              .where(mentions.c.id.in_(ids)).group_by(*keys, sentiments.c.model_id, sentiments.c.label))
    counts = [{"day": date.fromisoformat(row.day), "brand_id": row.brand_id, "source": row.source,
               "language": row.language, "model_id": row.model_id, "label": row.label,
               "mentions": int(row.mentions), "score_sum": float(row.score_sum or 0.0)}
              for query in (volume, scored) for row in connection.execute(query)]
    if not counts:
        return 0
    counts.sort(key=lambda row: (row["day"], row["brand_id"], row["source"], row["language"], row["model_id"],
                                 row["label"]))  # one lock order for concurrent pruners
    statement = dialect_insert(connection, daily_aggregates)
    statement = statement.on_conflict_do_update(
        index_elements=[column.name for column in daily_aggregates.primary_key],
        set_={"mentions": daily_aggregates.c.mentions + statement.excluded.mentions,
              "score_sum": daily_aggregates.c.score_sum + statement.excluded.score_sum})
    connection.execute(statement, counts)
    return len(counts)


def daily_series(connection: Connection, *, model_id: str, start: datetime, end: datetime,
                 brand_names: Sequence[str] | None = None) -> pd.DataFrame:
    """Per brand and UTC day in [start, end): volume, scored, negative, neutral, positive (long form),
    from the live mentions and the aggregates of pruned ones together.

    The same shape as `storage.queries.daily_counts`, which reads live mentions only; `day` is a
    midnight-UTC timestamp and only days with mentions appear. Only `model_id`'s scores count; a
    pruned day counts when its midnight lies in [start, end).
    """
    live = daily_counts(connection, model_id=model_id, start=start, end=end, brand_names=brand_names)
    pruned = pruned_counts(connection, model_id=model_id, by="day", start=start, end=end, brand_names=brand_names)
    return sum_counts([live, pruned], ["brand", "day"])
