"""A seeded generator of realistic mention-count series with labelled bursts, in NAB's shape.

Each series is 5-minute counts of posts naming a brand over about 55 days (15,840 points, the length
of NAB's tweet-volume files), built from what such counts look like:

* a brand level from quiet (well under one post a bucket) to busy (over a hundred), with a slow trend;
* a diurnal cycle (one or two harmonics, peak hour varying by brand) and a weekend dip;
* over-dispersion: an hour-to-hour log-normal wobble (AR(1)) on top of Poisson counts;
* permanent level shifts (unlabelled: a brand that becomes more talked about is news once, not forever);
* collection outages (runs of zeros), half of them followed by a catch-up dump of the missed posts
  (unlabelled: an outage is not a burst);
* small unlabelled blips (a viral reply, a bot): short, modest bumps every few days, and single
  5-minute spikes of heavy-tailed size (a retweet storm) a few times a week;
* labelled bursts: a fast rise then an exponential decay, 20 minutes to 12 hours long, 2x to 40x the
  usual rate at their peak, and some of them a smaller burst within days after a bigger one.

Windows follow NAB: 10% of the file length split evenly over the bursts, centred on each onset.
Dev seeds are for tuning; held-out seeds (:data:`HELD_OUT_SEEDS`) are only ever scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

POINTS = 15_840
INTERVAL = pd.Timedelta(minutes=5)
PER_HOUR = 12
DEV_SEEDS = range(0, 40)
HELD_OUT_SEEDS = range(10_000, 10_040)
WINDOW_FRACTION = 0.10


@dataclass
class MentionSeries:
    """One generated series: 5-minute counts and its labelled bursts (onset row, rows, peak factor)."""

    name: str
    counts: pd.Series
    bursts: list[tuple[int, int, float]] = field(default_factory=list)

    @property
    def windows(self) -> list[tuple[int, int]]:
        """NAB windows as inclusive row pairs: 10% of the length over the bursts, centred on onsets."""
        if not self.bursts:
            return []
        width = int(WINDOW_FRACTION * len(self.counts) / len(self.bursts))
        out = []
        for onset, _, _ in sorted(self.bursts):
            left = max(0, onset - width // 2)
            out.append((left, min(len(self.counts) - 1, left + width - 1)))
        return _merge(out)


def _merge(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for left, right in windows:
        if merged and left <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], right))
        else:
            merged.append((left, right))
    return merged


def _diurnal(rng: np.random.Generator, hours: np.ndarray) -> np.ndarray:
    peak = rng.uniform(12, 20)
    depth = rng.uniform(0.2, 0.8)
    second = rng.uniform(0, 0.25)
    shape = 1 + depth * np.cos(2 * np.pi * (hours - peak) / 24) + second * np.cos(4 * np.pi * (hours - peak) / 24)
    return np.maximum(shape, 0.05)


def _wobble(rng: np.random.Generator, hours_total: int, sigma: float) -> np.ndarray:
    """Hourly AR(1) log-noise, repeated over the hour's 5-minute points."""
    phi = 0.6
    eps = rng.normal(0, sigma * np.sqrt(1 - phi**2), hours_total)
    out = np.empty(hours_total)
    out[0] = rng.normal(0, sigma)
    for i in range(1, hours_total):
        out[i] = phi * out[i - 1] + eps[i]
    return np.repeat(out, PER_HOUR)


def _level_shifts(rng: np.random.Generator, n: int) -> np.ndarray:
    factor = np.ones(n)
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        at = int(rng.uniform(0.2, 0.9) * n)
        factor[at:] *= rng.choice([rng.uniform(0.55, 0.85), rng.uniform(1.2, 1.7)])
    return factor


def _burst_shape(rng: np.random.Generator, n: int, onset: int, length: int, peak: float) -> np.ndarray:
    rise = max(1, int(rng.uniform(0.05, 0.3) * length))
    t = np.arange(length)
    shape = np.where(t < rise, (t + 1) / rise, np.exp(-3.0 * (t - rise) / max(length - rise, 1)))
    out = np.zeros(n)
    end = min(n, onset + length)
    out[onset:end] = (peak - 1) * shape[: end - onset]
    return out


