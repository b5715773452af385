"""Storing mentions idempotently, with the cursor that covers them, and reading them back."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from itertools import chain
from typing import Any

import orjson
from sqlalchemy import Connection, String, Table, select

from brandpulse.listeners.records import Cursor, Engagement, Mention
from brandpulse.storage.dialect import insert_ignoring_conflicts, upsert
from brandpulse.storage.schema import brands, cursors, mention_brands, mentions, scoring_queue

#: Rows per INSERT: on SQLite about 9,000 bind variables, well under its limit of 32,766.
ROWS_PER_STATEMENT = 500
#: Keys per `IN (...)` lookup: well under SQLite's variable limit, large enough to be cheap.
LOOKUP_CHUNK = 400

MENTION_COLUMNS = tuple(column.name for column in mentions.c if column.name != "id")
LINK_COLUMNS = ("mention_id", "brand_id", "matched_query", "created_at")

#: NUL (PostgreSQL's text and JSONB refuse it) and lone surrogates (not encodable as UTF-8).
_UNSAFE_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
_LENGTHS = {column.name: column.type.length for column in mentions.c
            if isinstance(column.type, String) and column.type.length}


@dataclass(frozen=True, slots=True)
class StoredBatch:
    """What storing a batch changed: mentions new to the brand, and how many were already known."""

    new: list[Mention]
    duplicates: int


def ensure_brands(connection: Connection, names: Iterable[str]) -> dict[str, int]:
    """Brand ids by name, creating the missing brands."""
    wanted = sorted(set(names))
    if wanted:
        now = datetime.now(UTC)
        connection.execute(insert_ignoring_conflicts(connection, brands, ["name"]),
                           [{"name": name, "created_at": now} for name in wanted])
    rows = connection.execute(select(brands.c.name, brands.c.id).where(brands.c.name.in_(wanted)))
    return {name: id_ for name, id_ in rows}


# ----------------------------------------------------------------------------------------------------
# Whatever a listener hands over is made storable here: one odd field never fails its batch.

def safe_text(value: str | None) -> str | None:
    """`value` with NULs and lone surrogates replaced by U+FFFD, so that every engine can store it.

    PostgreSQL refuses NUL in text, and a lone surrogate cannot be encoded as UTF-8 at all.
    """
    if value is None or (value.isascii() and "\x00" not in value):
        return value
    return _UNSAFE_CHARACTERS.sub(REPLACEMENT, value)


def _string(value: Any, length: int | None = None) -> str | None:
    if type(value) is str and value.isascii() and "\x00" not in value:  # the common case, first
        return value if length is None or len(value) <= length else value[:length]
    if value is None:
        return None
    text = safe_text(value if isinstance(value, str) else str(value))
    return text[:length] if length and text and len(text) > length else text


def fit_key(value: Any, length: int) -> str:
    """An identifier that fits `length` characters: longer ones keep a prefix and gain a digest of the
    whole, so that they stay unique and the same on every replay."""
    text = _string(value) or ""
    if len(text) <= length:
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:max(8, min(64, length // 2))]
    return f"{text[:length - len(digest) - 1]}~{digest}"


def _count(value: Any, maximum: int, default: int | None = 0) -> int | None:
    """A non-negative integer that fits its column, or `default` for what is not a number."""
    if type(value) is int and 0 <= value <= maximum:  # the common case, first
        return value
    if value is None or isinstance(value, bool):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return min(max(number, 0), maximum)


def _clean_document(value: Any) -> Any:
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {_string(key): _clean_document(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_document(item) for item in value]
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None  # JSON has no NaN or infinity
    return value


def json_document(value: Any) -> str | None:
    """`value` as JSON text that both SQLite and PostgreSQL's JSONB accept; None when empty.

    Values JSON cannot encode become their `str()`, NaN and infinities null, NULs and lone
    surrogates U+FFFD (JSONB refuses `\\u0000`, and UTF-8 cannot carry a lone surrogate). orjson
    encodes the common document several times faster than the standard library (it is a third of
    a stored mention's Python cost); the rare document it refuses (lone surrogates, integers
    beyond 64 bits, keys that are not scalars) or that holds a NUL is cleaned and encoded by the
    standard library.
    """
    if not value:
        return None
    try:
        text = orjson.dumps(value, default=str, option=_ORJSON_OPTIONS).decode()
    except (orjson.JSONEncodeError, TypeError):
        text = None
    if text is not None and "\\u0000" not in text:
        return text
    try:
        return _JSON.encode(_clean_document(value))
    except (TypeError, ValueError, RecursionError):
        return None  # e.g. a circular structure: keep the mention, lose only its raw payload


_JSON = json.JSONEncoder(default=str)
#: Dates and dataclasses go through `default=str`, as they do with `json`.
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_SOURCE, _EXTERNAL_ID = _LENGTHS["source"], _LENGTHS["external_id"]
_AUTHOR_ID, _HANDLE, _LANGUAGE = _LENGTHS["author_id"], _LENGTHS["author_handle"], _LENGTHS["language"]
_THREAD, _PARENT = _LENGTHS["thread_id"], _LENGTHS["parent_id"]


def _values(mention: Mention, timestamp: Callable[[datetime], Any] = lambda moment: moment) -> tuple[Any, ...]:
    """`mention_row`'s values in `MENTION_COLUMNS` order, timestamps as `timestamp` makes them for the
    driver (the hot path of bulk ingest)."""
    engagement = mention.engagement
    return (fit_key(mention.source, _SOURCE), fit_key(mention.external_id, _EXTERNAL_ID), _string(mention.url),
            _string(mention.author_id, _AUTHOR_ID), _string(mention.author_handle, _HANDLE),
            _count(mention.author_reach, INT64_MAX, None), _string(mention.text) or "",
            _string(mention.language, _LANGUAGE), timestamp(mention.created_at), timestamp(mention.fetched_at),
            _count(engagement.likes, INT32_MAX, None), _count(engagement.reposts, INT32_MAX, None),
            _count(engagement.replies, INT32_MAX, None), _count(engagement.quotes, INT32_MAX, None),
            _count(engagement.views, INT64_MAX, None), _string(mention.thread_id, _THREAD),
            _string(mention.parent_id, _PARENT), json_document(mention.raw))


if MENTION_COLUMNS != ("source", "external_id", "url", "author_id", "author_handle", "author_reach", "text",
                       "language", "created_at", "fetched_at", "likes", "reposts", "replies", "quotes", "views",
                       "thread_id", "parent_id", "raw"):
    raise RuntimeError("the mentions table changed: update storage.mentions._values to match its columns")
_CREATED_AT = MENTION_COLUMNS.index("created_at")


def mention_row(mention: Mention) -> dict[str, Any]:
    """The `mentions` row of a mention, every value made storable (see `safe_text`, `fit_key`,
    `json_document`); `raw` is JSON text."""
    return dict(zip(MENTION_COLUMNS, _values(mention), strict=True))


# ----------------------------------------------------------------------------------------------------
# Bulk statements written for the driver directly: per-row work in SQLAlchemy's executemany would
# cost more than the database's own work (benchmarks/ingest.py).

@dataclass(frozen=True, slots=True)
class _Driver:
    placeholder: str
    timestamp: Callable[[datetime], Any]


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _sqlite_timestamp(moment: datetime) -> str:
    """What `UTCDateTime` stores on SQLite (naive UTC, microseconds always written), 3x faster.

    A `Mention`'s timestamps are already UTC: converting them again would cost a third of this."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(" ", "microseconds")[:26]


