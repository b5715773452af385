"""The scoring work queue: claiming unscored mentions and saving their scores."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, and_, bindparam, exists, func, select, update

from sentiment.records import Sentiment
from storage.dialect import insert_ignoring_conflicts, supports_skip_locked
from storage.schema import mentions, sentiments


@dataclass(frozen=True, slots=True)
class ScoringTask:
    mention_id: int
    text: str
    language: str | None


def _unscored(model_id: str, rescore: bool):
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
    claim the same mention and a crashed worker's claim ends with its transaction. SQLite has one
    writer at a time, which gives the same guarantee.
    """
    query = (select(mentions.c.id, mentions.c.text, mentions.c.language)
             .where(_unscored(model_id, rescore)).order_by(mentions.c.id).limit(limit))
    if supports_skip_locked(connection):
        query = query.with_for_update(skip_locked=True, of=mentions)
    return [ScoringTask(*row) for row in connection.execute(query)]


def scoring_backlog(connection: Connection, model_id: str, *, rescore: bool = False) -> int:
    query = select(func.count()).select_from(mentions).where(_unscored(model_id, rescore))
    return connection.execute(query).scalar_one()


def save_scores(connection: Connection, scored: Sequence[tuple[int, Sentiment]],
                languages: dict[int, str | None] | None = None) -> int:
    """Store scores (one per mention and model; a replayed save changes nothing) and detected languages."""
    now = datetime.now(UTC)
    rows = [{"mention_id": mention_id, "model_id": s.model_id, "label": s.label, "score": s.score,
             "p_negative": s.probabilities.get("negative", 0.0), "p_neutral": s.probabilities.get("neutral", 0.0),
             "p_positive": s.probabilities.get("positive", 0.0), "scored_at": now}
            for mention_id, s in sorted(scored, key=lambda pair: pair[0])]
    if rows:
        connection.execute(insert_ignoring_conflicts(connection, sentiments, ["mention_id", "model_id"]), rows)
    detected = [{"mid": mention_id, "lang": language} for mention_id, language in sorted((languages or {}).items())
                if language]
    if detected:
        connection.execute(update(mentions).where(mentions.c.id == bindparam("mid"), mentions.c.language.is_(None))
                           .values(language=bindparam("lang")), detected)
    return len(rows)


@dataclass(slots=True)
class ScoringBatch:
    tasks: list[ScoringTask]
    scored: list[tuple[int, Sentiment]] = field(default_factory=list)
    languages: dict[int, str | None] = field(default_factory=dict)


@contextmanager
def scoring_batch(engine: Engine, model_id: str, limit: int, *, rescore: bool = False) -> Iterator[ScoringBatch]:
    """Claim a batch, let the caller fill in `scored` and `languages`, and save them when the block ends.

    On PostgreSQL the claim's row locks are held while the caller scores, so other workers skip
    these rows and a crash releases them with the transaction. On SQLite the claim is a plain read
    and the save a short write: holding SQLite's single write lock while a model runs would stall
    the collectors, and saves are idempotent, so nothing is lost or doubled either way.
    """
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            batch = ScoringBatch(claim_unscored(connection, model_id, limit, rescore=rescore))
            yield batch
            save_scores(connection, batch.scored, batch.languages)
        return
    with engine.connect() as connection:
        batch = ScoringBatch(claim_unscored(connection, model_id, limit, rescore=rescore))
    yield batch
    with engine.begin() as connection:
        save_scores(connection, batch.scored, batch.languages)
