"""The scoring queue and the per-brand series built from its scores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from brandpulse.listeners.records import Mention
from brandpulse.sentiment.records import Sentiment
from brandpulse.storage.engine import open_database
from brandpulse.storage.mentions import store_mentions
from brandpulse.storage.scoring import claim_unscored, read_scores, save_scores, scoring_backlog
from brandpulse.storage.series import brand_series, split_series

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def sentiment(label: str, model_id: str = "m1") -> Sentiment:
    probabilities = {"negative": 0.1, "neutral": 0.1, "positive": 0.1} | {label: 0.8}
    return Sentiment.from_probabilities(probabilities, model_id)


@pytest.fixture
def engine(database_url):
    engine = open_database(database_url)
    with engine.begin() as connection:
        store_mentions(connection, "Lumora", [
            Mention(source="x", external_id=str(i), text=f"text {i}", brand="Lumora",
                    created_at=T0 + timedelta(minutes=20 * i)) for i in range(6)])
    yield engine
    engine.dispose()


def score_all(engine, labels, model_id="m1"):
    with engine.begin() as connection:
        tasks = claim_unscored(connection, model_id, limit=100)
        scored = [(t.mention_id, sentiment(label, model_id)) for t, label in zip(tasks, labels, strict=True)]
        save_scores(connection, scored, {t.mention_id: "en" for t in tasks})
    return tasks


def test_claimed_work_comes_oldest_first_in_batches(engine):
    with engine.begin() as connection:
        first = claim_unscored(connection, "m1", limit=4)
    assert [t.text for t in first] == [f"text {i}" for i in range(4)]


def test_saved_scores_leave_the_backlog_and_a_replayed_save_changes_nothing(engine):
    tasks = score_all(engine, ["negative"] * 6)
    with engine.begin() as connection:
        assert scoring_backlog(connection, "m1") == 0
        assert save_scores(connection, [(tasks[0].mention_id, sentiment("positive"))]) == 1
    series = _series(engine)
    assert series["negative"].sum() == 6


def test_a_new_model_scores_new_mentions_and_rescores_history_only_on_request(engine):
    score_all(engine, ["negative"] * 6)
    with engine.begin() as connection:
        assert scoring_backlog(connection, "m2") == 0
        assert scoring_backlog(connection, "m2", rescore=True) == 6


def _series(engine, model_id="m1"):
    with engine.connect() as connection:
        return brand_series(connection, model_id=model_id, start=T0, end=T0 + timedelta(hours=3))["Lumora"]


def test_series_have_every_bucket_and_the_shares_of_scored_mentions(engine):
    score_all(engine, ["negative", "positive", "neutral", "negative", "negative", "positive"])
    series = _series(engine)
    assert list(series.index) == [T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2)]
    assert series["volume"].tolist() == [3, 3, 0]
    assert series["negative"].tolist() == [1, 2, 0]
    assert series["negative_share"].round(3).tolist() == [0.333, 0.667, 0.0]
    assert series["net_sentiment"].round(3).tolist() == [0.0, -0.333, 0.0]


def test_series_never_mix_models(engine):
    score_all(engine, ["negative"] * 6)
    other = _series(engine, model_id="m2")
    assert other["volume"].sum() == 6
    assert other["scored"].sum() == 0


def test_series_split_by_source_or_language_add_up_to_the_brands(engine):
    with engine.begin() as connection:
        store_mentions(connection, "Lumora", [Mention(source="reddit", external_id="r1", text="thread",
                                                      brand="Lumora", created_at=T0 + timedelta(minutes=5),
                                                      language="de")])
    score_all(engine, ["negative"] * 7)
    with engine.connect() as connection:
        by_source = split_series(connection, by="source", model_id="m1", start=T0, end=T0 + timedelta(hours=3))
        by_language = split_series(connection, by="language", model_id="m1", start=T0,
                                   end=T0 + timedelta(hours=3))
    assert sorted(by_source) == [("Lumora", "reddit"), ("Lumora", "x")]
    assert by_source[("Lumora", "x")]["volume"].tolist() == [3, 3, 0]
    assert by_source[("Lumora", "reddit")]["negative"].tolist() == [1, 0, 0]
    assert sorted(by_language) == [("Lumora", "de"), ("Lumora", "en")]  # scoring detected "en" for the rest


def test_emotions_are_stored_per_mention_and_read_back_with_the_score(engine):
    furious = Sentiment.from_probabilities({"negative": 0.9, "neutral": 0.05, "positive": 0.05}, "m1",
                                           {"anger": 0.7, "joy": 0.05, "optimism": 0.05, "sadness": 0.2})
    plain = sentiment("neutral")  # a model without an emotion head
    with engine.begin() as connection:
        first, second = claim_unscored(connection, "m1", limit=2)
        save_scores(connection, [(first.mention_id, furious), (second.mention_id, plain)])
    with engine.connect() as connection:
        stored = read_scores(connection, [first.mention_id, second.mention_id, 999], "m1")
    assert stored[first.mention_id] == furious
    assert stored[second.mention_id].emotions == {} and stored[second.mention_id].label == "neutral"
    assert set(stored) == {first.mention_id, second.mention_id}


def test_series_count_angry_mentions_and_their_share(engine):
    def scored(label, anger):
        rest = (1 - anger) / 3
        return Sentiment.from_probabilities({"negative": 0.1, "neutral": 0.1, "positive": 0.1} | {label: 0.8}, "m1",
                                            {"anger": anger, "joy": rest, "optimism": rest, "sadness": rest})

    with engine.begin() as connection:
        tasks = claim_unscored(connection, "m1", limit=6)
        # first hour: two angry complaints of three; second hour: anger without a negative label does not count
        results = [scored("negative", 0.9), scored("negative", 0.6), scored("negative", 0.3),
                   scored("positive", 0.9), scored("neutral", 0.2), scored("negative", 0.2)]
        save_scores(connection, [(t.mention_id, r) for t, r in zip(tasks, results, strict=True)])
    hourly = _series(engine)
    assert hourly["angry"].tolist() == [2, 0, 0]
    assert hourly["anger_share"].round(3).tolist() == [0.667, 0.0, 0.0]
    with engine.connect() as connection:
        daily = brand_series(connection, model_id="m1", start=T0, end=T0 + timedelta(days=1),
                             bucket=timedelta(days=1))["Lumora"]
    assert daily["angry"].tolist() == [2] and daily["anger_share"].round(3).tolist() == [0.333]
