"""Alembic environment: runs migrations on the engine that `storage.engine.migrate` passes in."""

from alembic import context

from storage.schema import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
        compare_type=True,
    )
    context.run_migrations()
