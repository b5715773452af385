"""The default burst detector, driven the way the service drives it (alerts.backtest.replay calls
alerts.engine.evaluate bucket by bucket): one alert per burst at its onset, baselines that forget,
level shifts that page once, outages and their catch-up that page never, quiet brands heard."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from brandpulse.alerts.backtest import replay
from brandpulse.alerts.burst import MAX_BURST, BurstDetector, BurstState
from brandpulse.alerts.config import AlertsConfig
from brandpulse.alerts.detector_base import DetectorParams
from brandpulse.alerts.detectors import Detector, make_detector, scan
from brandpulse.alerts.engine import evaluate

START = pd.Timestamp("2025-03-01", tz="UTC")


def hourly(seed: int, base: float, days: int = 21, alpha: float = 0.03) -> pd.Series:
    """Hourly negative-binomial counts (variance mu + alpha mu^2) around a daily cycle, weekends lower."""
    rng = np.random.default_rng(seed)
    index = pd.date_range(START, periods=24 * days, freq="h")
    hours = index.hour.to_numpy()
    rate = base * (1 + 0.6 * np.cos(2 * np.pi * (hours - 15) / 24)) * np.where(index.day_of_week >= 5, 0.8, 1.0)
    counts = rng.poisson(rate * rng.gamma(1 / alpha, alpha, len(index)))
    return pd.Series(counts.astype(float), index=index, name="negative")


def alerts_of(series: pd.Series, **rule: object):
    config = AlertsConfig(rules=[{"name": "NegativeSpike", **rule}]) if rule else AlertsConfig()
    return replay(config, {"acme": series.to_frame("negative")}).alerts


def at(day: int, hour: int) -> pd.Timestamp:
    return START + pd.Timedelta(days=day, hours=hour)


def test_the_default_rule_uses_the_burst_detector_through_the_detector_protocol():
    rule = AlertsConfig().rules[0]
    assert rule.detector == "burst" and rule.metric == "negative"
    detector: Detector = make_detector(DetectorParams(), rule.detector)
    assert isinstance(detector, BurstDetector)


def test_calm_over_dispersed_weeks_raise_nothing():
    assert alerts_of(hourly(1, base=40)) == []


def test_a_burst_pages_once_at_its_onset_and_resolves_when_it_ends():
    series = hourly(2, base=40)
    burst = slice(at(10, 9), at(10, 14))        # six hours: 6x, then tailing off
    series[burst] += np.array([200, 240, 160, 120, 80, 60])
    (alert,) = alerts_of(series)
    assert alert.starts_at == at(10, 9)
    assert alert.detected_at == at(10, 10)      # the end of the first anomalous bucket
    assert at(10, 14) < alert.ends_at <= at(10, 18)
    assert alert.peak_value == series[at(10, 10)]


def test_a_big_burst_does_not_hide_a_smaller_one_days_later():
    series = hourly(3, base=40)
    series[at(6, 12)] += 4000                   # a storm a hundred times the usual hour
    series[at(9, 15)] += 150                    # later, a burst of a few times the usual hour
    detected = [alert.detected_at for alert in alerts_of(series)]
    assert detected == [at(6, 13), at(9, 16)]


def test_a_level_shift_pages_once_and_stops_within_max_burst():
    series = hourly(4, base=40, days=28)
    series[at(10, 0):] *= 2.5                   # the brand is talked about more, for good
    alerts = alerts_of(series)
    assert len(alerts) == 1
    assert alerts[0].ends_at is not None and alerts[0].ends_at - alerts[0].starts_at <= MAX_BURST + timedelta(hours=3)


def test_a_burst_during_the_warm_up_does_not_become_the_baseline():
    series = hourly(10, base=40, days=8)
    series[at(1, 10):at(1, 15)] += 1500          # the news of the year, on the second day
    series[at(5, 14)] += 150
    assert [alert.detected_at for alert in alerts_of(series)] == [at(5, 15)]


def test_an_outage_is_neither_a_drop_nor_its_catch_up_a_spike():
    series = hourly(5, base=40)
    missed = series[at(8, 10):at(8, 15)].sum()
    series[at(8, 10):at(8, 15)] = 0             # the collector was down for six hours
    series[at(8, 16)] += missed                 # and posted what it missed when it came back
    assert alerts_of(series) == []


def test_a_quiet_brand_is_heard():
    series = hourly(6, base=1.5)
    series[at(12, 14)] += 25
    (alert,) = alerts_of(series)
    assert alert.detected_at == at(12, 15)


def test_a_quiet_brands_handful_of_posts_is_not_a_spike():
    series = hourly(11, base=0.8, days=10)
    series[at(6, 3)] = 4                        # four complaints at 3 am where one is usual: under min_volume
    series[at(6, 1):at(6, 2)] = 1
    assert alerts_of(series) == []


def test_higher_sensitivity_pages_on_smaller_bursts():
    series = hourly(7, base=40)
    series[at(9, 11)] += 70                     # a modest bump, under two times the hour
    assert len(alerts_of(series, sensitivity="high")) >= len(alerts_of(series, sensitivity="low"))
    assert len(alerts_of(series, sensitivity=3.0)) == 1
    assert alerts_of(series, sensitivity=30.0) == []


def test_the_state_the_service_stores_is_plain_json_and_continues_identically():
    series = hourly(8, base=20, days=5).to_frame("negative")
    config = AlertsConfig()
    book = None
    for moment in series.index[:80]:
        book = evaluate(config, {"acme": series[:moment]}, book, moment + timedelta(hours=1)).state
    (entry,) = book.states.values()
    restored = json.loads(json.dumps(entry.detector_state))
    detector = BurstDetector(DetectorParams.from_rule(config.rules[0]))
    stored = BurstState.from_dict(restored["burst"])
    fresh = BurstState()
    for moment, value in series["negative"][:81].items():
        fresh, expected = detector.update(fresh, moment, value)
    _, again = detector.update(stored, series.index[80], float(series["negative"].iloc[80]))
    assert again == expected


def test_the_burst_detector_is_for_rising_counts_only():
    with pytest.raises(ValueError, match="watches counts"):
        AlertsConfig(rules=[{"name": "Mood", "metric": "net_sentiment", "detector": "burst"}])
    with pytest.raises(ValueError, match="watches rises"):
        AlertsConfig(rules=[{"name": "Drop", "metric": "volume", "direction": "down"}])
    assert AlertsConfig(rules=[{"name": "Drop", "metric": "volume", "direction": "down",
                                "detector": "seasonal"}]).rules[0].detector == "seasonal"


def test_a_bucket_already_folded_in_is_refused():
    detector = BurstDetector(DetectorParams())
    state, _ = detector.update(BurstState(), START, 3.0)
    with pytest.raises(ValueError, match="not after"):
        detector.update(state, START, 4.0)


def test_the_batch_scan_judges_with_the_same_protocol_and_state():
    series = hourly(9, base=40, days=8)
    series[at(6, 12)] += 300
    scanned = scan(make_detector(DetectorParams(threshold=5.5, warmup=timedelta(days=2)), "burst"), series)
    assert (scanned["reason"] == "warmup").sum() == 48
    assert list(scanned.index[scanned["anomalous"]])[:1] == [at(6, 12)]
