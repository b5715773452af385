"""Mentions from files: exports of other listening tools, for ``brandpulse import FILE``.

`MentionsFile(path, default_brand=..., source=...)` reads CSV or JSONL (also ``.ndjson`` and a JSON
array in ``.json``), each optionally gzip-compressed (``.gz``), chosen by extension. Iterating it
yields, row by row, a `Mention` for each good row and a `RowError(line, reason)` for each bad one
(missing text, unparseable date, bad number, duplicate id…), which never costs its neighbours. It
holds one row at a time, so a multi-GB export reads in bounded memory (a ``.json`` array is
streamed item by item with ijson); `position` and `size` say how far it has got.
Columns are matched case-insensitively through `ALIASES` (``id``/``external_id``/``tweet_id``…,
``date``/``created_at``/``timestamp``…, ``content``/``text``/``body``…, ``author``/``handle``…).
A row without an id gets a stable one (a hash of source, time, author and text), so importing the
same export twice stores nothing twice. A repeated id is reported as a duplicate of its first line
however far apart the two are: the ids read so far live in a temporary SQLite file (`IdLedger`),
not in memory, so a file of any length is checked whole in bounded memory.

Dates: ISO 8601 (``Z`` or offset; naive is UTC), epoch seconds or milliseconds, RFC 2822, and the
forms dateutil reads (month first when ambiguous). Numbers may use thousands separators and ``k``/``m``
suffixes (``1,204``, ``3.4k``).

`mention_from_record` is the same conversion for one already-parsed record; the replay listener uses
it for its JSONL stream.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from .base import parse_time
from .records import Engagement, Mention

__all__ = ["ALIASES", "IdLedger", "MentionsFile", "RowError", "mention_from_record", "parse_date"]

#: Mention field -> accepted column names (compared after lower-casing and dropping spaces, "_", "-").
ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "id", "post_id", "tweet_id", "status_id", "mention_id", "message_id",
                    "guid", "uid", "item_id", "object_id"),
    "created_at": ("created_at", "date", "timestamp", "time", "datetime", "published", "published_at",
                   "posted_at", "created", "date_time", "publish_date", "created_time"),
    "text": ("text", "content", "body", "message", "full_text", "snippet", "mention", "post", "post_text",
             "description"),
    "title": ("title", "headline", "subject"),
    "author_handle": ("author_handle", "author", "handle", "username", "user", "screen_name", "author_name",
                      "user_name", "account"),
    "author_id": ("author_id", "user_id", "account_id"),
    "author_reach": ("author_reach", "followers", "followers_count", "author_followers", "reach", "audience"),
    "url": ("url", "link", "permalink", "post_url", "mention_url"),
    "source": ("source", "platform", "network", "channel", "site", "media_type"),
    "language": ("language", "lang", "language_code"),
    "brand": ("brand", "brand_name", "query", "topic"),
    "likes": ("likes", "like_count", "favorites", "favourites", "favorite_count", "favourites_count",
              "reactions", "score"),
    "reposts": ("reposts", "retweets", "retweet_count", "shares", "share_count", "reblogs", "reblogs_count"),
    "replies": ("replies", "reply_count", "comments", "comment_count", "num_comments"),
    "quotes": ("quotes", "quote_count"),
    "views": ("views", "impressions", "impression_count", "view_count"),
    "thread_id": ("thread_id", "conversation_id", "link_id"),
    "parent_id": ("parent_id", "in_reply_to", "in_reply_to_id"),
    "matched_query": ("matched_query",),
    "fetched_at": ("fetched_at",),
}

_LOOKUP = {re.sub(r"[\s_\-]", "", alias.lower()): name for name, aliases in ALIASES.items() for alias in aliases}


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def _canonical(record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key is None:
            continue
        name = _LOOKUP.get(re.sub(r"[\s_\-]", "", str(key).lower()))
        if name is None and str(key) == "engagement" and isinstance(value, dict):
            for sub_key, sub_value in value.items():
                sub_name = _LOOKUP.get(re.sub(r"[\s_\-]", "", str(sub_key).lower()))
                if sub_name and out.get(sub_name) in (None, ""):
                    out[sub_name] = sub_value
            continue
        if name is not None and out.get(name) in (None, ""):
            out[name] = value
    return out


def parse_date(value: Any) -> datetime:
    """A UTC datetime from the date forms exports use (see the module docstring)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value) / 1000 if abs(float(value)) > 1e11 else float(value)
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"date out of range: {value!r}") from None
    text = str(value).strip() if value is not None else ""
    if not text:
        raise ValueError("missing date")
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return parse_date(float(text))
    try:
        return parse_time(text)
    except (TypeError, ValueError, OverflowError):
        pass
    try:
        from dateutil import parser as date_parser
    except ImportError:  # pragma: no cover - dateutil comes with pandas
        raise ValueError(f"unparseable date {text[:40]!r}") from None
    try:
        parsed = date_parser.parse(text)
    except (ValueError, OverflowError, TypeError):
        raise ValueError(f"unparseable date {text[:40]!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _number(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"bad number in {name}: {value!r}")
    if isinstance(value, int | float):
        return int(value)
    text = str(value).strip().replace(",", "").replace("_", "").replace(" ", "").lower()
    scale = 1
    if text.endswith(("k", "m")):
        scale = 1000 if text[-1] == "k" else 1_000_000
        text = text[:-1]
    try:
        return int(float(text) * scale)
    except ValueError:
        raise ValueError(f"bad number in {name}: {str(value)[:20]!r}") from None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def mention_from_record(record: dict[str, Any], *, brand: str | None = None, source: str = "import",
                        fetched_at: datetime | None = None, override_brand: bool = False) -> Mention:
    """One record (column names as in `ALIASES`) as a Mention; ValueError says what is wrong.

    `brand` is the default brand (or, with `override_brand`, the brand for every record); `source`
    the default source when the record names none.
    """
    if not isinstance(record, dict):
        raise ValueError("not an object")
    data = _canonical(record)
    body = _text(data.get("text"))
    title = _text(data.get("title"))
    text = "\n\n".join(part for part in (title, body) if part)
    if not text:
        raise ValueError("missing text")
    if data.get("created_at") in (None, ""):
        raise ValueError("missing date")
    created = parse_date(data["created_at"])
    row_brand = brand if override_brand else (_text(data.get("brand")) or brand)
    if not row_brand:
        raise ValueError("missing brand (no brand column and no default brand)")
    row_source = (_text(data.get("source")) or source).lower()
    external_id = _text(data.get("external_id"))
    author = _text(data.get("author_handle"))
    if external_id is None:
        basis = "\x1f".join((row_source, created.isoformat(), author or "", text))
        external_id = "sha1:" + hashlib.sha1(basis.encode()).hexdigest()[:24]
    engagement = Engagement(
        likes=_number(data.get("likes"), "likes") or 0, reposts=_number(data.get("reposts"), "reposts") or 0,
        replies=_number(data.get("replies"), "replies") or 0, quotes=_number(data.get("quotes"), "quotes") or 0,
        views=_number(data.get("views"), "views"))
    fetched = fetched_at
    if fetched is None and data.get("fetched_at") not in (None, ""):
        fetched = parse_date(data["fetched_at"])
    raw = record.get("raw") if isinstance(record.get("raw"), dict) else {
        k: v for k, v in record.items() if isinstance(k, str) and isinstance(v, str | int | float | bool | type(None))}
    return Mention(
        source=row_source, external_id=external_id, text=text, created_at=created, brand=row_brand,
        url=_text(data.get("url")), author_id=_text(data.get("author_id")), author_handle=author,
        author_reach=_number(data.get("author_reach"), "author_reach"),
        language=(_text(data.get("language")) or None), fetched_at=fetched or datetime.now(UTC),
        matched_query=_text(data.get("matched_query")), engagement=engagement,
        thread_id=_text(data.get("thread_id")), parent_id=_text(data.get("parent_id")), raw=raw or {},
    )


def _format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    kind = suffixes[-1] if suffixes else ""
    if kind in (".csv", ".tsv"):
        return kind[1:]
    if kind in (".jsonl", ".ndjson"):
        return "jsonl"
    if kind == ".json":
        return "json"
    raise ValueError(f"{path.name}: unknown format; use .csv, .tsv, .jsonl, .ndjson or .json (optionally .gz)")


def _records(handle: IO[str], kind: str) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, record, parse problem) for every row read from `handle`."""
    if kind in ("csv", "tsv"):
        yield from _csv_records(handle, delimiter="\t" if kind == "tsv" else ",")
    elif kind == "jsonl":
        yield from _jsonl_records(handle)


def _csv_records(handle: IO[str], delimiter: str) -> Iterator[tuple[int, Any, str | None]]:
    """Rows of a CSV/TSV file by line; a row with more values than columns is a problem (unless
    the extra values are blank), a blank row is skipped."""
    reader = csv.DictReader(handle, delimiter=delimiter)
    if not reader.fieldnames:  # reads the header, so line numbers below are right
        return
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield line, None, f"unreadable CSV row: {exc}"
            continue
        extra = row.pop(None, None)
        if extra and any(str(v).strip() for v in extra):
            yield line, row, f"{len(extra)} more value(s) than columns"
        elif any((v or "").strip() for v in row.values() if isinstance(v, str)):
            yield line, row, None


def _jsonl_records(handle: IO[str]) -> Iterator[tuple[int, Any, str | None]]:
    """One JSON document per non-blank line."""
    for number, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            yield number, json.loads(text), None
        except json.JSONDecodeError as exc:
            yield number, None, f"invalid JSON: {exc.msg}"


_NOT_AN_ARRAY = "a .json file must hold an array of mentions (or {\"mentions\": [...]})"

#: The bytes of an export: the file itself, or what its gzip compression holds (both can `peek`).
_Binary = io.BufferedReader | gzip.GzipFile


def _json_records(binary: _Binary) -> Iterator[tuple[int, Any, str | None]]:
    """(position in the array, item, parse problem) for each item of a JSON array, or of the
    ``mentions`` array of a top-level object, parsed as it streams in (ijson)."""
    import ijson

    keys: list[str] = []

    def top_level_keys(events: Iterator[tuple[str, str, Any]]) -> Iterator[tuple[str, str, Any]]:
        for event in events:
            if event[0] == "" and event[1] == "map_key":
                keys.append(event[2])
            yield event

    start = binary.peek(64).lstrip()[:1]
    prefix = "mentions.item" if start == b"{" else "item"
    number = 0
    try:
        for number, item in enumerate(ijson.items(top_level_keys(ijson.parse(binary, use_float=True)), prefix),
                                      start=1):
            yield number, item, None
    except ijson.JSONError as exc:
        yield number + 1, None, f"invalid JSON: {str(exc).splitlines()[0]}"
        return
    if start not in (b"[", b"{") or (prefix == "mentions.item" and "mentions" not in keys):
        yield 1, None, _NOT_AN_ARRAY


class IdLedger:
    """The (source, id) keys read from one file and the line each first appeared on, in a temporary
    SQLite file: a lookup per row at any file length, in the few MB of SQLite's page cache."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="brandpulse-import-")
        self._db = sqlite3.connect(Path(self._dir.name) / "ids.sqlite3", isolation_level=None)
        self._db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-8000;"
                               "CREATE TABLE seen (source TEXT, id TEXT, line INTEGER, PRIMARY KEY (source, id))"
                               " WITHOUT ROWID; BEGIN;")

    def first_line(self, source: str, external_id: str, line: int) -> int | None:
        """The line where this key was first read, or None (and the key is remembered at `line`)."""
        if self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?, ?)", (source, external_id, line)).rowcount:
            return None
        found = self._db.execute("SELECT line FROM seen WHERE source = ? AND id = ?", (source, external_id)).fetchone()
        return int(found[0])

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()


