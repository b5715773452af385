"""The default spike detector for mention counts (``detector: burst``), online and O(1) per bucket.

Mention counts are bursty, over-dispersed, follow the clock and the week, trend, shift level, go
quiet, and now and then the collector is down. The detector models a bucket's count as negative
binomial around ``level x hour-of-day factor x day-of-week factor`` and scores the upper tail,
``-log10 P(X >= observed)``. Everything it learns forgets:

* the level is an exponentially weighted mean with a half-life of a day, the daily and weekly
  factors are exponentially weighted too, so a big burst last week does not hide today's smaller one;
* the over-dispersion ``alpha`` (variance ``mu + alpha mu^2``) is an exponentially weighted moment
  estimate over winsorised residuals, so one storm does not make every later one look normal;
* buckets of a burst teach nothing: the baseline is what the brand looks like without the burst.

One alert per burst: a bucket opens a burst when it passes the threshold and the guards (minimum
volume, minimum ratio over the expectation); the following buckets keep it open while they stay
above ``CONTINUE_FRACTION`` of the threshold, and the first bucket below ends it. A burst that lasts
``MAX_BURST`` is a new level, not news: the level is re-anchored on the burst's recent buckets and the
episode ends (``reason = "level_shift"``), so a brand that became more talked about pages once.

Collection outages: a zero where the model gives zero a probability below ``OUTAGE_P`` is an outage
(``reason = "outage"``), neither a drop nor something to learn from; its expected posts become a
deficit that absorbs the surplus of the buckets after it, so a collector's catch-up is not a spike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from alerts import stats
from alerts.detector_base import Assessment, DetectorParams, Judgement, guard_reason, online_rows

DAY = timedelta(days=1)
#: Half-lives of what the detector learns.
LEVEL_HALFLIFE = timedelta(hours=12)
SEASON_RATE = 0.15            # per visit of a slot (daily factors: about a week's memory)
WEEKDAY_RATE = 0.02           # per bucket of that weekday
ALPHA_RATE = 0.01             # per bucket
ALPHA_FLOOR = 0.02            # at least this much extra-Poisson spread (about 14% sd on busy brands)
ALPHA_START = 0.1
#: A burst continues while its buckets score at least this fraction of the threshold.
CONTINUE_FRACTION = 0.35
#: A burst longer than this is a level shift.
MAX_BURST = timedelta(hours=24)
#: A level shift re-anchors the level on the median of the burst's last buckets (the last, not all:
#: a long burst that decays must not leave the level at its peak).
ANCHOR_BUCKETS = 3
#: A zero with less than this probability under the model is a collection outage.
OUTAGE_P = 1e-4
#: Residuals beyond this many standard deviations are clipped before they teach the baseline.
CLIP_SD = 3.0


@dataclass
class BurstState:
    """Everything the detector remembers about one series (JSON-ready via to_dict)."""

    first: str | None = None
    last: str | None = None
    warm: list[list[float]] = field(default_factory=list)   # [slot, weekday, value] before the baseline
    level: float | None = None
    season: list[float] = field(default_factory=list)
    weekday: list[float] = field(default_factory=lambda: [1.0] * 7)
    alpha: float = ALPHA_START
    run: int = 0                                            # buckets of the open burst
    run_values: list[float] = field(default_factory=list)   # their deseasonalised values
    deficit: float = 0.0                                    # posts an outage still owes

    def to_dict(self) -> dict[str, Any]:
        return {name: list(value) if isinstance(value, list) else value for name, value in vars(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> BurstState:
        return cls(**dict(data)) if data else cls()


def _slot(moment: pd.Timestamp, bucket: timedelta) -> int:
    step = max(1, int(bucket.total_seconds()))
    if step >= 86400:
        return 0
    return (moment.hour * 3600 + moment.minute * 60 + moment.second) // step


def _slots_per_day(bucket: timedelta) -> int:
    return max(1, int(DAY / bucket)) if bucket < DAY else 1


def _smooth_circular(values: np.ndarray) -> np.ndarray:
    if len(values) < 3:
        return values
    return 0.25 * np.roll(values, 1) + 0.5 * values + 0.25 * np.roll(values, -1)


class BurstDetector:
    """Negative-binomial burst detector over counts; see the module docstring."""

    def __init__(self, params: DetectorParams):
        self.params = params
        self._level_rate = 1.0 - 0.5 ** (params.bucket / LEVEL_HALFLIFE)
        self._max_run = max(2, int(MAX_BURST / params.bucket))

    # -- the Detector protocol ------------------------------------------------------------------
    def judge(self, frame: pd.DataFrame, at: pd.Timestamp, state: Mapping[str, Any] | None) -> Judgement:
        current = BurstState.from_dict(state)
        assessment = None
        for moment, value in online_rows(frame, self.params, at, current.last):
            current, assessment = self.update(current, moment, value)
        if assessment is None:
            raise ValueError("no new bucket for the burst detector")
        return Judgement(assessment, current.to_dict())

    # -- one bucket -----------------------------------------------------------------------------
    def update(self, state: BurstState, moment: pd.Timestamp, value: float | None) -> tuple[BurstState, Assessment]:
        """Judge one new bucket and fold it in; returns (new state, assessment)."""
        state = replace(state, warm=list(state.warm), season=list(state.season), weekday=list(state.weekday),
                        run_values=list(state.run_values))
        moment = pd.Timestamp(moment)
        when = moment.to_pydatetime()
        if state.last is not None and moment <= pd.Timestamp(state.last):
            raise ValueError(f"bucket {moment} is not after the last one processed ({state.last})")
        state.first = state.first or moment.isoformat()
        state.last = moment.isoformat()
        if value is None:
            return state, _plain(when, None, None, "missing")
        slot, day = _slot(moment, self.params.bucket), moment.day_of_week
        if state.level is None:
            if moment - pd.Timestamp(state.first) < self.params.warmup:
                state.warm.append([slot, day, value])
                return state, _plain(when, value, None, "warmup")
            self._start(state)
        return state, self._assess(state, when, slot, day, value)

    def _start(self, state: BurstState) -> None:
        """The baseline from the warm-up buckets: their mean, and smoothed, shrunk slot factors."""
        slots = _slots_per_day(self.params.bucket)
        warm = np.array(state.warm, dtype=float).reshape(-1, 3)
        level = max(float(warm[:, 2].mean()) if len(warm) else 0.0, 0.05)
        sums = np.bincount(warm[:, 0].astype(int), weights=warm[:, 2], minlength=slots)[:slots]
        counts = np.bincount(warm[:, 0].astype(int), minlength=slots)[:slots]
        factors = (sums / level + 1.0) / (counts + 1.0)          # one pseudo-observation of 1.0 per slot
        factors = _smooth_circular(factors)
        state.season = [float(f) for f in factors / max(factors.mean(), 1e-9)]
        state.level, state.warm = level, []

    def _expected(self, state: BurstState, slot: int, day: int) -> float:
        return max(float(state.level or 0.0) * state.season[slot] * state.weekday[day], 0.05)

    def _assess(self, state: BurstState, when: datetime, slot: int, day: int, value: float) -> Assessment:
        p = self.params
        mu = self._expected(state, slot, day)
        alpha = max(state.alpha, ALPHA_FLOOR)
        if value <= 0 and stats.negbin_pmf0(mu, alpha) < OUTAGE_P:
            state.deficit += mu
            state.run, state.run_values = 0, []
            return _plain(when, value, mu, "outage")
        tested = self._absorb_catch_up(state, value, mu)
        score = stats.negbin_upper(tested, mu, 1.0 / alpha)
        threshold = p.threshold * (CONTINUE_FRACTION if state.run else 1.0)
        blocked = guard_reason(p, tested, mu, None, "up") if not state.run else \
            (None if tested > mu else "small_change")
        anomalous = score >= threshold and blocked is None
        detail = {"alpha": round(alpha, 4), "run": state.run}
        if anomalous:
            return self._in_burst(state, when, value, mu, score, slot, day, detail)
        state.run, state.run_values = 0, []
        self._learn(state, slot, day, value, mu, alpha)
        reason = "normal" if score < threshold else (blocked or "normal")
        return Assessment(timestamp=when, value=value, expected=mu, score=score, anomalous=False, reason=reason,
                          direction="up", detail=detail)

    def _absorb_catch_up(self, state: BurstState, value: float, mu: float) -> float:
        """After an outage, the surplus over the expectation pays its deficit back first."""
        if state.deficit <= 0:
            return value
        absorbed = min(state.deficit, max(0.0, value - mu))
        state.deficit = state.deficit - absorbed if absorbed > 0 else 0.0
        return value - absorbed

    def _in_burst(self, state: BurstState, when: datetime, value: float, mu: float, score: float, slot: int,
                  day: int, detail: dict[str, Any]) -> Assessment:
        state.run += 1
        state.run_values.append(value / max(state.season[slot] * state.weekday[day], 1e-6))
        if state.run < self._max_run:
            return Assessment(timestamp=when, value=value, expected=mu, score=score, anomalous=True,
                              reason="anomalous", direction="up", detail=detail)
        state.level = float(np.median(state.run_values[-ANCHOR_BUCKETS:]))
        state.run, state.run_values = 0, []
        return Assessment(timestamp=when, value=value, expected=mu, score=score, anomalous=False,
                          reason="level_shift", direction="up", detail=detail)

    def _learn(self, state: BurstState, slot: int, day: int, value: float, mu: float, alpha: float) -> None:
        sd = math.sqrt(mu + alpha * mu * mu)
        clipped = min(max(value, mu - CLIP_SD * sd), mu + CLIP_SD * sd)
        level = float(state.level or 0.0)
        season, weekday = state.season[slot], state.weekday[day]
        state.level = max(level + self._level_rate * (clipped / max(season * weekday, 1e-6) - level), 0.01)
        state.season[slot] = season + SEASON_RATE * (clipped / max(level * weekday, 1e-6) - season)
        state.weekday[day] = weekday + WEEKDAY_RATE * (clipped / max(level * season, 1e-6) - weekday)
        for factors in (state.season, state.weekday):
            mean = sum(factors) / len(factors)
            factors[:] = [min(max(f / mean, 0.02), 50.0) for f in factors]
        moment = ((clipped - mu) ** 2 - mu) / (mu * mu)
        cap = CLIP_SD**2 * (mu + alpha * mu * mu) / (mu * mu)
        state.alpha = max(ALPHA_FLOOR / 2, state.alpha + ALPHA_RATE * (min(moment, cap) - state.alpha))


def _plain(when: datetime, value: float | None, expected: float | None, reason: str) -> Assessment:
    return Assessment(timestamp=when, value=value, expected=expected, score=0.0, anomalous=False, reason=reason,
                      direction="up")


