"""Rule lifecycle with an injected clock: pending -> firing -> resolved, ``for``, ``keep_firing_for``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from brandpulse.alerts.config import AlertsConfig, RuleConfig
from brandpulse.alerts.engine import evaluate, latest_complete_bucket, series_labels
from brandpulse.alerts.model import AlertBook, fingerprint
from tests.alerts.alerts_synthetic import brand_frame

DAY5 = datetime(2025, 3, 6, tzinfo=UTC)


def frame(spikes: dict[str, int] | None = None, days: int = 7, base: int = 10) -> pd.DataFrame:
    """Hourly buckets from 2025-03-01 with a flat ``base`` negatives (volume 5x), spikes at given hours."""
    index = pd.date_range("2025-03-01", periods=24 * days, freq="h", tz="UTC")
    negative = pd.Series(base, index=index, dtype=float)
    for stamp, value in (spikes or {}).items():
        negative[pd.Timestamp(stamp, tz="UTC")] = value
    out = pd.DataFrame({"negative": negative, "volume": negative * 5})
    out["negative_share"] = out["negative"] / out["volume"]
    out["net_sentiment"] = 0.1
    return out


def config(**rule) -> AlertsConfig:
    """One rule on the seasonal detector, which flags exactly the spiked buckets of these flat series
    (the burst detector, the default, keeps a burst open for a quiet bucket on its own): the lifecycle
    tests below are about ``for`` and ``keep_firing_for``, not about a detector."""
    rule = {"name": "NegativeSpike", "metric": "negative", "detector": "seasonal", **rule}
    return AlertsConfig(rules=[RuleConfig.model_validate(rule)])


def at(hour: int, minute: int = 0, second: int = 30) -> datetime:
    return DAY5 + timedelta(hours=hour, minutes=minute, seconds=second)


SPIKE = {"2025-03-06 10:00": 100, "2025-03-06 11:00": 100, "2025-03-06 12:00": 100}


def run(cfg, series, times, book=None, context=None):
    events = []
    for now in times:
        result = evaluate(cfg, series, book, now, context)
        book = AlertBook.from_dict(json.loads(json.dumps(result.state.to_dict())))  # persisted each time
        events.extend((e.kind, e.at) for e in result.events)
    return book, events


def test_only_complete_buckets_are_judged():
    index = pd.date_range("2025-03-06 09:00", periods=3, freq="h", tz="UTC")
    assert latest_complete_bucket(index, timedelta(hours=1), at(10, 59)) == index[0]
    assert latest_complete_bucket(index, timedelta(hours=1), at(11, 0, 0)) == index[1]
    assert latest_complete_bucket(index, timedelta(hours=1), at(8)) is None


def test_for_holds_the_alert_pending_until_the_episode_lasted_long_enough():
    cfg = config(**{"for": "2h"})
    series = {"acme": frame(SPIKE)}
    book, events = run(cfg, series, [at(10, 59), at(11), at(11, 30), at(12), at(13), at(14)])
    assert events == [("pending", at(11)), ("firing", at(13)), ("resolved", at(14))]
    state = next(iter(book.states.values()))
    assert state.state == "resolved"
    assert state.active_since == datetime(2025, 3, 6, 10, tzinfo=UTC)
    assert state.fired_at == at(13) and state.resolved_at == at(14)


def test_for_zero_fires_on_the_first_anomalous_bucket_and_reevaluation_changes_nothing():
    cfg = config()
    series = {"acme": frame(SPIKE)}
    book, events = run(cfg, series, [at(11), at(11, 20), at(11, 40), at(12)])
    assert events == [("firing", at(11))]
    assert book.firing()[0].value == 100


def test_a_pending_alert_that_recovers_is_cancelled_quietly():
    cfg = config(**{"for": "3h"})
    series = {"acme": frame({"2025-03-06 10:00": 100})}
    book, events = run(cfg, series, [at(11), at(12)])
    assert events == [("pending", at(11)), ("cancelled", at(12))]
    assert book.alerts() == []


def test_keep_firing_for_bridges_a_quiet_bucket():
    cfg = config(keep_firing_for="2h")
    spikes = {"2025-03-06 10:00": 100, "2025-03-06 12:00": 100}
    _, events = run(cfg, {"acme": frame(spikes)}, [at(11), at(12), at(13), at(14), at(15)])
    # 11:00 quiet (within 2h of 10:00), 12:00 anomalous again, 13:00 within 2h, 14:00 resolves
    assert events == [("firing", at(11)), ("resolved", at(15))]


def test_an_alert_ends_when_its_series_or_rule_goes_away():
    cfg = config()
    first = evaluate(cfg, {"acme": frame(SPIKE), "globex": frame(SPIKE)}, None, at(11))
    assert len(first.state.firing()) == 2
    later = evaluate(cfg, {"acme": frame(SPIKE)}, first.state, at(11, 30))
    assert [(e.kind, e.alert.labels["brand"]) for e in later.events] == [("resolved", "globex")]
    gone = evaluate(config(name="OtherRule"), {"acme": frame(SPIKE)}, later.state, at(12))
    assert ("resolved", "NegativeSpike") in [(e.kind, e.alert.name) for e in gone.events]


def test_alert_identity_is_its_labels_never_its_values():
    cfg = config(labels={"team": "social"}, severity="critical", matchers=['source=~".+"'])
    key = frozenset({("brand", "acme"), ("source", "reddit")})
    result = evaluate(cfg, {key: frame(SPIKE)}, None, at(11))
    (alert,) = result.alerts
    assert alert.labels == {"alertname": "NegativeSpike", "brand": "acme", "source": "reddit",
                            "metric": "negative", "severity": "critical", "team": "social"}
    assert alert.fingerprint == fingerprint(alert.labels)
    later = evaluate(cfg, {key: frame({**SPIKE, "2025-03-06 11:00": 250})}, result.state, at(12))
    assert later.alerts[0].fingerprint == alert.fingerprint and later.alerts[0].value == 250


def test_per_source_series_are_watched_only_by_rules_that_name_the_source():
    per_source = frozenset({("brand", "acme"), ("source", "reddit")})
    series = {"acme": frame(SPIKE), per_source: frame(SPIKE)}
    brand_wide = evaluate(config(), series, None, at(11))
    assert [alert.labels.get("source") for alert in brand_wide.alerts] == [None]
    narrow = evaluate(config(matchers=['source="reddit"']), series, None, at(11))
    assert [alert.labels.get("source") for alert in narrow.alerts] == ["reddit"]


def test_messages_get_annotations_context_and_a_dashboard_link():
    cfg = AlertsConfig(dashboard_url="https://pulse.example.com/",
                       rules=[RuleConfig(name="NegativeSpike", annotations={"runbook": "Check {brand} now"})])
    mentions = [{"text": "Broken again", "url": "https://x.example/1", "author": "@a", "reach": 500,
                 "score": -0.9}]
    context = {"acme": {"top_mentions": mentions, "rising_terms": ["refund", "outage"]}}
    result = evaluate(cfg, {"acme": frame(SPIKE)}, None, at(11), context)
    (alert,) = result.alerts
    assert alert.annotations["summary"] == "Negative mentions for acme rose to 100 (expected 10)"
    assert alert.annotations["runbook"] == "Check acme now"
    assert alert.context["top_mentions"] == mentions
    assert alert.context["rising_terms"] == ["refund", "outage"]
    assert alert.context["since"] == "2025-03-06T10:00:00+00:00"
    assert alert.context["dashboard_url"] == ("https://pulse.example.com/mentions?brand=acme&sentiment=negative"
                                              "&since=2025-03-05")
    assert result.assessments[alert.fingerprint].expected == 10


def test_rule_matchers_pick_series_and_missing_columns_are_reported():
    cfg = config(matchers=["brand=acme"])
    series = {"acme": frame(SPIKE), "other": frame(SPIKE)}
    result = evaluate(cfg, series, None, at(11))
    assert [a.labels["brand"] for a in result.alerts] == ["acme"]
    bad = evaluate(config(metric="net_sentiment"), {"acme": frame(SPIKE).drop(columns="net_sentiment")},
                   None, at(11))
    assert bad.errors and "net_sentiment" in bad.errors[0]


def test_online_rule_keeps_its_detector_state_in_the_book():
    cfg = config(detector="online")
    series = {"acme": frame(SPIKE)}
    book, events = run(cfg, series, [at(9), at(10), at(11), at(12)])
    assert events == [("firing", at(11))]
    state = next(iter(book.states.values()))
    assert state.detector_state["online"]["last"] == "2025-03-06T11:00:00+00:00"


def test_series_labels_accepts_names_pairs_and_mappings():
    assert series_labels("acme") == {"brand": "acme"}
    assert series_labels((("brand", "acme"), ("language", "de"))) == {"brand": "acme", "language": "de"}
    assert series_labels({"brand": "acme"}) == {"brand": "acme"}
    with pytest.raises(TypeError):
        series_labels(42)


def test_demo_shaped_stream_fires_for_the_stormy_brand_only():
    """14 days of hourly buckets, a complaint storm on day 10 for one brand, evaluated every hour with
    the default configuration (an empty ``alerts:`` section)."""
    series = {"stormco": brand_frame(1, 40, 0.2, storm=True), "calmco": brand_frame(101, 30, 0.15),
              "rival": brand_frame(201, 80, 0.25)}
    cfg = AlertsConfig()
    book, fired = None, []
    for now in pd.date_range("2025-03-01 01:01", periods=24 * 14, freq="h", tz="UTC"):
        result = evaluate(cfg, series, book, now.to_pydatetime())
        book = result.state
        fired += [(e.alert.labels["brand"], e.at) for e in result.events if e.kind == "firing"]
    assert [brand for brand, _ in fired] == ["stormco"]
    # the storm starts at 09:00; its first hour is judged at 10:01, its second at 11:01
    assert datetime(2025, 3, 10, 10, 1, tzinfo=UTC) <= fired[0][1] <= datetime(2025, 3, 10, 11, 1, tzinfo=UTC)


def test_detector_noise_does_not_break_the_book_round_trip():
    rng = np.random.default_rng(0)
    data = frame(SPIKE)
    data["negative"] = data["negative"] + rng.integers(0, 3, len(data))
    result = evaluate(config(), {"acme": data}, None, at(11))
    text = json.dumps(result.state.to_dict())
    assert AlertBook.from_dict(json.loads(text)).to_dict() == result.state.to_dict()
