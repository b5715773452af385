"""The default alert rule on generated mention counts, scored with NAB's rules, and the backtest's speed.

1. Quality: every series of benchmarks.mention_series (dev seeds, which tuning looked at, and held-out
   seeds, which it never did) goes through ``alerts.backtest.series_backtest`` exactly as
   ``brandpulse alerts backtest --series F --metric negative --sensitivity S`` runs it with no config
   file (the embedded default rule, hourly buckets); each alert counts at its ``detected_at`` (the first
   5-minute row at or after it), and NAB's scoring (benchmarks/nab/scoring.py) scores the alerts with the
   profile each sensitivity stands for: low = reward_low_FP_rate, medium = standard, high =
   reward_low_FN_rate.
2. Speed: a year of 5-minute counts (105,120 rows) written to CSV, then read, bucketed and replayed
   through the service's evaluation on one core; target under 10 s.

Usage: python -m benchmarks.mention_bench [--jobs 2] [--series 40] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from benchmarks.mention_series import DEV_SEEDS, HELD_OUT_SEEDS, generate
from benchmarks.nab import scoring
from brandpulse.alerts.backtest import rules_for, series_backtest
from brandpulse.alerts.config import AlertsConfig

#: What each sensitivity is tuned for: the NAB profile it maps to.
SENSITIVITY_PROFILES = {"low": "reward_low_FP_rate", "medium": "standard", "high": "reward_low_FN_rate"}
YEAR_POINTS = 365 * 288
SPEED_TARGET_S = 10.0


def detections_at(timestamps: np.ndarray, detected: list) -> np.ndarray:
    """One flag per row: the first row at or after each alert's ``detected_at``."""
    flags = np.zeros(len(timestamps), dtype=bool)
    for moment in detected:
        row = int(np.searchsorted(timestamps, np.datetime64(moment.replace(tzinfo=None), "ns")))
        if row < len(flags):
            flags[row] = True
    return flags


def score_series(job: tuple[int, str]) -> tuple[int, str, dict[str, tuple[float, int, int, int]]]:
    """NAB raw score, windows, detected windows and false positives of one generated series at one
    sensitivity, under every profile."""
    seed, sensitivity = job
    series = generate(seed)
    config = rules_for(AlertsConfig(), metric="negative", sensitivity=sensitivity)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{series.name}.csv"
        series.counts.rename_axis("timestamp").to_csv(path)
        result = series_backtest(config, path, "negative", series.name)
    stamps = series.counts.index.tz_convert(None).as_unit("ns").to_numpy()
    data = scoring.DataFile(series.name, stamps, series.counts.to_numpy(dtype=float), series.windows)
    flags = detections_at(stamps, [alert.detected_at for alert in result.alerts])
    out = {}
    for name, profile in scoring.PROFILES.items():
        file_score = scoring.score_detections(data, flags, profile)
        out[name] = (file_score.raw, file_score.windows, file_score.detected, file_score.false_positives)
    return seed, sensitivity, out


def quality(seeds: dict[str, range], jobs: int) -> list[dict]:
    work = [(seed, sensitivity) for part in seeds.values() for seed in part for sensitivity in SENSITIVITY_PROFILES]
    with multiprocessing.Pool(jobs) as pool:
        results = pool.map(score_series, work)
    rows = []
    for part, part_seeds in seeds.items():
        for sensitivity in SENSITIVITY_PROFILES:
            mine = [out for seed, s, out in results if s == sensitivity and seed in part_seeds]
            row = {"part": part, "sensitivity": sensitivity, "series": len(mine)}
            for name, profile in scoring.PROFILES.items():
                raw = sum(o[name][0] for o in mine)
                windows = sum(o[name][1] for o in mine)
                row[name] = scoring.normalise(raw, windows, profile)
            standard = [o["standard"] for o in mine]
            row.update(windows=sum(s[1] for s in standard), detected=sum(s[2] for s in standard),
                       false_positives=sum(s[3] for s in standard))
            rows.append(row)
    return rows


def speed() -> dict:
    """Seconds to backtest a year of 5-minute counts from CSV with the default rule."""
    series = generate(HELD_OUT_SEEDS[0], points=YEAR_POINTS)
    config = AlertsConfig()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "year.csv"
        series.counts.rename_axis("timestamp").to_csv(path)
        started = time.perf_counter()
        result = series_backtest(config, path, "negative", "year")
        seconds = time.perf_counter() - started
    return {"points": YEAR_POINTS, "buckets": result.buckets, "alerts": len(result.alerts), "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--series", type=int, default=len(DEV_SEEDS), help="series per part (dev, held out)")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    args = parser.parse_args(argv)
    console = Console(width=150)
    seeds = {"dev": DEV_SEEDS[:args.series], "held out": HELD_OUT_SEEDS[:args.series]}
    started = time.perf_counter()
    rows = quality(seeds, args.jobs)
    table = Table("part", "sensitivity", "its profile", "score", "standard", "low FP", "low FN",
                  "windows found", "false positives", title="Default rule on generated mention counts (NAB scores)")
    for row in rows:
        profile = SENSITIVITY_PROFILES[row["sensitivity"]]
        table.add_row(row["part"], row["sensitivity"], profile, f"{row[profile]:.1f}", f"{row['standard']:.1f}",
                      f"{row['reward_low_FP_rate']:.1f}", f"{row['reward_low_FN_rate']:.1f}",
                      f"{row['detected']}/{row['windows']}", str(row["false_positives"]))
    console.print(table)
    console.print(f"quality: {sum(len(s) for s in seeds.values())} series x 3 sensitivities in "
                  f"{time.perf_counter() - started:.0f} s")
    timing = speed()
    verdict = "ok" if timing["seconds"] < SPEED_TARGET_S else "[red]over target[/red]"
    console.print(f"speed: a year of 5-minute counts ({timing['points']:,} rows, {timing['buckets']:,} hourly "
                  f"buckets, {timing['alerts']} alerts) backtested in {timing['seconds']:.1f} s on one core "
                  f"(target < {SPEED_TARGET_S:.0f} s): {verdict}")
    if args.json:
        args.json.write_text(json.dumps({"quality": rows, "speed": timing}, indent=2))
    return 0 if timing["seconds"] < SPEED_TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
