"""The mention-count generator behind `python -m benchmarks mentions`: deterministic per seed, shaped
like NAB's tweet-volume files, with labelled bursts and NAB-style windows, and a held-out part that
shares no seed with the dev part."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.mention_bench import detections_at
from benchmarks.mention_series import DEV_SEEDS, HELD_OUT_SEEDS, POINTS, generate


def test_a_seed_always_gives_the_same_series():
    first, again = generate(7), generate(7)
    assert first.counts.equals(again.counts) and first.bursts == again.bursts
    assert not generate(8).counts.equals(first.counts)


def test_series_look_like_nab_tweet_volumes():
    series = generate(3)
    assert len(series.counts) == POINTS
    assert (series.counts.index[1] - series.counts.index[0]).total_seconds() == 300
    assert (series.counts >= 0).all() and series.counts.dtype.kind == "i"
    hourly = series.counts.groupby(series.counts.index.hour).mean()
    assert hourly.max() > 1.2 * hourly.min(), "a daily cycle"


def test_windows_are_a_tenth_of_the_file_centred_on_each_burst():
    for seed in range(6):
        series = generate(seed)
        width = int(0.1 * POINTS / len(series.bursts))
        for onset, _, _ in series.bursts:
            (left, right), = [(lo, hi) for lo, hi in series.windows if lo <= onset <= hi]
            assert right - left + 1 >= min(width, POINTS - left)   # merged windows only grow
        assert sum(right - left + 1 for left, right in series.windows) <= 0.1 * POINTS + len(series.bursts)


def test_bursts_rise_above_their_surroundings():
    series = generate(5)
    values = series.counts.to_numpy(dtype=float)
    for onset, length, _ in series.bursts:
        before = values[max(0, onset - 288):onset].mean()
        assert values[onset:onset + max(length, 2)].max() > 1.5 * before


def test_dev_and_held_out_seeds_do_not_overlap():
    assert not set(DEV_SEEDS) & set(HELD_OUT_SEEDS)


def test_an_alert_counts_at_the_first_row_at_or_after_its_detection():
    stamps = np.array(["2025-03-01T00:00", "2025-03-01T00:05", "2025-03-01T00:10"], dtype="datetime64[ns]")
    flags = detections_at(stamps, [pd.Timestamp("2025-03-01 00:03", tz="UTC").to_pydatetime(),
                                   pd.Timestamp("2025-03-01 00:20", tz="UTC").to_pydatetime()])
    assert flags.tolist() == [False, True, False]
