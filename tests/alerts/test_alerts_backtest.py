"""Backtests: a CSV series read with clear errors, summed into the service's buckets (gaps are missing,
not zeros), and replayed through alerts.engine.evaluate so that it raises exactly what the service
would have raised, bucket by bucket."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from brandpulse.alerts.backtest import SeriesError, read_series, replay, rules_for, series_backtest, to_buckets
from brandpulse.alerts.backtest_report import plot, summary, write_csv
from brandpulse.alerts.config import AlertsConfig
from brandpulse.alerts.engine import evaluate
from tests.alerts.alerts_synthetic import STORM, brand_frame


def write(tmp_path, text: str):
    path = tmp_path / "series.csv"
    path.write_text(text, encoding="utf-8")
    return path


def five_minute_csv(tmp_path, days: int = 6, spike_at: str | None = None):
    rng = np.random.default_rng(3)
    index = pd.date_range("2025-03-01", periods=288 * days, freq="5min")
    values = rng.poisson(4 + 3 * np.sin(2 * np.pi * index.hour.to_numpy() / 24))
    if spike_at:
        spike = (index >= pd.Timestamp(spike_at)) & (index < pd.Timestamp(spike_at) + pd.Timedelta(hours=2))
        values[spike] += 40
    path = tmp_path / "acme.csv"
    pd.Series(values, index=index.rename("timestamp"), name="value").to_csv(path)
    return path


def test_naive_timestamps_are_utc_and_empty_values_missing(tmp_path):
    series = read_series(write(tmp_path, "timestamp,value\n2025-03-01 00:00,3\n2025-03-01 00:05,\n"
                                         "2025-03-01T01:10:00+01:00,4\n"))
    assert str(series.index.tz) == "UTC"
    assert series.index[2] == pd.Timestamp("2025-03-01 00:10", tz="UTC")
    assert np.isnan(series.iloc[1])


@pytest.mark.parametrize(("text", "message"), [
    ("time,count\n2025-03-01,3\n", "needs the columns timestamp,value (missing timestamp, value"),
    ("timestamp,value\n2025-03-01 00:00,3\nyesterday,4\n", "row 3: unparseable timestamp 'yesterday'"),
    ("timestamp,value\n2025-03-01 00:05,3\n2025-03-01 00:00,4\n",
     "row 3: timestamp 2025-03-01 00:00:00+00:00 goes back"),
    ("timestamp,value\n2025-03-01 00:00,3\n2025-03-01 00:00,4\n", "row 3: timestamp 2025-03-01 00:00:00+00:00 repeats"),
    ("timestamp,value\n2025-03-01 00:00,three\n", "row 2: value 'three' is not a number"),
    ("timestamp,value\n2025-03-01 00:00,-2\n", "row 2: negative count '-2'"),
    ("timestamp,value\n", "no data rows"),
])
def test_bad_series_get_an_error_naming_the_row(tmp_path, text, message):
    with pytest.raises(SeriesError, match=message.replace("(", r"\(").replace("+", r"\+")):
        read_series(write(tmp_path, text))


def test_a_missing_file_is_a_series_error(tmp_path):
    with pytest.raises(SeriesError, match="no such file"):
        read_series(tmp_path / "nope.csv")


def test_buckets_sum_rows_keep_gaps_missing_and_scale_partial_buckets():
    index = pd.date_range("2025-03-01", periods=36, freq="5min", tz="UTC")
    series = pd.Series(1.0, index=index)
    series = series.drop(index[14:24])                  # 10 of the second hour's 12 rows are gone
    series = series.drop(index[24:36])                  # and the whole third hour
    series = pd.concat([series, pd.Series([2.0], index=[pd.Timestamp("2025-03-01 03:00", tz="UTC")])])
    buckets = to_buckets(series, timedelta(hours=1))
    assert buckets.iloc[0] == 12
    assert buckets.iloc[1] == pytest.approx(12)         # 2 rows seen, scaled to the hour's 12
    assert np.isnan(buckets.iloc[2])                    # no row at all: missing, not zero
    assert buckets.iloc[3] == 24


def test_buckets_refuse_a_series_coarser_than_the_bucket():
    series = pd.Series(1.0, index=pd.date_range("2025-03-01", periods=5, freq="2h", tz="UTC"))
    with pytest.raises(SeriesError, match="longer than the alert bucket"):
        to_buckets(series, timedelta(hours=1))


def test_replay_raises_what_the_service_raises_tick_by_tick():
    frame = brand_frame(seed=4, base=60, share=0.2, storm=True)
    config = AlertsConfig()
    result = replay(config, {"acme": frame})
    # the service: evaluate at the end of every bucket with all the history stored so far
    book, fired = None, []
    for moment in frame.index:
        now = moment + timedelta(hours=1)
        evaluation = evaluate(config, {"acme": frame[frame.index <= moment]}, book, now)
        book = evaluation.state
        fired += [event.at for event in evaluation.events if event.kind == "firing"]
    assert [alert.detected_at for alert in result.alerts] == fired
    assert any(STORM[0] <= alert.starts_at < STORM[1] for alert in result.alerts)


def test_a_csv_backtest_finds_the_spike_and_reports_it(tmp_path):
    path = five_minute_csv(tmp_path, spike_at="2025-03-05 13:00")
    result = series_backtest(AlertsConfig(), path, "negative", "acme")
    assert result.buckets == 6 * 24
    (alert,) = result.alerts
    assert alert.starts_at == pd.Timestamp("2025-03-05 13:00", tz="UTC")
    assert alert.detected_at == pd.Timestamp("2025-03-05 14:00", tz="UTC")
    out = tmp_path / "alerts.csv"
    write_csv(result.alerts, out)
    table = pd.read_csv(out)
    assert list(table.columns) == ["rule", "brand", "starts_at", "detected_at", "ends_at", "peak_value", "score"]
    assert table.loc[0, "detected_at"] == "2025-03-05T14:00:00+00:00"
    assert summary(result)[0]["alerts"] == 1
    plot(result, tmp_path / "plot.png", "negative")
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plot(result, tmp_path / "plot.html", "negative")
    assert "2025-03-05T14:00:00+00:00" in (tmp_path / "plot.html").read_text()


def test_rules_for_picks_by_metric_and_name_and_overrides_sensitivity():
    config = AlertsConfig(rules=[{"name": "Neg"}, {"name": "Vol", "metric": "volume", "sensitivity": "low"}])
    chosen = rules_for(config, metric="volume", sensitivity="high")
    assert [(r.name, r.sensitivity) for r in chosen.rules] == [("Vol", "high")]
    with pytest.raises(SeriesError, match=r"no alert rule with metric negative and name Vol \(configured: Neg"):
        rules_for(config, metric="negative", names=["Vol"])


def test_an_alert_held_by_for_starts_at_its_first_bucket_and_counts_its_pending_peak():
    frame = brand_frame(seed=4, base=60, share=0.2, storm=True)
    config = AlertsConfig(rules=[{"name": "NegativeSpike", "for": "2h", "keep_firing_for": "2h"}])
    (alert,) = replay(config, {"acme": frame}).alerts
    assert alert.detected_at - alert.starts_at == timedelta(hours=3)   # pending 2h, fired at the end of the third
    assert alert.peak_value >= frame["negative"][alert.starts_at]
    assert alert.peak_value == frame["negative"][alert.starts_at:alert.ends_at - timedelta(hours=3)].max()
