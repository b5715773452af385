"""Migration 0002 (scoring queue, daily aggregates) and migrating from several processes at once."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

from sqlalchemy import insert, select

from brandpulse.storage.engine import create_database_engine, is_current, migrate
from brandpulse.storage.schema import brands, mentions, scoring_queue, sentiments

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def test_upgrading_a_0001_database_queues_exactly_its_unscored_mentions(database_url):
    engine = create_database_engine(database_url)
    migrate(engine, "0001")
    with engine.begin() as connection:
        connection.execute(insert(brands), [{"name": "Lumora", "created_at": T0}])
        connection.execute(insert(mentions), [
            {"source": "x", "external_id": str(i), "text": f"t{i}", "created_at": T0, "fetched_at": T0,
             "likes": 0, "reposts": 0, "replies": 0, "quotes": 0} for i in range(5)])
        ids = connection.execute(select(mentions.c.id).order_by(mentions.c.id)).scalars().all()
        connection.execute(insert(sentiments), [
            {"mention_id": ids[i], "model_id": "m0", "label": "neutral", "score": 0.0, "p_negative": 0.0,
             "p_neutral": 1.0, "p_positive": 0.0, "scored_at": T0} for i in (1, 3)])
    migrate(engine)
    assert is_current(engine)
    with engine.connect() as connection:
        queued = connection.execute(select(scoring_queue.c.mention_id).order_by(scoring_queue.c.mention_id))
        assert queued.scalars().all() == [ids[0], ids[2], ids[4]]
    engine.dispose()


def migrate_from_processes(url: str, count: int = 4) -> None:
    """`count` processes (alembic's context is process-global) racing to migrate a fresh database."""
    code = f"from storage.engine import open_database; open_database({url!r}).dispose()"
    replicas = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True) for _ in range(count)]
    failures = [replica.communicate(timeout=120)[1] for replica in replicas if replica.wait(timeout=120) != 0]
    assert failures == []
    engine = create_database_engine(url)
    assert is_current(engine)
    engine.dispose()


def test_replicas_starting_together_on_a_fresh_database_all_migrate(postgres_url):
    """The migration's advisory lock orders them."""
    migrate_from_processes(postgres_url)


def test_processes_starting_together_on_a_fresh_sqlite_file_all_migrate(tmp_path):
    """A scheduler, workers and the dashboard started at once (systemd, compose) on one SQLite file:
    the lock file beside it orders their migrations, which would otherwise race to create the tables."""
    for attempt in range(2):  # a race: two fresh files make losing it likely without the lock
        migrate_from_processes(f"sqlite:///{tmp_path / f'brandpulse-{attempt}.db'}")
