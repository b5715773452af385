"""Opening a database: engine settings per backend and schema migration on open."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).with_name("migrations")

#: What a user without the PostgreSQL driver installs (the `postgres` extra in pyproject.toml).
POSTGRES_EXTRA = "pip install 'brandpulse[postgres]'"

#: Writers wait this long for SQLite's lock instead of failing at once with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000


class MissingDriver(RuntimeError):
    """The database URL needs a driver that is not installed (BrandPulse without its `postgres` extra)."""


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (dashboard) never block the writer (jobs)
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable with WAL across application crashes
    cursor.close()


def create_database_engine(url: str, **options: Any) -> Engine:
    """An engine for `url`, with SQLite made fit for a service (WAL, busy timeout, foreign keys)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **options)
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    options.setdefault("pool_pre_ping", True)  # survive a database restart without a stale pool
    try:
        return create_engine(parsed, **options)
    except ImportError as error:
        shown = make_url(url).render_as_string(hide_password=True)
        raise MissingDriver(f"the database {shown} needs the PostgreSQL driver: install BrandPulse with its "
                            f"postgres extra ({POSTGRES_EXTRA})") from error


def _alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; a no-op on an up-to-date database.

    Processes starting together (a scheduler, workers and the dashboard) migrate one at a time: on
    PostgreSQL the migration takes an advisory lock (migrations/env.py); on SQLite, whose DDL has no
    such lock, a lock file beside the database orders them, or they would race to create the tables.
    """
    with _sqlite_migration_lock(engine):
        command.upgrade(_alembic_config(engine), revision)


def _sqlite_migration_lock(engine: Engine) -> AbstractContextManager[object]:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return nullcontext()
    return FileLock(f"{database}.migrate.lock", thread_local=False)


def is_current(engine: Engine) -> bool:
    head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


def open_database(url: str, *, upgrade: bool = True, **options: Any) -> Engine:
    """The one way the application opens its database: engine plus an up-to-date schema."""
    engine = create_database_engine(url, **options)
    if upgrade:
        migrate(engine)
    return engine
