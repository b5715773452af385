"""NAB scoring checked against small cases computed by hand.

The toy file: 20 rows, so the probationary period is floor(0.15 * 20) = 3 rows; one window over rows
10..13 (width 4). S(x) = 2 / (1 + exp(5x)) - 1 and S(-1) = 0.98661 (the left edge's weight).
"""

from __future__ import annotations

import json
import math
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from benchmarks import nab_score
from benchmarks.nab import scoring
from brandpulse.alerts.config import RuleConfig
from brandpulse.alerts.detector_base import DetectorParams
from brandpulse.alerts.envelope import (
    NAB_CHOICE,
    NAB_STANDARD_THRESHOLD,
    EnvelopeDetector,
    EnvelopeParams,
    NoveltyRuleDetector,
    nab_envelope,
)

STANDARD = scoring.PROFILES["standard"]
LOW_FN = scoring.PROFILES["reward_low_FN_rate"]


def toy(windows=((10, 13),), rows=20) -> scoring.DataFile:
    stamps = np.arange(np.datetime64("2024-01-01T00:00"), np.datetime64("2024-01-01T00:00") + rows,
                       dtype="datetime64[m]").astype("datetime64[ns]")
    return scoring.DataFile("toy.csv", stamps, np.zeros(rows), list(windows))


def detections(*rows: int, n: int = 20) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[list(rows)] = True
    return out


def test_scaled_sigmoid_reference_points():
    assert scoring.scaled_sigmoid(-1.0) == pytest.approx(0.98661, abs=1e-5)
    assert scoring.scaled_sigmoid(-0.5) == pytest.approx(0.84828, abs=1e-5)
    assert scoring.scaled_sigmoid(0.0) == 0.0
    assert scoring.scaled_sigmoid(1.0) == pytest.approx(-0.98661, abs=1e-5)
    assert scoring.scaled_sigmoid(3.0) == -1.0


def test_probationary_length_is_15_percent_capped_at_750():
    assert scoring.probationary_length(20) == 3
    assert scoring.probationary_length(4032) == 604
    assert scoring.probationary_length(22695) == 750


def test_detection_on_the_left_edge_earns_the_full_true_positive_weight():
    result = scoring.score_detections(toy(), detections(10), STANDARD)
    assert result.raw == pytest.approx(1.0)
    assert (result.detected, result.missed, result.false_positives) == (1, 0, 0)
    assert scoring.normalise(result.raw, 1, STANDARD) == pytest.approx(100.0)


def test_detection_on_the_right_edge_earns_s_of_minus_a_quarter():
    # position -(13 - 13 + 1) / 4 = -0.25; S(-0.25) / S(-1) = 0.554600 / 0.986614 = 0.562124
    result = scoring.score_detections(toy(), detections(13), STANDARD)
    assert result.raw == pytest.approx(0.5621241, abs=1e-6)


def test_only_the_earliest_detection_in_a_window_counts():
    result = scoring.score_detections(toy(), detections(11, 12, 13), STANDARD)
    # position of row 11: -(13 - 11 + 1) / 4 = -0.75; S(-0.75) / S(-1) = 0.966989
    assert result.raw == pytest.approx(0.9669891, abs=1e-6)
    assert result.first_detections == [11]


def test_missed_window_costs_the_false_negative_weight():
    assert scoring.score_detections(toy(), detections(), STANDARD).raw == -1.0
    assert scoring.score_detections(toy(), detections(), LOW_FN).raw == -2.0
    assert scoring.normalise(-1.0, 1, STANDARD) == 0.0


def test_false_positive_before_any_window_costs_the_full_fp_weight():
    result = scoring.score_detections(toy(), detections(5, 10), STANDARD)
    assert result.raw == pytest.approx(1.0 - 0.11)
    assert result.false_positives == 1


def test_false_positive_after_a_window_costs_less_the_closer_it_is():
    # row 15: distance (15 - 13) / (4 - 1) = 2/3; S(2/3) = -0.931109; times 0.11 = -0.102422
    result = scoring.score_detections(toy(), detections(10, 15), STANDARD)
    assert result.raw == pytest.approx(1.0 - 0.1024221, abs=1e-6)
    just_after = scoring.score_detections(toy(), detections(10, 14), STANDARD).raw
    far_after = scoring.score_detections(toy(), detections(10, 19), STANDARD).raw
    assert 1.0 - 0.11 < far_after < just_after < 1.0


def test_detections_in_the_probationary_period_are_ignored():
    assert scoring.score_detections(toy(), detections(0, 1, 2), STANDARD).raw == -1.0


def test_sweep_finds_the_best_threshold_like_nab():
    f = toy()
    scores = np.zeros(20)
    scores[5], scores[11], scores[15] = 0.9, 0.8, 0.95
    sweep = scoring.sweep([f], [scores], STANDARD)
    # thresholds from high to low: nothing (-1); row 15 (-1 - 0.102422); + row 5 (-0.11);
    # + row 11 inside the window (-1 -> 0.966989); + every other row at 0 (14 more FPs)
    assert list(sweep.thresholds[:4]) == [math.inf, 0.95, 0.9, 0.8]
    assert sweep.raw[0] == -1.0
    assert sweep.raw[1] == pytest.approx(-1.1024221, abs=1e-6)
    assert sweep.raw[2] == pytest.approx(-1.2124221, abs=1e-6)
    assert sweep.raw[3] == pytest.approx(0.7545670, abs=1e-6)
    threshold, raw = sweep.best()
    assert threshold == 0.8 and raw == pytest.approx(0.7545670, abs=1e-6)
    # and the sweep agrees with scoring the thresholded detections directly
    for t, r in zip(sweep.thresholds[1:], sweep.raw[1:], strict=True):
        assert scoring.score_detections(f, scores >= t, STANDARD).raw == pytest.approx(r)


