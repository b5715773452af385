"""What storage reads for the case rules (`storage.cases.candidates`), on SQLite and PostgreSQL; the
whole response inbox, through the jobs, is tested in tests/brandpulse/test_cases.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from brandpulse.listeners.records import Mention
from brandpulse.storage.cases import candidates
from brandpulse.storage.engine import open_database
from brandpulse.storage.mentions import store_mentions
from brandpulse.storage.schema import mentions, sentiments

T0 = datetime(2026, 3, 2, tzinfo=UTC)


@pytest.fixture
def engine(database_url):
    engine = open_database(database_url)
    yield engine
    engine.dispose()


def test_the_stored_anger_of_a_score_reaches_the_case_rules(engine):
    with engine.begin() as connection:
        store_mentions(connection, "Lumora", [Mention(source="x", external_id="77", brand="Lumora", author_handle="ana",
                                                      text="Lumora, I have had it with you", created_at=T0)])
        mention_id = connection.execute(select(mentions.c.id).where(mentions.c.external_id == "77")).scalar_one()
        connection.execute(insert(sentiments).values(
            mention_id=mention_id, model_id="m", label="neutral", score=-0.1, p_negative=0.3, p_neutral=0.5,
            p_positive=0.2, p_anger=0.92, p_joy=0.02, p_optimism=0.03, p_sadness=0.03, scored_at=T0))
    with engine.connect() as connection:
        [candidate] = candidates(connection, [mention_id], "m")
    assert (candidate.author, candidate.brand) == ("ana", "Lumora")
    assert candidate.anger == pytest.approx(0.92)
