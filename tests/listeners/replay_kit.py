"""Replaying recorded API responses (tests/fixtures/<source>/, see the README there) through a
listener and a loopback server, into real storage.

`recorded(source, name)` loads one fixture: ``{"headers": {...}, "body": ...}`` or, for feeds, the
raw bytes of a ``.xml`` file. `Ledger` stores each batch and its cursor the way the collect job does
(`store_batch`, one transaction), so a session test can "crash" after any batch and check that the
stored cursor never runs ahead of the stored data: nothing lost, nothing stored twice.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from listeners_testkit import Reply
from sqlalchemy import select

from brandpulse.listeners.query import BrandQuery
from brandpulse.listeners.records import Batch, Cursor
from brandpulse.storage.engine import create_database_engine, migrate
from brandpulse.storage.mentions import load_cursor, store_batch
from brandpulse.storage.schema import mentions

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def recorded(source: str, name: str) -> Any:
    path = FIXTURES / source / name
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    return path.read_bytes()


def reply(source: str, name: str, status: int = 200, **headers: str) -> Reply:
    """A recorded JSON response as the server sends it, with its recorded headers (and `headers`)."""
    fixture = recorded(source, name)
    return Reply(status, fixture["body"], headers={**fixture.get("headers", {}), **headers})


class Ledger:
    """A real database the session's batches go into, as `jobs.collect` stores them."""

    def __init__(self, url: str, source: str, query: BrandQuery) -> None:
        self.engine = create_database_engine(url)
        migrate(self.engine)
        self.source = source
        self.query = query
        self.stored: Counter[str] = Counter()  # every id each batch carried (to see repeats)

    def cursor(self) -> Cursor | None:
        with self.engine.connect() as connection:
            return load_cursor(connection, self.source, self.query.brand, self.query.name)

    def run(self, batches: Iterable[Batch], *, crash_after: int | None = None) -> list[Batch]:
        """Store `batches` one by one with their cursors; `crash_after` stops after that many."""
        done: list[Batch] = []
        for batch in batches:
            with self.engine.begin() as connection:
                store_batch(connection, source=self.source, brand=self.query.brand, query_name=self.query.name,
                            batch=batch.mentions, cursor=batch.cursor)
            self.stored.update(m.external_id for m in batch.mentions)
            done.append(batch)
            if crash_after is not None and len(done) >= crash_after:
                break
        return done

    def ids(self) -> set[str]:
        with self.engine.connect() as connection:
            return set(connection.execute(select(mentions.c.external_id).where(
                mentions.c.source == self.source)).scalars())

    def repeated(self) -> list[str]:
        """Ids handed to storage more than once over the session (storage would drop the copies, but
        a listener that repeats itself is re-reading what it already has)."""
        return [external_id for external_id, count in self.stored.items() if count > 1]

    def close(self) -> None:
        self.engine.dispose()