@cache
def _driver(dialect_name: str, paramstyle: str) -> _Driver:
    placeholder = "?" if paramstyle == "qmark" else "%s"
    return _Driver(placeholder, _sqlite_timestamp if dialect_name == "sqlite" else _utc)


def driver_for(connection: Connection) -> _Driver:
    return _driver(connection.dialect.name, connection.dialect.paramstyle)


def _array_type(column_type: Any, dialect: Any) -> str:
    """The element type of a column's parameter array: TEXT for strings, since a cast to VARCHAR(n)
    would silently truncate (storing into the column then checks the length instead)."""
    return "TEXT" if isinstance(column_type, String) else column_type.compile(dialect=dialect)


def _insert_ignoring_conflicts(connection: Connection, table: Table, columns: Sequence[str],
                               rows: Sequence[tuple[Any, ...]], conflict: Sequence[str],
                               returning: Sequence[str] = ()) -> list[tuple[Any, ...]]:
    """`INSERT ... ON CONFLICT (...) DO NOTHING [RETURNING ...]` of `rows`: the new rows' `returning` values.

    PostgreSQL gets one array per column (`INSERT ... SELECT * FROM unnest(...)`), sent in binary
    (psycopg's `%b`): a short statement whatever the number of rows, which the driver parses once,
    and no text escaping of every value (twice as fast). SQLite gets multi-row VALUES.
    Table and column names are our own schema's, never input.
    """
    driver = driver_for(connection)
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        arrays = ", ".join(f"%b::{_array_type(table.c[name].type, connection.dialect)}[]" for name in columns)
        head = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"
    else:
        row_sql = "(" + ", ".join([driver.placeholder] * len(columns)) + ")"
        head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
    tail = f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    if returning:
        tail += f" RETURNING {', '.join(returning)}"
    returned: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start:start + ROWS_PER_STATEMENT]
        if postgres:
            statement, parameters = head + tail, tuple(list(column) for column in zip(*chunk, strict=True))
        else:
            statement = head + ", ".join([row_sql] * len(chunk)) + tail
            parameters = tuple(chain.from_iterable(chunk))
        result = connection.exec_driver_sql(statement, parameters)
        if returning:
            returned.extend(result.all())
    return returned


