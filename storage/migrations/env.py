"""Alembic environment: runs migrations on the engine that `storage.engine.migrate` passes in.

On PostgreSQL the migration transaction first takes an advisory lock, so that replicas starting
together on a fresh database migrate one after the other (the later ones then find it current)
instead of racing to create the same tables.
"""

from alembic import context
from sqlalchemy import text

from brandpulse.storage.leader import advisory_key
from brandpulse.storage.schema import metadata

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode alters a SQLite table by copy, drop and rename: with foreign keys enforced, the drop
        # would cascade into every row that references it (scores, the scoring queue). The pragma is per
        # connection and only takes effect outside a transaction, so it is set before the one below.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()  # ends SQLAlchemy's autobegun (empty) transaction
    with connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key("migrations")})
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=sqlite,  # SQLite alters tables by copying
            compare_type=True,
        )
        context.run_migrations()
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
