"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

#: JSON documents: JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
Json = JSON().with_variant(JSONB(), "postgresql")

#: 64-bit keys on PostgreSQL; SQLite only auto-increments a plain INTEGER PRIMARY KEY (its rowid).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, whatever the engine stores.

    SQLite has no timezone type, so values are stored as naive UTC text and re-labelled on the way
    out; PostgreSQL stores `timestamptz`. Naive values are refused: they are a bug upstream.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} reached storage; timestamps must be UTC-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