class MentionsFile:
    """A CSV/TSV/JSONL/JSON export (optionally gzipped), read row by row as it is iterated.

    Iterating yields a `Mention` per good row and a `RowError` per bad one, in file order; bad rows
    are reported, never raised. `default_brand` is the brand of rows without a brand column; `source`
    that of rows naming no source (platform). For a JSON array the "line" of an error is the item's
    1-based position. The constructor raises only for the file itself: missing, or of an unknown
    format. A file that breaks off (e.g. a truncated .gz) yields the rows read so far and a last
    error saying where it broke.

    `rows` counts the rows read so far; `position` the bytes of the file on disk read so far (of the
    compressed file for .gz) out of `size`, which is None when the file is a pipe.
    """

    def __init__(self, path: str | Path, *, default_brand: str | None = None, source: str = "import") -> None:
        self.path = Path(path)
        self.format = _format(self.path)
        if not self.path.exists() or self.path.is_dir():
            raise FileNotFoundError(f"no such file: {self.path}")
        self.default_brand = default_brand
        self.source = source
        self.rows = 0
        status = self.path.stat()
        self.size: int | None = status.st_size if stat.S_ISREG(status.st_mode) else None
        self._raw: IO[bytes] | None = None
        self._read = 0

    @property
    def position(self) -> int:
        if self._raw is not None and self.size is not None and not self._raw.closed:
            return self._raw.tell()
        return self._read

    def __iter__(self) -> Iterator[Mention | RowError]:
        self.rows = 0
        ledger = IdLedger()
        with open(self.path, "rb") as raw:
            self._raw = raw
            binary: _Binary = gzip.GzipFile(fileobj=raw) if self.path.suffix.lower() == ".gz" else raw
            try:
                yield from self._rows(self._parsed(binary), ledger)
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                yield RowError(self.rows + 1, f"the file could not be read further: {exc}")
            finally:
                self._read = raw.tell() if self.size is not None else 0
                ledger.close()
                binary.close()

    def _parsed(self, binary: _Binary) -> Iterator[tuple[int, Any, str | None]]:
        if self.format == "json":
            yield from _json_records(binary)
            return
        handle = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="")
        try:
            yield from _records(handle, self.format)
        finally:
            handle.detach()  # the file is closed by `__iter__`, after its position is read

    def _rows(self, records: Iterator[tuple[int, Any, str | None]], ledger: IdLedger) -> Iterator[Mention | RowError]:
        now = datetime.now(UTC)
        for line, record, problem in records:
            self.rows += 1
            if problem is not None:
                yield RowError(line, problem)
                continue
            try:
                mention = mention_from_record(record, brand=self.default_brand, source=self.source, fetched_at=now)
            except ValueError as exc:
                yield RowError(line, str(exc))
                continue
            first = ledger.first_line(mention.source, mention.external_id, line)
            if first is not None:
                yield RowError(line, f"duplicate of line {first} ({mention.source} {mention.external_id})")
                continue
            yield mention