def test_sweep_over_two_files_adds_them_up_and_normalises_per_window():
    a, b = toy(), toy(windows=((5, 8), (14, 17)))
    scores_a, scores_b = np.zeros(20), np.zeros(20)
    scores_a[10] = 1.0          # left edge of a's window
    scores_b[5] = 1.0           # left edge of b's first window; b's second is missed
    sweep = scoring.sweep([a, b], [scores_a, scores_b], STANDARD)
    threshold, raw = sweep.best()
    assert sweep.window_count == 3
    assert threshold == 1.0 and raw == pytest.approx(1.0 + 1.0 - 1.0)
    # null = -3, perfect = 3: 100 * (1 + 3) / 6
    assert scoring.normalise(raw, 3, STANDARD) == pytest.approx(66.6667, abs=1e-3)


def test_window_limits_are_matched_to_timestamps_with_nab_suffix():
    f = toy()
    limits = [["2024-01-01 00:10:00.000000", "2024-01-01 00:13:00.000000"]]
    assert scoring.window_indices(f.timestamps, limits) == [(10, 13)]
    with pytest.raises(ValueError):
        scoring.window_indices(f.timestamps, [["2024-01-01 00:10:30", "2024-01-01 00:13:00"]])


def test_benchmark_vectorised_scores_equal_the_online_detector():
    rng = np.random.default_rng(3)
    n = 3000
    stamps = (np.datetime64("2024-01-01T00:00") + np.arange(n) * np.timedelta64(5, "m")).astype("datetime64[ns]")
    values = 10 + 3 * np.sin(np.arange(n) * 2 * np.pi / 288) + rng.normal(0, 0.5, n)
    values[2000:2050] += 6
    f = scoring.DataFile("synthetic.csv", stamps, values, [(1900, 2100)])
    parts = nab_score.components(f)
    overrides = {"w_mean": 1.5, "w_season": 0.7, "w_local": 0.3, "records_fraction": 0.1, "age_exponent": 0.5}
    online = EnvelopeDetector(nab_score.file_params(f, **overrides)).run(values)
    assert np.allclose(nab_score.combine(parts, nab_score.file_params(f, **overrides)), online)
    assert online[2000:2100].max() == online[450:].max() > 0


@pytest.mark.slow
def test_nab_benchmark_end_to_end(tmp_path):
    if not (nab_score.DEFAULT_DATA / "combined_windows.json").exists():
        pytest.skip(f"the NAB corpus is not in {nab_score.DEFAULT_DATA} (set BRANDPULSE_DATA)")
    out = tmp_path / "nab.json"
    assert nab_score.main(["--json", str(out)]) == 0
    results = json.loads(out.read_text())
    standard = next(r for r in results["profiles"] if r["profile"] == "standard")
    assert standard["all"] >= 70.0 and standard["all_nab"] >= 70.0 and standard["B"] >= 68.0
    assert results["production_differences"] == [], "brandpulse.alerts.envelope.NAB_CHOICE is what half A chose"
    by_name = {row["sensitivity"]: row for row in results["sensitivities"]}
    assert by_name["high"]["false_positives"] > by_name["medium"]["false_positives"] \
        > by_name["low"]["false_positives"]


def test_the_novelty_rule_detector_runs_what_the_benchmark_measured():
    """The benchmark's parameters for a file, with the choice kept in alerts.envelope, are the ones
    the ``novelty`` rule detector builds; its medium sensitivity is the threshold chosen on NAB."""
    stamps = (np.datetime64("2024-01-01T00:00") + np.arange(2000) * np.timedelta64(1, "h")).astype("datetime64[ns]")
    f = scoring.DataFile("hourly.csv", stamps, np.ones(2000), [])
    assert nab_score.file_params(f, **NAB_CHOICE) == nab_envelope(*nab_score.file_shape(f))
    assert nab_envelope(24, 72) == EnvelopeParams(period=24, warmup=72, records=3, w_mean=1.0, w_season=0.7,
                                                  w_local=0.0, age_exponent=1.0)
    novelty = {name: RuleConfig(name="Spike", detector="novelty", sensitivity=name).threshold
               for name in ("high", "medium", "low")}
    assert novelty == {"high": NAB_STANDARD_THRESHOLD / 2, "medium": NAB_STANDARD_THRESHOLD,
                       "low": 2 * NAB_STANDARD_THRESHOLD}

    index = pd.date_range("2025-03-01", periods=24 * 10, freq="h", tz="UTC")
    counts = pd.Series(20 + 5 * np.sin(np.arange(len(index)) * 2 * np.pi / 24), index=index).round()
    counts.iloc[-1] = 60
    rule = DetectorParams(metric="negative", threshold=NAB_STANDARD_THRESHOLD, warmup=timedelta(days=3))
    verdict = NoveltyRuleDetector(rule).assess(counts)
    expected = EnvelopeDetector(nab_envelope(24, 72, "up")).run(counts.to_numpy())[-1]
    assert verdict.anomalous and verdict.score == pytest.approx(expected)
