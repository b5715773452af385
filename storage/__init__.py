"""Persistence: the SQLAlchemy schema, its Alembic migrations and the repository functions the
jobs, reports and dashboard share. SQLite is the zero-setup default, PostgreSQL the shared engine."""
