"""The read-side queries reports and the dashboard share, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from brandpulse.storage.queries import (
    MentionFilter,
    breakdown,
    count_mentions,
    daily_counts,
    find_mentions,
    iter_mentions,
    labelled_mentions,
    list_alerts,
    pruned_before,
    pruned_counts,
    top_reached,
)
from brandpulse.storage.retention import prune_mentions
from tests.reports.conftest import END, MODEL, START, XSS


def test_daily_counts_count_each_label_of_one_model_only(seeded):
    engine, counts = seeded
    with engine.connect() as connection:
        frame = daily_counts(connection, model_id=MODEL, start=START, end=END, brand_names=["Lumora"])
        other = daily_counts(connection, model_id="m2", start=START, end=END, brand_names=["Lumora"])
    assert frame["volume"].sum() == counts["lumora_current"]
    assert frame["negative"].sum() == counts["lumora_negative"]
    assert frame["scored"].sum() == counts["lumora_current"] - 5  # the five m2-only mentions are unscored here
    assert other["scored"].sum() == 5 and other["negative"].sum() == 5
    assert (frame["day"].dt.hour == 0).all() and str(frame["day"].dt.tz) == "UTC"
    assert frame["day"].min() >= START and frame["day"].max() < END


def test_breakdowns_by_source_and_language_cover_the_period(seeded):
    engine, counts = seeded
    with engine.connect() as connection:
        by_source = breakdown(connection, model_id=MODEL, by="source", start=START, end=END, brand_names=["Lumora"])
        by_language = breakdown(connection, model_id=MODEL, by="language", start=START, end=END,
                                brand_names=["Lumora"])
        with pytest.raises(ValueError):
            breakdown(connection, model_id=MODEL, by="text", start=START, end=END)
    assert by_source["volume"].sum() == by_language["volume"].sum() == counts["lumora_current"]
    assert list(by_source["volume"]) == sorted(by_source["volume"], reverse=True)
    assert {"en", "es", "zh"} <= set(by_language["key"])



def test_breakdowns_count_the_days_retention_pruned(seeded):
    """Retention deletes old mentions but keeps their counts per day, brand, source and language:
    breakdowns read them with the live mentions, so they come out the same after pruning, and
    `pruned_before` says from when the posts themselves are still there."""
    engine, counts = seeded

    def breakdowns():
        with engine.connect() as connection:
            return [breakdown(connection, model_id=MODEL, by=by, start=START, end=END, brand_names=["Lumora"])
                    for by in ("source", "language")]

    before = breakdowns()
    with engine.connect() as connection:
        assert pruned_before(connection) is None
    middle = START + timedelta(days=14)
    prune_mentions(engine, middle)

    for now, then in zip(breakdowns(), before, strict=True):
        pd.testing.assert_frame_equal(now, then)
    with engine.connect() as connection:
        assert pruned_before(connection) == middle
        pruned = pruned_counts(connection, model_id=MODEL, by="language", start=START, end=END,
                               brand_names=["Lumora"])
        live = daily_counts(connection, model_id=MODEL, start=START, end=END, brand_names=["Lumora"])
        with pytest.raises(ValueError):
            pruned_counts(connection, model_id=MODEL, by="text", start=START, end=END)
    assert pruned["volume"].sum() > 0 and live["volume"].sum() > 0 and live["day"].min() >= middle
    assert pruned["volume"].sum() + live["volume"].sum() == counts["lumora_current"]

def test_top_reached_negative_posts_come_by_reach(seeded):
    engine, _ = seeded
    with engine.connect() as connection:
        top = top_reached(connection, model_id=MODEL, brand="Lumora", start=START, end=END, limit=5)
    assert top.iloc[0]["text"] == XSS  # ten million followers
    assert list(top["reach"]) == sorted(top["reach"], reverse=True)
    assert set(top["label"]) == {"negative"}


def test_labelled_mentions_are_the_periods_negatives_oldest_first(seeded):
    engine, counts = seeded
    with engine.connect() as connection:
        frame = labelled_mentions(connection, model_id=MODEL, brand="Lumora", start=START, end=END)
    assert len(frame) == counts["lumora_negative"]
    assert frame["created_at"].is_monotonic_increasing


def test_mention_filters_counts_and_streamed_export_agree(seeded):
    engine, _ = seeded
    filters = MentionFilter(model_id=MODEL, brands=["Lumora"], labels=["negative"], languages=["es"],
                            since=START, until=END, limit=None)
    with engine.connect() as connection:
        everything = find_mentions(connection, filters)
        total = count_mentions(connection, filters)
        streamed = sum(len(frame) for frame in iter_mentions(connection, filters, chunk=7))
        unscored = find_mentions(connection, MentionFilter(model_id=MODEL, labels=["unscored"], limit=None))
        capped = count_mentions(connection, MentionFilter(model_id=MODEL), cap=10)
        text = find_mentions(connection, MentionFilter(model_id=MODEL, text="REEMBOLSO", limit=3))
    assert total == len(everything) == streamed > 0
    assert set(everything["language"]) == {"es"} and set(everything["label"]) == {"negative"}
    assert len(unscored) == 5 and unscored["label"].isna().all()
    assert capped == 10
    assert len(text) == 3 and text["text"].str.lower().str.contains("reembolso").all()


def test_alerts_are_listed_with_their_documents(seeded):
    engine, _ = seeded
    with engine.connect() as connection:
        firing = list_alerts(connection, states=["firing"])
        recent = list_alerts(connection, updated_since=START + timedelta(days=10))
    assert set(firing["fingerprint"]) == {"f-firing", "f-novex"}
    assert list(recent["fingerprint"]) == ["f-firing"]
    assert firing.set_index("fingerprint").loc["f-firing", "labels"]["brand"] == "Lumora"
