"""Detectors on synthetic hourly brand series: a complaint storm must stand out, calm series must not."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from brandpulse.alerts import stats
from brandpulse.alerts.detector_base import DetectorParams, count_test, resolve_season
from brandpulse.alerts.detectors import OnlineSeasonalDetector, OnlineSeasonalState, SeasonalDetector
from brandpulse.alerts.detectors import scan as detector_scan
from brandpulse.alerts.envelope import EnvelopeDetector, EnvelopeParams, NoveltyRuleDetector, envelope_period
from tests.alerts.alerts_synthetic import STORM, brand_frame


def test_stats_match_known_values():
    # P(X >= 3 | Poisson(0.5)) = 1 - e^-0.5 (1 + 0.5 + 0.125) = 0.0143877
    assert stats.poisson_upper(3, 0.5) == pytest.approx(-math.log10(0.0143877), abs=1e-5)
    # P(X <= 0 | Poisson(2)) = e^-2
    assert stats.poisson_lower(0, 2.0) == pytest.approx(2 / math.log(10), abs=1e-9)
    # negative binomial with size 1 is geometric: P(X >= k) = (mu / (1 + mu))^k
    assert stats.negbin_upper(4, 3.0, 1.0) == pytest.approx(-4 * math.log10(0.75), abs=1e-9)
    assert stats.negbin_upper(4, 3.0, math.inf) == stats.poisson_upper(4, 3.0)
    assert stats.normal_upper(0.0) == pytest.approx(math.log10(2))
    assert stats.normal_upper(40.0) == stats.MAX_SCORE


def test_stats_agree_with_scipy_where_available():
    scipy_stats = pytest.importorskip("scipy.stats")
    for k in (1, 5, 20, 80):
        for mu in (0.5, 4.0, 30.0):
            expected = -math.log10(max(scipy_stats.poisson.sf(k - 1, mu), 1e-300))
            assert stats.poisson_upper(k, mu) == pytest.approx(expected, rel=1e-9, abs=1e-9)
            for size in (0.7, 5.0):
                p = size / (size + mu)
                expected = -math.log10(max(scipy_stats.nbinom.sf(k - 1, size, p), 1e-300))
                assert stats.negbin_upper(k, mu, size) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_count_test_is_one_sided_and_respects_overdispersion():
    up, direction = count_test(30, 6, 1.0, "up")
    assert direction == "up" and up > 10
    assert count_test(2, 6, 1.0, "up")[0] == 0.0
    assert count_test(30, 6, 3.0, "up")[0] < up        # wider variance, weaker evidence
    assert count_test(0, 40, 1.0, "down")[0] > 10


def test_resolve_season_follows_the_history_available():
    hour = timedelta(hours=1)
    assert resolve_season("auto", timedelta(days=1), hour) == "none"
    assert resolve_season("auto", timedelta(days=9), hour) == "hour_of_day"
    assert resolve_season("auto", timedelta(days=28), hour) == "hour_of_week"
    assert resolve_season("none", timedelta(days=28), hour) == "none"


def test_seasonal_detector_flags_the_storm_with_nine_days_of_history():
    frame = brand_frame(1, 40, 0.2, storm=True)
    detector = SeasonalDetector(DetectorParams(metric="negative", warmup=timedelta(days=3)))
    result = detector.assess(frame[frame.index <= STORM[0]])
    assert result.anomalous and result.reason == "anomalous" and result.direction == "up"
    assert result.value > 3 * result.expected
    assert result.detail["season"] == "hour_of_day"
    back = result.from_dict(result.to_dict())
    assert back == result


@pytest.mark.parametrize("seed", range(6))
def test_seasonal_detector_stays_quiet_on_calm_brands(seed):
    frame = brand_frame(100 + seed, 30, 0.15)
    scan = detector_scan(SeasonalDetector(DetectorParams(metric="negative", warmup=timedelta(days=3))), frame)
    assert not scan["anomalous"].any(), scan[scan["anomalous"]]
    assert (scan["reason"] == "warmup").sum() == 72     # the first three days


def test_guards_block_thin_or_small_changes():
    frame = brand_frame(3, 40, 0.2, storm=True)
    at = frame[frame.index <= STORM[0]]
    strict = SeasonalDetector(DetectorParams(metric="negative", min_volume=1000)).assess(at)
    assert not strict.anomalous and strict.reason == "low_volume"
    ratio = SeasonalDetector(DetectorParams(metric="negative", min_ratio=50)).assess(at)
    assert not ratio.anomalous and ratio.reason == "small_change"
    early = SeasonalDetector(DetectorParams(metric="negative")).assess(frame.iloc[:30])
    assert early.reason == "warmup" and early.expected is None


def test_negative_share_uses_a_quasi_binomial_test():
    frame = brand_frame(4, 60, 0.2)
    stormy = frame.copy()
    at = pd.Timestamp("2025-03-10 14:00", tz="UTC")
    stormy.loc[at, "negative"] = int(stormy.loc[at, "volume"] * 0.7)
    stormy["negative_share"] = stormy["negative"] / stormy["volume"]
    detector = SeasonalDetector(DetectorParams(metric="negative_share"))
    result = detector.assess(stormy[stormy.index <= at])
    assert result.anomalous and 0.15 < result.expected < 0.25
    assert not detector.assess(frame[frame.index <= at]).anomalous


def test_net_sentiment_alerts_on_a_drop_weighted_by_volume():
    frame = brand_frame(5, 60, 0.2)
    at = pd.Timestamp("2025-03-10 14:00", tz="UTC")
    frame.loc[at, "net_sentiment"] = -0.5
    detector = SeasonalDetector(DetectorParams(metric="net_sentiment", direction="down"))
    result = detector.assess(frame[frame.index <= at])
    assert result.anomalous and result.direction == "down"


def test_online_detector_flags_the_storm_and_round_trips_its_state():
    frame = brand_frame(1, 40, 0.2, storm=True)
    detector = OnlineSeasonalDetector(DetectorParams(metric="negative"))
    state = OnlineSeasonalState()
    flagged = []
    for moment, row in frame.iterrows():
        state = OnlineSeasonalState.from_dict(state.to_dict())   # as if persisted between buckets
        state, result = detector.update(state, moment, row.to_dict())
        if result.anomalous:
            flagged.append(moment)
    assert flagged and all(STORM[0] <= m < STORM[1] for m in flagged)
    assert flagged[0] == STORM[0]
    with pytest.raises(ValueError):
        detector.update(state, frame.index[0], frame.iloc[0].to_dict())


def test_online_detector_is_quiet_on_a_calm_brand():
    frame = brand_frame(7, 30, 0.15)
    detector = OnlineSeasonalDetector(DetectorParams(metric="negative"))
    state = OnlineSeasonalState()
    for moment, row in frame.iterrows():
        state, result = detector.update(state, moment, row.to_dict())
        assert not result.anomalous, result


def test_envelope_detector_scores_new_extremes_once_per_event():
    rng = np.random.default_rng(0)
    values = rng.normal(10, 1, 600)
    values[400:420] += 12          # a level shift of 20 points
    scores = EnvelopeDetector(EnvelopeParams(period=None, warmup=100, records=25)).run(values)
    assert scores[:100].sum() == 0
    assert scores[400] > 0 and scores[400] == scores.max()
    assert np.count_nonzero(scores[401:420]) <= 2          # records suppression: one alert per event


def test_envelope_score_is_the_norm_of_the_components_that_agree():
    rng = np.random.default_rng(2)
    values = rng.normal(10, 1, 600)
    values[400] += 40              # beyond the envelope of the values and of their short mean
    params = EnvelopeParams(period=None, warmup=100, records=25, w_local=0.0)
    both = EnvelopeDetector(params).run(values)[400]
    value_only = EnvelopeDetector(replace(params, w_mean=0.0)).run(values)[400]
    mean_only = EnvelopeDetector(replace(params, w_value=0.0)).run(values)[400]
    assert value_only > 0 and mean_only > 0
    assert both == pytest.approx(math.hypot(value_only, mean_only))


def test_envelope_detector_state_round_trip_continues_identically():
    rng = np.random.default_rng(1)
    values = np.sin(np.arange(800) * 2 * np.pi / 24) * 5 + rng.normal(0, 0.5, 800)
    values[700] += 8
    params = EnvelopeParams(period=24, warmup=120, records=20)
    whole = EnvelopeDetector(params).run(values)
    first = EnvelopeDetector(params)
    head = first.run(values[:500])
    resumed = EnvelopeDetector.from_state(first.state())
    tail = resumed.run(values[500:])
    assert np.allclose(np.concatenate([head, tail]), whole)
    assert whole[700] > 0


def test_envelope_period_from_the_sampling_interval():
    index = pd.date_range("2025-01-01", periods=50, freq="5min", tz="UTC")
    assert envelope_period(index) == 288
    assert envelope_period(pd.date_range("2025-01-01", periods=5, freq="D")) is None


def test_novelty_rule_detector_judges_the_last_bucket():
    frame = brand_frame(2, 40, 0.2, storm=True)
    detector = NoveltyRuleDetector(DetectorParams(metric="negative", threshold=0.05, min_ratio=1.5))
    assert detector.assess(frame[frame.index <= STORM[0]]).anomalous
    assert not detector.assess(frame[frame.index <= pd.Timestamp("2025-03-08 14:00", tz="UTC")]).anomalous
