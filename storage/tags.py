"""Touchpoint and journey-stage tags per mention, and the queue of mentions waiting for them.

The scoring job queues each batch it scores (`queue_for_tags`); the tag job claims batches from the
queue (`claim_untagged`), embeds and classifies them, and saves their tags (`save_tags`), which
leaves the queue in the same transaction and gives cases opened before their posts were tagged
their touchpoint and stage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, select, update

from brandpulse.sentiment.records import Tags
from brandpulse.storage.dialect import insert_ignoring_conflicts, supports_skip_locked, upsert
from brandpulse.storage.schema import case_mentions, cases, mention_tags, mentions, tag_queue


@dataclass(frozen=True, slots=True)
class TagTask:
    mention_id: int
    text: str


def queue_for_tags(connection: Connection, mention_ids: Iterable[int]) -> int:
    rows = [{"mention_id": mention_id} for mention_id in sorted(set(mention_ids))]
    if rows:
        connection.execute(insert_ignoring_conflicts(connection, tag_queue, ["mention_id"]), rows)
    return len(rows)


def claim_untagged(connection: Connection, limit: int) -> list[TagTask]:
    """Up to `limit` queued mentions, oldest first; on PostgreSQL locked (`SKIP LOCKED`) for this
    transaction, so concurrent taggers never take the same ones."""
    claimed = select(tag_queue.c.mention_id).order_by(tag_queue.c.mention_id).limit(limit)
    if supports_skip_locked(connection):
        claimed = claimed.with_for_update(skip_locked=True)
    claimed_rows = claimed.subquery()
    query = (select(mentions.c.id, mentions.c.text).join(claimed_rows, claimed_rows.c.mention_id == mentions.c.id)
             .order_by(mentions.c.id))
    return [TagTask(*row) for row in connection.execute(query)]


def tag_backlog(connection: Connection) -> int:
    return connection.execute(select(func.count()).select_from(tag_queue)).scalar_one()


def save_tags(connection: Connection, tagged: Sequence[tuple[int, Tags]], classifier: str, now: datetime) -> int:
    """Store (or replace) the tags of mentions with the classifier that made them, take them off the
    queue, and tag the cases they opened that have no tags yet."""
    rows = [{"mention_id": mention_id, "touchpoint": tags.touchpoint, "stage": tags.stage,
             "touchpoint_confidence": tags.touchpoint_confidence, "stage_confidence": tags.stage_confidence,
             "classifier": classifier, "tagged_at": now} for mention_id, tags in sorted(tagged, key=lambda p: p[0])]
    if not rows:
        return 0
    connection.execute(upsert(connection, mention_tags, ["mention_id"],
                              ["touchpoint", "stage", "touchpoint_confidence", "stage_confidence", "classifier",
                               "tagged_at"]), rows)
    ids = [row["mention_id"] for row in rows]
    connection.execute(delete(tag_queue).where(tag_queue.c.mention_id.in_(ids)))
    untagged_cases = connection.execute(
        select(case_mentions.c.case_id, case_mentions.c.mention_id)
        .join(cases, cases.c.id == case_mentions.c.case_id)
        .where(case_mentions.c.mention_id.in_(ids), case_mentions.c.role == "customer", cases.c.touchpoint.is_(None))
        .order_by(case_mentions.c.mention_id)).all()
    by_mention = {row["mention_id"]: row for row in rows}
    first_post: dict[int, Any] = {}
    for case_id, mention_id in untagged_cases:
        first_post.setdefault(case_id, by_mention[mention_id])
    if first_post:
        connection.execute(update(cases).where(and_(cases.c.id == bindparam("cid"), cases.c.touchpoint.is_(None)))
                           .values(touchpoint=bindparam("tp"), stage=bindparam("st")),
                           [{"cid": case_id, "tp": row["touchpoint"], "st": row["stage"]}
                            for case_id, row in sorted(first_post.items())])
    return len(rows)
