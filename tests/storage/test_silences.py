"""Silences and acknowledgements as storage keeps them: what goes in comes back as the same record,
expiring keeps the history, and a scheduled silence expired early never starts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from brandpulse.storage.engine import open_database
from brandpulse.storage.schema import silences
from brandpulse.storage.silences import (
    acknowledge_alert,
    add_silence,
    expire_silence,
    load_acknowledgements,
    load_silences,
)

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def engine(database_url):
    engine = open_database(database_url)
    yield engine
    engine.dispose()


def test_a_silence_comes_back_as_it_went_in_and_expiring_keeps_its_history(engine):
    with engine.begin() as connection:
        now_on = add_silence(connection, 'brand="Lumora",alertname=~"Neg.*"', created_by="ana", comment="outage",
                             now=NOW, duration=timedelta(hours=2))
        later = add_silence(connection, [{"name": "brand", "value": "Vexon", "isRegex": False}], created_by="bo",
                            comment="launch", now=NOW + timedelta(seconds=1), duration=timedelta(minutes=90),
                            starts_at=NOW + timedelta(hours=1))
    with engine.connect() as connection:
        assert load_silences(connection, NOW) == [later, now_on]          # newest first, records equal
    assert (now_on.state(NOW), later.state(NOW)) == ("active", "pending")

    with engine.begin() as connection:
        assert expire_silence(connection, later.id[:4], now=NOW + timedelta(minutes=10)) == later
        with pytest.raises(KeyError):
            expire_silence(connection, later.id, now=NOW + timedelta(minutes=10))   # no longer in force
    with engine.connect() as connection:
        assert [s.id for s in load_silences(connection, NOW + timedelta(minutes=10))] == [now_on.id]
        [gone, _] = load_silences(connection, NOW + timedelta(minutes=10), include_expired=True)
    assert gone.starts_at == gone.ends_at == NOW + timedelta(minutes=10)      # it never started


def test_matchers_are_stored_in_one_form_and_read_back_by_the_router(engine):
    with engine.begin() as connection:
        add_silence(connection, [{"name": "brand", "value": "Lumora"}, {"name": "kind", "value": "vol.*",
                                                                         "is_regex": True}],
                    created_by="ana", comment="known campaign", now=NOW, duration=timedelta(hours=4))
        stored = connection.execute(select(silences.c.matchers)).scalar_one()
        [silence] = load_silences(connection, NOW)
    assert stored == [{"name": "brand", "value": "Lumora", "op": "="}, {"name": "kind", "value": "vol.*", "op": "=~"}]
    assert silence.mutes({"brand": "Lumora", "kind": "volume"}, NOW)
    assert not silence.mutes({"brand": "Lumora", "kind": "negative_share"}, NOW)


@pytest.mark.parametrize(("matchers", "comment", "problem"), [
    (['brand=~".*"'], "all", "must not match every alert"),
    ([], "nothing", "at least one matcher"),
    ([{"name": "brand", "value": "(", "op": "=~"}], "bad regex", "bad regex"),
    (["brand=Lumora"], "", "a comment"),
])
def test_a_silence_that_cannot_work_is_refused_and_nothing_is_stored(engine, matchers, comment, problem):
    with engine.begin() as connection, pytest.raises(ValueError, match=problem):
        add_silence(connection, matchers, created_by="ana", comment=comment, now=NOW)
    with engine.connect() as connection:
        assert load_silences(connection, NOW, include_expired=True) == []


def test_an_acknowledgement_replaces_the_earlier_one_and_lapses(engine):
    with engine.begin() as connection:
        acknowledge_alert(connection, "f1", by="ana", now=NOW)
        acknowledge_alert(connection, "f2", by="bo", now=NOW, duration=timedelta(hours=1))
        latest = acknowledge_alert(connection, "f1", by="cy", now=NOW, comment="taking over")
    with engine.connect() as connection:
        [kept, replaced] = load_acknowledgements(connection, NOW)
        assert (kept.fingerprint, kept.acknowledged_by, kept.expires_at) == ("f2", "bo", NOW + timedelta(hours=1))
        assert replaced == latest
        assert [a.fingerprint for a in load_acknowledgements(connection, NOW + timedelta(hours=1))] == ["f1"]
