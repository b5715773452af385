"""The scoring work queue: claiming unscored mentions and saving their scores."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime

from filelock import FileLock
from sqlalchemy import ColumnElement, Connection, Engine, and_, bindparam, delete, exists, func, select, update

from brandpulse.sentiment.records import Sentiment
from brandpulse.storage.dialect import insert_ignoring_conflicts, supports_skip_locked
from brandpulse.storage.schema import mentions, scoring_queue, sentiments

#: Emotions stored per score, each in its `p_<name>` column of `sentiments`.
EMOTIONS = ("anger", "joy", "optimism", "sadness")


@dataclass(frozen=True, slots=True)
class ScoringTask:
    mention_id: int
    text: str
    language: str | None


def _unscored(model_id: str, rescore: bool) -> ColumnElement[bool]:
    """Mentions without a score from `model_id`.

    Unless `rescore` is asked for, mentions already scored by another model are left alone: a new
    model scores new mentions, and history is re-scored only on request, so series never mix.
    """
    by_this_model = exists().where(sentiments.c.mention_id == mentions.c.id, sentiments.c.model_id == model_id)
    condition = ~by_this_model
    if not rescore:
        condition = and_(condition, ~exists().where(sentiments.c.mention_id == mentions.c.id))
    return condition


def claim_unscored(connection: Connection, model_id: str, limit: int, *, rescore: bool = False) -> list[ScoringTask]:
    """Up to `limit` mentions to score, oldest first, locked for this transaction.

    On PostgreSQL the rows are locked with `FOR UPDATE SKIP LOCKED`, so concurrent workers never
    claim the same mention and a crashed worker's claim ends with its transaction. On SQLite the
    claim is a plain read: `scoring_batch` makes processes take turns.

    New work comes from `scoring_queue` (mentions no model has scored), so a claim costs the same
    with ten or ten million scored mentions; the claim locks the queue rows, never the mentions,
    which collectors may be linking to another brand meanwhile. Re-scoring history for a new model
    (`rescore`) scans the mentions instead.
    """
    columns = (mentions.c.id, mentions.c.text, mentions.c.language)
    if rescore:
        query = select(*columns).where(_unscored(model_id, rescore)).order_by(mentions.c.id).limit(limit)
        if supports_skip_locked(connection):
            query = query.with_for_update(skip_locked=True, of=mentions)
        return [ScoringTask(*row) for row in connection.execute(query)]
    # The queue rows are claimed first, in a subquery of their own, so that the plan never depends
    # on the planner's statistics (a freshly loaded table has none).
    claimed = select(scoring_queue.c.mention_id).order_by(scoring_queue.c.mention_id).limit(limit)
    if supports_skip_locked(connection):
        claimed = claimed.with_for_update(skip_locked=True)
    claimed_rows = claimed.subquery()
    query = select(*columns).join(claimed_rows, claimed_rows.c.mention_id == mentions.c.id).order_by(mentions.c.id)
    return [ScoringTask(*row) for row in connection.execute(query)]


def scoring_backlog(connection: Connection, model_id: str, *, rescore: bool = False) -> int:
    """Mentions waiting for `model_id`: those no model has scored (the queue), or with `rescore`,
    every mention without a score from `model_id`."""
    if not rescore:
        return connection.execute(select(func.count()).select_from(scoring_queue)).scalar_one()
    query = select(func.count()).select_from(mentions).where(_unscored(model_id, rescore))
    return connection.execute(query).scalar_one()


def save_scores(connection: Connection, scored: Sequence[tuple[int, Sentiment]],
                languages: dict[int, str | None] | None = None) -> int:
    """Store scores (one per mention and model; a replayed save changes nothing), their emotion
    probabilities (NULL where the model has none) and detected languages."""
    now = datetime.now(UTC)
    rows = [{"mention_id": mention_id, "model_id": s.model_id, "label": s.label, "score": s.score,
             "p_negative": s.probabilities.get("negative", 0.0), "p_neutral": s.probabilities.get("neutral", 0.0),
             "p_positive": s.probabilities.get("positive", 0.0), "scored_at": now,
             **{f"p_{name}": s.emotions.get(name) for name in EMOTIONS}}
            for mention_id, s in sorted(scored, key=lambda pair: pair[0])]
    if rows:
        connection.execute(insert_ignoring_conflicts(connection, sentiments, ["mention_id", "model_id"]), rows)
        scored_ids = sorted({mention_id for mention_id, _ in scored})
        connection.execute(delete(scoring_queue).where(scoring_queue.c.mention_id.in_(scored_ids)))
    detected = [{"mid": mention_id, "lang": language} for mention_id, language in sorted((languages or {}).items())
                if language]
    if detected:
        connection.execute(update(mentions).where(mentions.c.id == bindparam("mid"), mentions.c.language.is_(None))
                           .values(language=bindparam("lang")), detected)
    return len(rows)


def read_scores(connection: Connection, mention_ids: Sequence[int], model_id: str) -> dict[int, Sentiment]:
    """`model_id`'s stored scores of `mention_ids`, as the `Sentiment` records that were saved
    (emotions included when the model had them)."""
    ids = sorted(set(mention_ids))
    if not ids:
        return {}
    emotion_columns = [sentiments.c[f"p_{name}"] for name in EMOTIONS]
    query = (select(sentiments.c.mention_id, sentiments.c.label, sentiments.c.score, sentiments.c.p_negative,
                    sentiments.c.p_neutral, sentiments.c.p_positive, *emotion_columns)
             .where(sentiments.c.mention_id.in_(ids), sentiments.c.model_id == model_id))
    out = {}
    for row in connection.execute(query):
        emotions = {name: row[6 + i] for i, name in enumerate(EMOTIONS) if row[6 + i] is not None}
        out[row.mention_id] = Sentiment(label=row.label, score=row.score, model_id=model_id,
                                        probabilities={"negative": row.p_negative, "neutral": row.p_neutral,
                                                       "positive": row.p_positive}, emotions=emotions)
    return out


@dataclass(slots=True)
class ScoringBatch:
    tasks: list[ScoringTask]
    scored: list[tuple[int, Sentiment]] = field(default_factory=list)
    languages: dict[int, str | None] = field(default_factory=dict)


@contextmanager
def scoring_batch(engine: Engine, model_id: str, limit: int, *, rescore: bool = False) -> Iterator[ScoringBatch]:
    """Claim a batch, let the caller fill in `scored` and `languages`, and save them when the block ends.

    On PostgreSQL the claim's row locks are held while the caller scores, so other workers skip
    these rows and a crash releases them with the transaction.

    SQLite has no row locks, and holding its single write lock while a model runs would stall the
    collectors. So each batch is claimed, scored and saved during a turn: an exclusive lock on a file
    beside the database, held by one process (or thread) at a time and freed by the OS if it dies.
    Several score workers (or a worker beside `brandpulse run`) then never score the same mention,
    but they take turns rather than score in parallel: more scoring throughput needs PostgreSQL.
    """
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            batch = ScoringBatch(claim_unscored(connection, model_id, limit, rescore=rescore))
            yield batch
            save_scores(connection, batch.scored, batch.languages)
        return
    with _sqlite_scoring_turn(engine):
        with engine.connect() as connection:
            batch = ScoringBatch(claim_unscored(connection, model_id, limit, rescore=rescore))
        yield batch
        with engine.begin() as connection:
            save_scores(connection, batch.scored, batch.languages)


def _sqlite_scoring_turn(engine: Engine) -> AbstractContextManager[object]:
    """The lock a SQLite database's scoring batches take turns on (none for an in-memory database,
    which only its own process can see)."""
    database = engine.url.database
    if not database or database == ":memory:":
        return nullcontext()
    return FileLock(f"{database}.scoring.lock", thread_local=False)
