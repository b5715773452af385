"""Importing mentions from CSV/JSONL exports (`brandpulse import FILE`)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest

from listeners.files import RowError, read_mentions_file


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
    result = read_mentions_file(write(tmp_path / "export.csv", CSV), default_brand="Acme")
    assert [m.external_id for m in result.mentions] == ["1", "4", "6"]
    first, multi, tz = result.mentions
    assert first.text == "Acme is great" and first.author_handle == "alice" and first.source == "twitter"
    assert first.engagement.likes == 1204 and first.author_reach == 3400 and first.brand == "Acme"
    assert first.created_at == datetime(2025, 3, 10, 12, tzinfo=UTC) and first.url == "https://x.com/a/1"
    assert multi.text == "Multi\nline acme text" and multi.created_at == datetime.fromtimestamp(1741600000, UTC)
    assert tz.created_at == datetime(2025, 3, 10, 13, tzinfo=UTC)
    assert result.errors == [
        RowError(3, "unparseable date 'yesterday-ish'"),
        RowError(4, "missing text"),
        RowError(7, "bad number in likes: 'lots'"),
        RowError(9, "duplicate of line 2 (twitter 1)"),
    ]
    assert result.rows == 7 and result.format == "csv"


def test_jsonl_gz_with_nested_engagement_and_generated_ids(tmp_path):
    lines = [
        {"external_id": "a", "source": "x", "text": "acme one", "created_at": "2025-03-10T10:00:00Z",
         "brand": "Acme", "engagement": {"likes": 3, "reposts": 1}, "language": "en"},
        "not an object",
        {"body": "no id here", "timestamp": 1741600000123, "user": "zed"},
        {"text": "no date"},
    ]
    text = "\n".join(json.dumps(x) for x in lines) + "\n{broken json\n\n"
    result = read_mentions_file(write(tmp_path / "dump.jsonl.gz", text, gz=True), default_brand="Default")
    a, generated = result.mentions
    assert a.engagement.likes == 3 and a.engagement.reposts == 1 and a.brand == "Acme" and a.language == "en"
    assert generated.external_id.startswith("sha1:") and generated.source == "import"
    assert generated.created_at == datetime.fromtimestamp(1741600000.123, UTC) and generated.brand == "Default"
    again = read_mentions_file(tmp_path / "dump.jsonl.gz", default_brand="Default")
    assert again.mentions[1].external_id == generated.external_id  # stable across imports
    assert [e.line for e in result.errors] == [2, 4, 5]
    assert result.errors[0].reason == "not an object" and "invalid JSON" in result.errors[2].reason


def test_missing_brand_and_json_arrays(tmp_path):
    path = write(tmp_path / "m.json", json.dumps([{"id": "1", "text": "x", "date": "2025-01-01"},
                                                    {"id": "2", "text": "y", "date": "2025-01-01",
                                                     "brand": "B"}]))
    result = read_mentions_file(path)
    assert [m.external_id for m in result.mentions] == ["2"]
    assert result.errors == [RowError(1, "missing brand (no brand column and no default brand)")]


def test_ragged_csv_rows_and_bad_files(tmp_path):
    path = write(tmp_path / "r.csv", "id,text,date\n1,acme,2025-01-01\n2,acme,2025-01-01,extra\n")
    result = read_mentions_file(path, default_brand="Acme")
    assert [m.external_id for m in result.mentions] == ["1"]
    assert result.errors == [RowError(3, "1 more value(s) than columns")]
    with pytest.raises(ValueError, match="unknown format"):
        read_mentions_file(write(tmp_path / "x.txt", "hello"))
    with pytest.raises(FileNotFoundError):
        read_mentions_file(tmp_path / "missing.csv")
    truncated = tmp_path / "t.jsonl.gz"
    truncated.write_bytes(gzip.compress(b'{"id": "1", "text": "a", "date": "2025-01-01"}\n' * 50)[:-20])
    result = read_mentions_file(truncated, default_brand="Acme")
    assert result.mentions and "could not be read further" in result.errors[-1].reason
