"""Importing mentions from CSV/JSONL exports (`brandpulse import FILE`)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest

from brandpulse.listeners.files import MentionsFile, RowError
from brandpulse.listeners.records import Mention


def read(path, **options):
    """The file's good rows and its errors, in two lists."""
    items = list(MentionsFile(path, **options))
    return ([m for m in items if isinstance(m, Mention)], [e for e in items if isinstance(e, RowError)])


def write(path, text, gz=False):
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


CSV = """\ufeffID,Date,Content,Author,Platform,Likes,Followers,URL
1,2025-03-10T12:00:00Z,Acme is great,alice,Twitter,"1,204",3.4k,https://x.com/a/1
2,yesterday-ish,Acme broke,bob,Twitter,1,10,
3,2025-03-10 13:30,,carol,Reddit,0,,
4,1741600000,"Multi
line acme text",dave,reddit,2,5,
5,03/10/2025 14:00,Acme ok,erin,Forum,lots,,
6,2025-03-10T15:00:00+02:00,Acme tz,frank,Forum,,,
1,2025-03-10T12:00:00Z,Acme is great again,alice,Twitter,,,
"""


def test_csv_aliases_good_rows_and_bad_rows_with_line_numbers(tmp_path):
    export = MentionsFile(write(tmp_path / "export.csv", CSV), default_brand="Acme")
    mentions, errors = read(export.path, default_brand="Acme")
    assert [m.external_id for m in mentions] == ["1", "4", "6"]
    first, multi, tz = mentions
    assert first.text == "Acme is great" and first.author_handle == "alice" and first.source == "twitter"
    assert first.engagement.likes == 1204 and first.author_reach == 3400 and first.brand == "Acme"
    assert first.created_at == datetime(2025, 3, 10, 12, tzinfo=UTC) and first.url == "https://x.com/a/1"
    assert multi.text == "Multi\nline acme text" and multi.created_at == datetime.fromtimestamp(1741600000, UTC)
    assert tz.created_at == datetime(2025, 3, 10, 13, tzinfo=UTC)
    assert errors == [
        RowError(3, "unparseable date 'yesterday-ish'"),
        RowError(4, "missing text"),
        RowError(7, "bad number in likes: 'lots'"),
        RowError(9, "duplicate of line 2 (twitter 1)"),
    ]
    assert export.format == "csv" and export.position == 0 and export.size == len(CSV.encode())
    assert len(list(export)) == 7 and export.rows == 7 and export.position == export.size


def test_jsonl_gz_with_nested_engagement_and_generated_ids(tmp_path):
    lines = [
        {"external_id": "a", "source": "x", "text": "acme one", "created_at": "2025-03-10T10:00:00Z",
         "brand": "Acme", "engagement": {"likes": 3, "reposts": 1}, "language": "en"},
        "not an object",
        {"body": "no id here", "timestamp": 1741600000123, "user": "zed"},
        {"text": "no date"},
    ]
    text = "\n".join(json.dumps(x) for x in lines) + "\n{broken json\n\n"
    (a, generated), errors = read(write(tmp_path / "dump.jsonl.gz", text, gz=True), default_brand="Default")
    assert a.engagement.likes == 3 and a.engagement.reposts == 1 and a.brand == "Acme" and a.language == "en"
    assert generated.external_id.startswith("sha1:") and generated.source == "import"
    assert generated.created_at == datetime.fromtimestamp(1741600000.123, UTC) and generated.brand == "Default"
    again, _ = read(tmp_path / "dump.jsonl.gz", default_brand="Default")
    assert again[1].external_id == generated.external_id  # stable across imports
    assert [e.line for e in errors] == [2, 4, 5]
    assert errors[0].reason == "not an object" and "invalid JSON" in errors[2].reason


def test_missing_brand_and_json_arrays(tmp_path):
    path = write(tmp_path / "m.json", json.dumps([{"id": "1", "text": "x", "date": "2025-01-01"},
                                                    {"id": "2", "text": "y", "date": "2025-01-01",
                                                     "brand": "B"}]))
    mentions, errors = read(path)
    assert [m.external_id for m in mentions] == ["2"]
    assert errors == [RowError(1, "missing brand (no brand column and no default brand)")]


