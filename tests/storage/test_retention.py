"""Retention: raw payloads and old mentions pruned, daily series the same before and after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from brandpulse.listeners.records import Mention
from brandpulse.reports.feedback import gather, render_html
from brandpulse.sentiment.records import Sentiment
from brandpulse.storage.engine import open_database
from brandpulse.storage.mentions import store_mentions
from brandpulse.storage.retention import RetentionPolicy, cutoff, daily_series, prune
from brandpulse.storage.schema import daily_aggregates, mentions, scoring_queue, sentiments
from brandpulse.storage.scoring import claim_unscored, save_scores
from brandpulse.storage.series import brand_series

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
LABELS = ["negative", "neutral", "positive"]


def mention(i: int, brand: str, days_ago: float, source: str = "x", language: str | None = "en") -> Mention:
    return Mention(source=source, external_id=str(i), text=f"post {i}", brand=brand, language=language,
                   created_at=NOW - timedelta(days=days_ago), raw={"id": i, "payload": "x" * 50})


@pytest.fixture
def engine(database_url):
    engine = open_database(database_url)
    with engine.begin() as connection:
        # 40 days of mentions, three an hour-ish apart each day, some about both brands.
        batch = [mention(i, "Lumora", days_ago=i / 3, source="x" if i % 2 else "reddit",
                         language=None if i % 5 == 0 else "en") for i in range(120)]
        store_mentions(connection, "Lumora", batch)
        store_mentions(connection, "Vexon", [mention(i, "Vexon", days_ago=i / 3) for i in range(0, 120, 4)])
    yield engine
    engine.dispose()


def score_all_but(engine, keep_unscored: set[int], model_id: str = "m1") -> None:
    with engine.begin() as connection:
        tasks = [t for t in claim_unscored(connection, model_id, 1000)]
        scored = [(t.mention_id, Sentiment.from_probabilities({LABELS[t.mention_id % 3]: 0.9}, model_id))
                  for t in tasks if t.mention_id not in keep_unscored]
        save_scores(connection, scored)


def series(engine, model_id="m1"):
    with engine.connect() as connection:
        return daily_series(connection, model_id=model_id, start=NOW - timedelta(days=60), end=NOW + timedelta(days=1))


def count(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_cutoff_is_a_whole_day():
    assert cutoff(NOW, 30) == datetime(2026, 5, 2, tzinfo=UTC)


def test_pruned_days_keep_their_counts_and_live_days_are_untouched(engine):
    with engine.begin() as connection:
        unscored_old = connection.execute(select(mentions.c.id).where(mentions.c.external_id == "99")).scalar_one()
        created = dict(connection.execute(select(mentions.c.id, mentions.c.created_at)).all())
    score_all_but(engine, {unscored_old})
    before = series(engine)
    assert before["volume"].sum() == 120 + 30  # brand links: one post about both brands counts for each

    result = prune(engine, RetentionPolicy(raw_payload_days=5, mentions_days=20), now=NOW)

    pd.testing.assert_frame_equal(before, series(engine))
    with engine.connect() as connection:
        left = {row.id: row for row in connection.execute(select(mentions.c.id, mentions.c.created_at, mentions.c.raw))}
    old = {id_ for id_, at in created.items() if at < cutoff(NOW, 20)}
    assert set(left) == set(created) - old | {unscored_old}  # the unscored one waits for its score
    assert result.mentions_deleted == len(old) - 1
    raw_old = {id_ for id_, at in created.items() if at < cutoff(NOW, 5)}
    assert result.raw_payloads_cleared == len(raw_old)
    assert all((row.raw is None) == (id_ in raw_old) for id_, row in left.items())
    assert count(engine, daily_aggregates) == result.aggregate_rows > 0

    # Pruning again changes nothing; scoring the waiting mention lets it go, and counts stay right.
    assert prune(engine, RetentionPolicy(mentions_days=20), now=NOW).mentions_deleted == 0
    with engine.begin() as connection:
        save_scores(connection, [(unscored_old, Sentiment.from_probabilities({"negative": 1.0}, "m1"))])
    rescored = series(engine)
    assert prune(engine, RetentionPolicy(mentions_days=20), now=NOW).mentions_deleted == 1
    pd.testing.assert_frame_equal(rescored, series(engine))
    assert rescored["scored"].sum() == before["scored"].sum() + 1


def test_a_late_mention_of_a_pruned_day_adds_to_its_counts(engine):
    score_all_but(engine, set())
    prune(engine, RetentionPolicy(mentions_days=20), now=NOW)
    before = series(engine).set_index(["brand", "day"])
    with engine.begin() as connection:
        store_mentions(connection, "Lumora", [mention(1000, "Lumora", days_ago=30)])
    score_all_but(engine, set())
    prune(engine, RetentionPolicy(mentions_days=20), now=NOW)
    after = series(engine).set_index(["brand", "day"])
    day = pd.Timestamp((NOW - timedelta(days=30)).date(), tz="UTC")
    assert after.loc[("Lumora", day), "volume"] == before.loc[("Lumora", day), "volume"] + 1
    assert after.drop(index=("Lumora", day)).equals(before.drop(index=("Lumora", day)))


def test_another_models_scores_stay_apart(engine):
    score_all_but(engine, set(), model_id="m1")
    with engine.begin() as connection:
        ids = connection.execute(select(mentions.c.id).order_by(mentions.c.id).limit(10)).scalars().all()
        save_scores(connection, [(i, Sentiment.from_probabilities({"positive": 1.0}, "m2")) for i in ids])
    before_m1, before_m2 = series(engine, "m1"), series(engine, "m2")
    prune(engine, RetentionPolicy(mentions_days=1), now=NOW)
    pd.testing.assert_frame_equal(before_m1, series(engine, "m1"))
    pd.testing.assert_frame_equal(before_m2, series(engine, "m2"))
    assert series(engine, "m2")["scored"].sum() == 10


def test_the_queue_never_keeps_a_deleted_mention(engine):
    score_all_but(engine, set())
    prune(engine, RetentionPolicy(mentions_days=0), now=NOW + timedelta(days=1))
    assert count(engine, mentions) == 0
    assert count(engine, scoring_queue) == 0
    assert count(engine, sentiments) == 0


def test_a_report_on_pruned_days_shows_the_figures_it_showed_before_pruning(engine):
    """Reports and the dashboard read pruned days from their daily aggregates: a report on a period
    older than `mentions_days` keeps its volume, sentiment, scores, share of voice, trend and its
    breakdowns by source and language, and says which days its themes and top posts cover."""
    score_all_but(engine, set())
    start, end = datetime(2026, 5, 5, tzinfo=UTC), datetime(2026, 5, 19, tzinfo=UTC)  # previous: Apr 21 - May 5

    def report(first=start, last=end):
        return gather(engine, "Lumora", first, last, model_id="m1", competitors=["Vexon"])

    before = report()
    one_day = report(start, start + timedelta(days=1))  # charted by the hour while its mentions are there
    assert one_day.bucket == timedelta(hours=1)
    assert before.retention_note == one_day.retention_note == ""

    prune(engine, RetentionPolicy(mentions_days=20), now=NOW)  # deletes everything before May 12

    after = report()
    assert after.current == before.current and after.current.volume == 42  # posts 41..82, 8 hours apart
    assert after.previous == before.previous and after.previous.volume == 37  # posts 83..119
    assert after.current.net_sentiment == before.current.net_sentiment is not None
    assert after.current.health == before.current.health is not None
    assert after.share == before.share
    pd.testing.assert_frame_equal(after.series, before.series)
    assert after.sources == before.sources and {row["key"] for row in after.sources} == {"x", "reddit"}
    assert after.languages == before.languages and {row["key"] for row in after.languages} == {"en", "unknown"}
    note = ("Mentions before 2026-05-12 were pruned by retention: complaint themes and top posts cover "
            "2026-05-12 to 2026-05-18; counts, sentiment and breakdowns cover the whole period.")
    assert after.retention_note == note and note in render_html(after)
    assert min(post["created_at"] for post in after.top_negative) >= datetime(2026, 5, 12, tzinfo=UTC)
    with engine.connect() as connection:
        shown = daily_series(connection, model_id="m1", start=start, end=end, brand_names=["Lumora"])
        live_only = brand_series(connection, model_id="m1", start=start, end=end, bucket=timedelta(hours=1),
                                 brand_names=["Lumora"])["Lumora"]
    assert shown["volume"].sum() == after.current.volume  # what the dashboard's overview shows
    assert live_only["volume"].sum() < after.current.volume  # hours of pruned days are gone ...

    pruned_day = report(start, start + timedelta(days=1))
    assert pruned_day.current == one_day.current and pruned_day.bucket == timedelta(days=1)  # ... so it goes by day
    assert pruned_day.series["volume"].tolist() == [one_day.current.volume]
    assert pruned_day.sources == one_day.sources and pruned_day.languages == one_day.languages
    assert pruned_day.retention_note.startswith("This period's mentions were pruned by retention")
    assert pruned_day.top_negative == []