def _ids_by_key(connection: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    driver = driver_for(connection)
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    found: dict[tuple[str, str], int] = {}
    for source, external_ids in by_source.items():
        for start in range(0, len(external_ids), LOOKUP_CHUNK):
            chunk = external_ids[start:start + LOOKUP_CHUNK]
            marks = ", ".join([driver.placeholder] * len(chunk))
            rows = connection.exec_driver_sql(
                f"SELECT external_id, id FROM mentions WHERE source = {driver.placeholder} "
                f"AND external_id IN ({marks})", (source, *chunk))
            found.update({(source, external_id): id_ for external_id, id_ in rows})
    return found


@dataclass(frozen=True, slots=True)
class _Inserted:
    keys: list[tuple[str, str]]  # (source, external id), sorted
    rows: list[tuple[Any, ...]]  # in the order of `keys`
    mentions: dict[tuple[str, str], Mention]
    ids: dict[tuple[str, str], int]  # of every key, new or stored before
    new: int


def _insert(connection: Connection, batch: Sequence[Mention]) -> _Inserted:
    """Insert the batch's mentions not stored yet, queueing the new ones for scoring.

    Keys are written in sorted order: concurrent batches on PostgreSQL then take row locks in
    the same order and cannot deadlock."""
    timestamp = driver_for(connection).timestamp
    rows: dict[tuple[str, str], tuple[Any, ...]] = {}
    originals: dict[tuple[str, str], Mention] = {}
    for mention in batch:
        row = _values(mention, timestamp)
        key = (row[0], row[1])
        rows[key] = row
        originals[key] = mention
    keys = sorted(rows)
    values = [rows[key] for key in keys]
    inserted = _insert_ignoring_conflicts(connection, mentions, MENTION_COLUMNS, values, ("source", "external_id"),
                                          ("source", "external_id", "id")) if values else []
    ids = {(source, external_id): id_ for source, external_id, id_ in inserted}
    new = len(ids)
    if ids:  # new mentions join the scoring queue in the transaction that stores them
        _insert_ignoring_conflicts(connection, scoring_queue, ("mention_id",),
                                   sorted((id_,) for id_ in ids.values()), ("mention_id",))
    if len(ids) < len(keys):
        ids.update(_ids_by_key(connection, [key for key in keys if key not in ids]))
    return _Inserted(keys, values, originals, ids, new)


def store_mentions(connection: Connection, brand: str, batch: Sequence[Mention]) -> StoredBatch:
    """Insert the batch's mentions for `brand`, once per (source, external id), whatever replays.

    `new` lists the mentions that were not yet linked to `brand` (a post already stored for another
    brand is new to this one).
    """
    if not batch:
        return StoredBatch(new=[], duplicates=0)
    brand_id = ensure_brands(connection, [brand])[brand]
    stored = _insert(connection, batch)
    links = [(stored.ids[key], brand_id, _string(stored.mentions[key].matched_query), row[_CREATED_AT])
             for key, row in zip(stored.keys, stored.rows, strict=True)]
    linked = _insert_ignoring_conflicts(connection, mention_brands, LINK_COLUMNS, links,
                                        ("mention_id", "brand_id"), ("mention_id",))
    by_id = {stored.ids[key]: stored.mentions[key] for key in stored.keys}
    new = [by_id[mention_id] for mention_id in sorted(mention_id for (mention_id,) in linked)]
    return StoredBatch(new=new, duplicates=len(batch) - len(new))


def store_brand_posts(connection: Connection, batch: Sequence[Mention]) -> int:
    """Store posts by a brand's own accounts (its replies and statements) without linking them to
    any brand: they are scored, and the response inbox links the replies to the cases they answer,
    but every count, series, report, alert and theme reads mentions through their brand links, so
    they never count as customer voice. Returns how many were new."""
    if not batch:
        return 0
    return _insert(connection, batch).new


#: A cursor JSONB could not hold as it is, kept as its JSON text (see `save_cursor`).
_ENCODED_CURSOR = "$json"


def load_cursor(connection: Connection, source: str, brand: str, query_name: str) -> Cursor | None:
    value = connection.execute(
        select(cursors.c.value).where(cursors.c.source == source, cursors.c.brand == brand,
                                      cursors.c.query_name == query_name)).scalar_one_or_none()
    if isinstance(value, dict) and set(value) == {_ENCODED_CURSOR}:
        decoded: Cursor = json.loads(value[_ENCODED_CURSOR])
        return decoded
    return value


def save_cursor(connection: Connection, source: str, brand: str, query_name: str, value: Cursor) -> None:
    """Store a listener's cursor exactly as `load_cursor` will give it back.

    A cursor may hold ids or texts from the API (the replay source keeps the last external id), and
    PostgreSQL's JSONB refuses NUL characters and lone surrogates: such a cursor is stored as its
    JSON text (ASCII escapes) inside a one-key document, so that it still round-trips unchanged
    instead of failing its batch, page after page.
    """
    text = json.dumps(value)
    looks_encoded = isinstance(value, dict) and set(value) == {_ENCODED_CURSOR}
    if "\\u0000" in text or "\\ud" in text or looks_encoded:
        value = {_ENCODED_CURSOR: text}
    connection.execute(upsert(connection, cursors, ["source", "brand", "query_name"], ["value", "updated_at"]),
                       {"source": source, "brand": brand, "query_name": query_name, "value": value,
                        "updated_at": datetime.now(UTC)})


def store_batch(connection: Connection, *, source: str, brand: str, query_name: str,
                batch: Sequence[Mention], cursor: Cursor, brand_posts: Sequence[Mention] = ()) -> StoredBatch:
    """Mentions (and the brand's own posts among the page, `store_brand_posts`) and the cursor that
    covers them, in the caller's transaction: all land or none."""
    store_brand_posts(connection, brand_posts)
    stored = store_mentions(connection, brand, batch)
    save_cursor(connection, source, brand, query_name, cursor)
    return stored


def row_to_mention(row: Any, brand: str) -> Mention:
    """Rebuild a `Mention` from a `mentions` row (e.g. for re-processing or export)."""
    return Mention(
        source=row.source, external_id=row.external_id, text=row.text, created_at=row.created_at,
        brand=brand, url=row.url, author_id=row.author_id, author_handle=row.author_handle,
        author_reach=row.author_reach, language=row.language, fetched_at=row.fetched_at,
        engagement=Engagement(likes=row.likes, reposts=row.reposts, replies=row.replies,
                              quotes=row.quotes, views=row.views),
        thread_id=row.thread_id, parent_id=row.parent_id, raw=row.raw or {})