def test_ragged_csv_rows_and_bad_files(tmp_path):
    path = write(tmp_path / "r.csv", "id,text,date\n1,acme,2025-01-01\n2,acme,2025-01-01,extra\n")
    mentions, errors = read(path, default_brand="Acme")
    assert [m.external_id for m in mentions] == ["1"]
    assert errors == [RowError(3, "1 more value(s) than columns")]
    with pytest.raises(ValueError, match="unknown format"):
        MentionsFile(write(tmp_path / "x.txt", "hello"))
    with pytest.raises(FileNotFoundError):
        MentionsFile(tmp_path / "missing.csv")
    truncated = tmp_path / "t.jsonl.gz"
    truncated.write_bytes(gzip.compress(b'{"id": "1", "text": "a", "date": "2025-01-01"}\n' * 50)[:-20])
    mentions, errors = read(truncated, default_brand="Acme")
    assert mentions and "could not be read further" in errors[-1].reason


def test_rows_come_one_at_a_time_as_the_file_is_read(tmp_path):
    """A big export is never held whole: each row is yielded as soon as it is read, and the file's
    position (of the compressed bytes, for .gz) says how far the reading has got."""
    lines = "".join(json.dumps({"id": i, "date": "2025-01-01", "text": f"acme {i} " + "x" * 200}) + "\n"
                    for i in range(5000))
    export = MentionsFile(write(tmp_path / "big.jsonl.gz", lines, gz=True), default_brand="Acme")
    rows = iter(export)
    first = next(rows)
    assert first.external_id == "0" and export.rows == 1
    assert 0 < export.position < export.size  # only a first chunk of the file is read
    assert sum(1 for _ in rows) == 4999 and export.position == export.size


def test_a_repeated_id_is_a_duplicate_however_far_apart(tmp_path):
    """Every id read is remembered (in a temporary SQLite file, not in memory, so there is no window
    of recent ids to fall out of): a repeat any number of rows later is reported against its first line."""
    rows = "".join(f"{i},acme {i},2025-01-01\n" for i in range(2, 30_002))
    path = write(tmp_path / "r.csv", "id,text,date\n1,a,2025-01-01\n" + rows + "1,a,2025-01-01\n")
    errors = [row for row in MentionsFile(path, default_brand="Acme") if isinstance(row, RowError)]
    assert errors == [RowError(30_003, "duplicate of line 2 (import 1)")]


def test_a_json_array_streams_item_by_item(tmp_path):
    """A .json array is parsed as it is read (ijson), never loaded whole; each item's position in the
    array is its "line"."""
    items = ",".join(json.dumps({"id": i, "date": "2025-01-01", "text": f"acme {i} " + "x" * 200})
                     for i in range(5000))
    export = MentionsFile(write(tmp_path / "big.json.gz", f"[{items}]", gz=True), default_brand="Acme")
    rows = iter(export)
    assert next(rows).external_id == "0" and export.rows == 1
    assert 0 < export.position < export.size
    assert sum(1 for _ in rows) == 4999 and export.position == export.size


def test_json_exports_in_an_object_and_broken_ones(tmp_path):
    wrapped = write(tmp_path / "w.json", '{"exported": "2025-01-02", "mentions": [{"id": "a", "text": "acme", '
                                         '"date": "2025-01-01", "likes": 1.0}]}')
    mentions, errors = read(wrapped, default_brand="Acme")
    assert [m.external_id for m in mentions] == ["a"] and mentions[0].engagement.likes == 1 and not errors
    _, errors = read(write(tmp_path / "o.json", '{"rows": []}'), default_brand="Acme")
    assert [e.reason for e in errors] == ['a .json file must hold an array of mentions (or {"mentions": [...]})']
    mentions, errors = read(write(tmp_path / "b.json", '[{"id": "a", "text": "acme", "date": "2025-01-01"}, {"id":'),
                            default_brand="Acme")
    assert [m.external_id for m in mentions] == ["a"] and errors[0].line == 2 and "invalid JSON" in errors[0].reason
