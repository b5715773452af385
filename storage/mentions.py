"""Storing mentions idempotently, with the cursor that covers them, and reading them back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, tuple_

from listeners.records import Cursor, Engagement, Mention
from storage.dialect import insert_ignoring_conflicts, upsert
from storage.schema import brands, cursors, mention_brands, mentions

#: Keys per `IN (...)` lookup: well under SQLite's variable limit, large enough to be cheap.
LOOKUP_CHUNK = 400


@dataclass(frozen=True, slots=True)
class StoredBatch:
    """What storing a batch changed: mentions new to the brand, and how many were already known."""

    new: list[Mention]
    duplicates: int


def ensure_brands(connection: Connection, names: Iterable[str]) -> dict[str, int]:
    """Brand ids by name, creating the missing brands."""
    wanted = sorted(set(names))
    if wanted:
        now = datetime.now(UTC)
        connection.execute(insert_ignoring_conflicts(connection, brands, ["name"]),
                           [{"name": name, "created_at": now} for name in wanted])
    rows = connection.execute(select(brands.c.name, brands.c.id).where(brands.c.name.in_(wanted)))
    return {name: id_ for name, id_ in rows}


def mention_row(mention: Mention) -> dict[str, Any]:
    engagement = mention.engagement
    return {
        "source": mention.source, "external_id": mention.external_id, "url": mention.url,
        "author_id": mention.author_id, "author_handle": mention.author_handle,
        "author_reach": mention.author_reach, "text": mention.text, "language": mention.language,
        "created_at": mention.created_at, "fetched_at": mention.fetched_at,
        "likes": engagement.likes, "reposts": engagement.reposts, "replies": engagement.replies,
        "quotes": engagement.quotes, "views": engagement.views, "thread_id": mention.thread_id,
        "parent_id": mention.parent_id, "raw": mention.raw or None,
    }


def _ids_by_key(connection: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    key_columns = tuple_(mentions.c.source, mentions.c.external_id)
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start:start + LOOKUP_CHUNK]
        rows = connection.execute(
            select(mentions.c.source, mentions.c.external_id, mentions.c.id).where(key_columns.in_(chunk)))
        found.update({(source, external_id): id_ for source, external_id, id_ in rows})
    return found


def store_mentions(connection: Connection, brand: str, batch: Sequence[Mention]) -> StoredBatch:
    """Insert the batch's mentions for `brand`, once per (source, external id), whatever replays.

    Keys are written in sorted order: concurrent batches on PostgreSQL then take row locks in
    the same order and cannot deadlock.
    """
    unique = {(m.source, m.external_id): m for m in batch}
    keys = sorted(unique)
    if not keys:
        return StoredBatch(new=[], duplicates=0)
    brand_id = ensure_brands(connection, [brand])[brand]
    connection.execute(insert_ignoring_conflicts(connection, mentions, ["source", "external_id"]),
                       [mention_row(unique[key]) for key in keys])
    ids = _ids_by_key(connection, keys)
    links = [{"mention_id": ids[key], "brand_id": brand_id, "matched_query": unique[key].matched_query,
              "created_at": unique[key].created_at} for key in keys]
    inserted = connection.execute(
        insert_ignoring_conflicts(connection, mention_brands, ["mention_id", "brand_id"])
        .returning(mention_brands.c.mention_id), links).scalars().all()
    new_ids = set(inserted)
    by_id = {ids[key]: unique[key] for key in keys}
    new = [by_id[mention_id] for mention_id in sorted(new_ids)]
    return StoredBatch(new=new, duplicates=len(batch) - len(new))


def load_cursor(connection: Connection, source: str, brand: str, query_name: str) -> Cursor | None:
    return connection.execute(
        select(cursors.c.value).where(cursors.c.source == source, cursors.c.brand == brand,
                                      cursors.c.query_name == query_name)).scalar_one_or_none()


def save_cursor(connection: Connection, source: str, brand: str, query_name: str, value: Cursor) -> None:
    connection.execute(upsert(connection, cursors, ["source", "brand", "query_name"], ["value", "updated_at"]),
                       {"source": source, "brand": brand, "query_name": query_name, "value": value,
                        "updated_at": datetime.now(UTC)})


def store_batch(connection: Connection, *, source: str, brand: str, query_name: str,
                batch: Sequence[Mention], cursor: Cursor) -> StoredBatch:
    """Mentions and the cursor that covers them, in the caller's transaction: both land or neither."""
    stored = store_mentions(connection, brand, batch)
    save_cursor(connection, source, brand, query_name, cursor)
    return stored


def row_to_mention(row: Any, brand: str) -> Mention:
    """Rebuild a `Mention` from a `mentions` row (e.g. for re-processing or export)."""
    return Mention(
        source=row.source, external_id=row.external_id, text=row.text, created_at=row.created_at,
        brand=brand, url=row.url, author_id=row.author_id, author_handle=row.author_handle,
        author_reach=row.author_reach, language=row.language, fetched_at=row.fetched_at,
        engagement=Engagement(likes=row.likes, reposts=row.reposts, replies=row.replies,
                              quotes=row.quotes, views=row.views),
        thread_id=row.thread_id, parent_id=row.parent_id, raw=row.raw or {})
