"""The migrations build exactly the schema the code declares, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from brandpulse.storage.engine import is_current, open_database
from brandpulse.storage.schema import metadata


def test_migrating_a_fresh_database_gives_the_declared_schema(database_url):
    engine = open_database(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": False}), metadata)
    assert differences == []
    assert is_current(engine)
    engine.dispose()


def test_opening_an_up_to_date_database_again_changes_nothing(database_url):
    open_database(database_url).dispose()
    engine = open_database(database_url)
    assert is_current(engine)
    engine.dispose()
