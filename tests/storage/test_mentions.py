"""Storing mentions: once per (source, external id), with their cursor, in one transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from brandpulse.listeners.records import Engagement, Mention
from brandpulse.storage.engine import open_database
from brandpulse.storage.mentions import json_document, load_cursor, row_to_mention, store_batch, store_mentions
from brandpulse.storage.schema import mention_brands, mentions

T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)


def mention(external_id: str, brand: str = "Lumora", minutes: int = 0, source: str = "x") -> Mention:
    return Mention(source=source, external_id=external_id, text=f"post {external_id} about {brand}",
                   created_at=T0 + timedelta(minutes=minutes), brand=brand, author_handle="ana",
                   engagement=Engagement(likes=3), raw={"id": external_id})


@pytest.fixture
def engine(database_url):
    engine = open_database(database_url)
    yield engine
    engine.dispose()


def test_a_replayed_batch_stores_nothing_twice(engine):
    batch = [mention("1"), mention("2"), mention("2")]
    with engine.begin() as connection:
        first = store_mentions(connection, "Lumora", batch)
    with engine.begin() as connection:
        again = store_mentions(connection, "Lumora", [mention("2"), mention("3")])
    assert [m.external_id for m in first.new] == ["1", "2"]
    assert first.duplicates == 1
    assert [m.external_id for m in again.new] == ["3"]
    assert again.duplicates == 1
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(mentions)).scalar_one() == 3


def test_a_post_about_two_brands_is_stored_once_and_counted_for_both(engine):
    with engine.begin() as connection:
        store_mentions(connection, "Lumora", [mention("7")])
        shared = store_mentions(connection, "Vexon", [mention("7", brand="Vexon")])
    assert [m.external_id for m in shared.new] == ["7"]
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(mentions)).scalar_one() == 1
        assert connection.execute(select(func.count()).select_from(mention_brands)).scalar_one() == 2


def test_the_same_id_on_two_sources_is_two_mentions(engine):
    with engine.begin() as connection:
        stored = store_mentions(connection, "Lumora", [mention("1"), mention("1", source="reddit")])
    assert len(stored.new) == 2


def test_a_metric_the_source_did_not_report_is_stored_as_unknown_not_zero(engine):
    unreported = mention("9")
    unreported.engagement = Engagement(likes=None, reposts=0, replies=None, quotes=2)
    with engine.begin() as connection:
        store_mentions(connection, "Lumora", [unreported])
    with engine.connect() as connection:
        row = connection.execute(select(mentions)).one()
    assert row_to_mention(row, "Lumora").engagement == Engagement(likes=None, reposts=0, replies=None, quotes=2)


def test_timestamps_come_back_as_utc(engine):
    with engine.begin() as connection:
        store_mentions(connection, "Lumora", [mention("1", minutes=5)])
    with engine.connect() as connection:
        created = connection.execute(select(mentions.c.created_at)).scalar_one()
    assert created == T0 + timedelta(minutes=5)
    assert created.utcoffset() == timedelta(0)


def test_a_cursor_moves_only_with_the_mentions_it_covers(engine):
    with engine.begin() as connection:
        store_batch(connection, source="x", brand="Lumora", query_name="default", batch=[mention("1")],
                    cursor={"since_id": "1"})
    with pytest.raises(RuntimeError), engine.begin() as connection:
        store_batch(connection, source="x", brand="Lumora", query_name="default", batch=[mention("2")],
                    cursor={"since_id": "2"})
        raise RuntimeError("crash before commit")
    with engine.connect() as connection:
        assert load_cursor(connection, "x", "Lumora", "default") == {"since_id": "1"}
        ids = connection.execute(select(mentions.c.external_id)).scalars().all()
    assert ids == ["1"]


def test_raw_payloads_become_json_every_engine_accepts_and_lose_nothing_they_can_keep():
    assert json.loads(json_document({"id": 2**70, "ratio": 0.5, "tags": ["a", None, True]})) == {
        "id": 2**70, "ratio": 0.5, "tags": ["a", None, True]}  # beyond 64 bits: still exact
    assert json.loads(json_document({"text": "bad \ud800 pair", "nul": "a\x00b"})) == {
        "text": "bad \ufffd pair", "nul": "a\ufffdb"}
    assert json.loads(json_document({"score": float("nan"), "top": float("inf")})) == {"score": None, "top": None}
    assert json.loads(json_document({1: "numeric key", "when": datetime(2026, 3, 2, tzinfo=UTC)})) == {
        "1": "numeric key", "when": "2026-03-02 00:00:00+00:00"}
    assert json.loads(json_document({"emoji": "😀 Ünïcødé"})) == {"emoji": "😀 Ünïcødé"}
    assert json_document({}) is None
