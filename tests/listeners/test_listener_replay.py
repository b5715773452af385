"""The replay listener: a recorded JSONL(.gz) stream published in simulated time."""

from __future__ import annotations

import gzip
import json
import logging
from datetime import UTC, datetime, timedelta

from brandpulse.listeners import SOURCES
from brandpulse.listeners.query import BrandQuery
from brandpulse.listeners.replay import Settings, create
from tests.support.clock import ManualClock

START = datetime(2025, 3, 1, tzinfo=UTC)
ACME = BrandQuery("Acme", terms=("acme",))
GLOBEX = BrandQuery("Globex", terms=("globex",))


def line(n, brand="Acme", text=None, hours=None, source="x"):
    at = START + timedelta(hours=hours if hours is not None else n)
    return {"source": source, "external_id": f"{source}-{n}", "text": text or f"{brand} mention {n}",
            "created_at": at.isoformat().replace("+00:00", "Z"), "brand": brand, "language": "en",
            "author_handle": f"u{n}", "engagement": {"likes": n}}


def write_stream(path, rows, extra_lines=()):
    body = "\n".join([json.dumps(r) for r in rows] + list(extra_lines)) + "\n"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(body)
    return path


def test_replays_in_time_order_as_the_clock_advances(tmp_path):
    rows = [line(n) for n in (5, 1, 3, 2, 4)] + [line(6, "Globex"), line(7, "Acme", "nothing relevant")]
    path = write_stream(tmp_path / "stream.jsonl.gz", rows)
    clock = ManualClock(START + timedelta(hours=2, minutes=30))
    lst = create(Settings(path=path, page_size=2), clock=clock)
    first = list(lst.fetch(ACME, None))
    assert [m.external_id for b in first for m in b.mentions] == ["x-1", "x-2"]
    cursor = first[-1].cursor
    assert cursor == {"last": ["2025-03-01T02:00:00+00:00", "x-2"], "pos": 2}
    [nothing_new] = list(lst.fetch(ACME, cursor))
    assert nothing_new.mentions == [] and nothing_new.cursor == cursor
    clock.now = START + timedelta(hours=10)
    second = list(lst.fetch(ACME, cursor))
    assert [m.external_id for b in second for m in b.mentions] == ["x-3", "x-4", "x-5"]
    assert [len(b.mentions) for b in second] == [2, 1, 0]  # pages of 2 records; 6 is Globex, 7 no match
    m = second[0].mentions[0]
    assert m.brand == "Acme" and m.fetched_at == clock.now and m.engagement.likes == 3 and m.source == "x"
    assert m.matched_query == ACME.matched_query
    assert [m.external_id for b in lst.fetch(GLOBEX, None) for m in b.mentions] == ["x-6"]


def test_brand_hint_prefilter_is_optional_but_the_query_always_filters(tmp_path):
    rows = [line(1, "Globex", "acme and globex together"), line(2, "Acme", "about something else")]
    path = write_stream(tmp_path / "s.jsonl.gz", rows)
    clock = ManualClock(START + timedelta(days=1))
    assert [m.external_id for b in create(Settings(path=path), clock=clock).fetch(ACME, None) for m in b.mentions] == []
    loose = create(Settings(path=path, prefilter_brand=False), clock=clock)
    assert [m.external_id for b in loose.fetch(ACME, None) for m in b.mentions] == ["x-1"]


def test_resume_after_a_crash_and_a_grown_file(tmp_path, caplog):
    path = tmp_path / "s.jsonl"
    path.write_text("\n".join(json.dumps(line(n)) for n in range(1, 7)) + "\n{bad\n")
    clock = ManualClock(START + timedelta(days=1))
    with caplog.at_level(logging.WARNING, logger="brandpulse.listeners.replay"):
        gen = create(Settings(path=path, page_size=2), clock=clock).fetch(ACME, None)
        first = next(gen)
    gen.close()
    assert first.stats.skipped == 1 and first.stats.skipped_ids == ["line 7"] and "line 7" in caplog.text
    with path.open("a") as handle:
        handle.write(json.dumps(line(0, hours=0.5)) + "\n" + json.dumps(line(9)) + "\n")
    rest = list(create(Settings(path=path, page_size=2), clock=clock).fetch(ACME, first.cursor))
    got = [m.external_id for b in [first, *rest] for m in b.mentions]
    # x-0 sorts before the cursor: recorded history is not rewritten, so it is not replayed
    assert got == ["x-1", "x-2", "x-3", "x-4", "x-5", "x-6", "x-9"]


def test_lookback_and_page_limit(tmp_path):
    path = write_stream(tmp_path / "s.jsonl.gz", [line(n) for n in range(1, 11)])
    clock = ManualClock(START + timedelta(hours=10))
    lst = create(Settings(path=path, page_size=3, max_pages=1, lookback=timedelta(hours=4)), clock=clock)
    [batch] = list(lst.fetch(ACME, None))
    assert [m.external_id for m in batch.mentions] == ["x-6", "x-7", "x-8"]
    assert batch.stats.stop_reason.startswith("page limit")


def test_registered_as_a_source(tmp_path):
    spec = SOURCES["replay"]
    settings = spec.settings({"path": str(tmp_path / "s.jsonl.gz"), "page_size": 10})
    assert settings.page_size == 10 and spec.create(settings).source == "replay"