def _burst_plan(rng: np.random.Generator, n: int, start: int) -> list[tuple[int, int, float]]:
    """(onset, length in points, peak factor) for 1-4 labelled bursts, spaced at least two days apart;
    a third of the series put a smaller burst 1-5 days after the biggest."""
    count = int(rng.choice([1, 2, 2, 3, 3, 4]))
    plan: list[tuple[int, int, float]] = []
    for _ in range(200):
        if len(plan) == count:
            break
        onset = int(rng.uniform(start, n - 12 * PER_HOUR))
        if all(abs(onset - o) > 2 * 24 * PER_HOUR for o, _, _ in plan):
            plan.append((onset, int(rng.uniform(4, 144)), float(np.exp(rng.uniform(np.log(2.5), np.log(40))))))
    if plan and rng.random() < 0.35:
        onset, length, peak = max(plan, key=lambda b: b[2])
        after = onset + length + int(rng.uniform(1, 5) * 24 * PER_HOUR)
        if after < n - 12 * PER_HOUR and all(abs(after - o) > 24 * PER_HOUR for o, _, _ in plan if o != onset):
            plan.append((after, int(rng.uniform(4, 96)), max(2.5, peak * rng.uniform(0.15, 0.5))))
    return sorted(plan)


def _outages(rng: np.random.Generator, counts: np.ndarray, start: int, taken: list[tuple[int, int, float]]) -> None:
    n = len(counts)
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        at = int(rng.uniform(start, n - 24 * PER_HOUR))
        if any(abs(at - o) < 24 * PER_HOUR for o, _, _ in taken):
            continue
        length = int(rng.uniform(1, 8) * PER_HOUR)
        missed = counts[at:at + length].sum()
        counts[at:at + length] = 0
        if rng.random() < 0.5:  # the collector catches up: the missed posts land in the next 15-30 minutes
            spread = int(rng.integers(3, 7))
            counts[at + length:at + length + spread] += rng.multinomial(missed, np.ones(spread) / spread)


def generate(seed: int, points: int = POINTS) -> MentionSeries:
    """One series for ``seed`` (deterministic)."""
    rng = np.random.default_rng(seed)
    start_day = pd.Timestamp("2015-02-26", tz="UTC") + pd.Timedelta(days=int(rng.integers(0, 365)))
    index = pd.date_range(start_day, periods=points, freq=INTERVAL)
    hours = index.hour.to_numpy() + index.minute.to_numpy() / 60
    base = float(np.exp(rng.uniform(np.log(0.4), np.log(120))))
    trend = np.exp(rng.uniform(-0.4, 0.4) * np.linspace(0, 1, points))
    weekend = np.where(index.day_of_week.to_numpy() >= 5, rng.uniform(0.6, 1.0), 1.0)
    rate = base * trend * _diurnal(rng, hours) * weekend * _level_shifts(rng, points)
    rate *= np.exp(_wobble(rng, points // PER_HOUR + 1, rng.uniform(0.05, 0.3))[:points])
    probation = min(int(0.15 * points), 750)
    plan = _burst_plan(rng, points, probation + 12 * PER_HOUR)
    bump = np.zeros(points)
    for onset, length, peak in plan:
        bump += _burst_shape(rng, points, onset, length, peak)
    for _ in range(int(rng.integers(3, 12))):  # unlabelled blips
        at = int(rng.uniform(0, points - 12))
        if all(abs(at - o) > 24 * PER_HOUR for o, _, _ in plan):
            bump += _burst_shape(rng, points, at, int(rng.integers(2, 12)), rng.uniform(1.5, 3.0))
    for at in rng.integers(0, points, int(rng.integers(5, 25))):  # unlabelled one-bucket retweet storms
        if all(abs(int(at) - o) > 24 * PER_HOUR for o, _, _ in plan):
            bump[at] += 2.0 * (rng.pareto(1.5) + 1.0)
    counts = rng.poisson(rate * (1 + bump)).astype(np.int64)
    _outages(rng, counts, probation, plan)
    return MentionSeries(name=f"mentions_{seed}", counts=pd.Series(counts, index=index, name="value"), bursts=plan)


def corpus(seeds: range) -> list[MentionSeries]:
    return [generate(seed) for seed in seeds]
