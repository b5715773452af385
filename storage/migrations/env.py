"""Alembic environment: runs migrations on the engine that `storage.engine.migrate` passes in.

On PostgreSQL the migration transaction first takes an advisory lock, so that replicas starting
together on a fresh database migrate one after the other (the later ones then find it current)
instead of racing to create the same tables.
"""

from alembic import context
from sqlalchemy import text

from storage.leader import advisory_key
from storage.schema import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key("migrations")})
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
        compare_type=True,
    )
    context.run_migrations()
