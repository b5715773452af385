"""Small named JSON documents that services keep between runs (router timers, acknowledgements,
the last report period sent): one row each in `service_state`, written in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from brandpulse.storage.dialect import upsert
from brandpulse.storage.schema import service_state


def load_document(connection: Connection, key: str) -> Any:
    return connection.execute(select(service_state.c.data).where(service_state.c.key == key)).scalar_one_or_none()


def save_document(connection: Connection, key: str, data: Any, now: datetime) -> None:
    connection.execute(upsert(connection, service_state, ["key"], ["data", "updated_at"]),
                       {"key": key, "data": data, "updated_at": now})
