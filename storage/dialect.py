"""The few statements whose SQL differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Integer, Table, cast, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert


def dialect_insert(connection: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that offers `on_conflict_do_nothing/do_update` on the connection's engine."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignoring_conflicts(connection: Connection, table: Table, index_elements: Sequence[str]) -> Insert:
    """`INSERT ... ON CONFLICT (...) DO NOTHING` for the connection's engine."""
    return dialect_insert(connection, table).on_conflict_do_nothing(index_elements=list(index_elements))


def upsert(connection: Connection, table: Table, index_elements: Sequence[str],
           update_columns: Sequence[str]) -> Insert:
    """`INSERT ... ON CONFLICT (...) DO UPDATE SET col = excluded.col` for the connection's engine."""
    statement = dialect_insert(connection, table)
    return statement.on_conflict_do_update(
        index_elements=list(index_elements),
        set_={name: statement.excluded[name] for name in update_columns},
    )


def epoch_seconds(connection: Connection, column: ColumnElement[datetime]) -> ColumnElement[int]:
    """A SQL expression for `column` (a UTC timestamp) as whole seconds since 1970, for bucketing."""
    if connection.dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", column)), Integer)
    return cast(func.strftime("%s", column), Integer)


def supports_skip_locked(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"
