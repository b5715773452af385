"""A small, known dataset for the reports and the dashboard: two brands over two four-week periods.

Lumora's complaints come from `corpus` (shipping new this period, screen complaints growing...),
Novex is its competitor, a few mentions are scored by another model (which must never count), one
post carries a `<script>` tag, and `alert_state` holds a firing and a resolved alert.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from brandpulse.listeners.records import Engagement, Mention
from brandpulse.sentiment.records import Sentiment
from brandpulse.storage.engine import open_database
from brandpulse.storage.mentions import store_mentions
from brandpulse.storage.schema import alert_state
from brandpulse.storage.scoring import save_scores
from tests.reports.corpus import NOISE, corpus

MODEL = "m1"
START = datetime(2026, 3, 1, tzinfo=UTC)
END = START + timedelta(days=28)
XSS = '<script>document.title="pwned"</script> Lumora <b>rocks</b>'


def sentiment(label: str, model_id: str = MODEL) -> Sentiment:
    probabilities = {"negative": 0.1, "neutral": 0.1, "positive": 0.1} | {label: 0.8}
    return Sentiment.from_probabilities(probabilities, model_id)


def seed(engine) -> dict:
    """Store the dataset; returns counts the tests check against."""
    rng = random.Random(7)
    rows = corpus()
    lumora: list[tuple[Mention, str]] = []
    for row in rows:
        moment = START + (row["created_at"] - datetime(2026, 3, 1, tzinfo=UTC))
        label = "negative" if row["theme"] else "neutral"
        lumora.append((Mention(source=row["source"], external_id=f"c{row['id']}", text=row["text"], brand="Lumora",
                               created_at=moment, url=row["url"], author_handle=row["author_handle"],
                               author_reach=rng.randint(10, 5000), language=row["language"],
                               engagement=Engagement(likes=rng.randint(0, 50))), label))
    for i in range(60):  # positive and neutral chatter, both periods
        moment = START + timedelta(days=rng.uniform(-28, 28))
        label = "positive" if i % 3 else "neutral"
        lumora.append((Mention(source=rng.choice(["x", "reddit"]), external_id=f"p{i}", brand="Lumora",
                               text=f"Loving my Lumora, day {i}" if label == "positive" else rng.choice(NOISE),
                               created_at=moment, url=f"https://example.test/p{i}", language="en",
                               author_reach=rng.randint(10, 500)), label))
    lumora.append((Mention(source="x", external_id="xss", text=XSS, brand="Lumora",
                           created_at=START + timedelta(days=3), url="javascript:alert(1)",
                           author_handle="<img src=x onerror=alert(1)>", language="en",
                           author_reach=10_000_000), "negative"))
    novex = [(Mention(source="x", external_id=f"n{i}", text=f"Novex post {i}", brand="Novex",
                      created_at=START + timedelta(days=rng.uniform(-28, 28)), language="en"),
              rng.choice(["negative", "neutral", "positive", "positive"])) for i in range(80)]
    other_model = [Mention(source="x", external_id=f"o{i}", text=f"Lumora unscored {i}", brand="Lumora",
                           created_at=START + timedelta(days=1, hours=i), language="en") for i in range(5)]
    with engine.begin() as connection:
        for brand, pairs in (("Lumora", lumora), ("Novex", novex)):
            store_mentions(connection, brand, [m for m, _ in pairs])
        store_mentions(connection, "Lumora", other_model)
        from sqlalchemy import select

        from brandpulse.storage.schema import mentions
        ids = dict(connection.execute(select(mentions.c.external_id, mentions.c.id)).all())
        scored = [(ids[m.external_id], sentiment(label)) for m, label in lumora + novex]
        scored += [(ids[m.external_id], sentiment("negative", "m2")) for m in other_model]
        save_scores(connection, scored)
        connection.execute(insert(alert_state), [
            {"fingerprint": "f-firing", "rule": "negative-spike", "state": "firing",
             "labels": {"alertname": "negative-spike", "brand": "Lumora", "kind": "negative_share"},
             "data": {"annotations": {"summary": "Negative share of Lumora at 64% <b>bold</b>"},
                      "starts_at": (START + timedelta(days=20)).isoformat(), "value": 0.64},
             "updated_at": START + timedelta(days=20)},
            {"fingerprint": "f-resolved", "rule": "volume-spike", "state": "resolved",
             "labels": {"alertname": "volume-spike", "brand": "Lumora", "kind": "volume"},
             "data": {"annotations": {"summary": "Lumora volume 5x normal"},
                      "starts_at": (START + timedelta(days=5)).isoformat(),
                      "ends_at": (START + timedelta(days=6)).isoformat()},
             "updated_at": START + timedelta(days=6)},
            {"fingerprint": "f-novex", "rule": "volume-spike", "state": "firing",
             "labels": {"alertname": "volume-spike", "brand": "Novex", "kind": "volume"},
             "data": {"starts_at": (START + timedelta(days=2)).isoformat()}, "updated_at": START + timedelta(days=2)},
        ])
    current = [pair for pair in lumora if START <= pair[0].created_at < END]
    return {"lumora_current": len(current) + len(other_model),
            "lumora_negative": sum(1 for _, label in current if label == "negative")}


@pytest.fixture
def seeded(database_url):
    engine = open_database(database_url)
    counts = seed(engine)
    yield engine, counts
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_seeded(tmp_path_factory):
    """One seeded SQLite database shared by the read-only dashboard tests."""
    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('db') / 'brandpulse.db'}")
    counts = seed(engine)
    yield engine, counts
    engine.dispose()
