"""The default spike detector for mention counts (``detector: burst``), online and O(1) per bucket.

Mention counts are bursty, over-dispersed, follow the clock and the week, trend, shift level, go
quiet, and now and then the collector is down. The detector models a bucket's count as negative
binomial around ``level x hour-of-day factor x day-of-week factor`` and scores the upper tail,
``-log10 P(X >= observed)``, of the bucket alone or of its sum with the one or two buckets before it,
whichever is stronger (a burst that builds over a few hours shows in the sum first). Everything it learns forgets:

* the level is an exponentially weighted mean with a half-life of a day, the daily and weekly
  factors are exponentially weighted too, so a big burst last week does not hide today's smaller one;
* the over-dispersion ``alpha`` (variance ``mu + alpha mu^2``) is an exponentially weighted moment
  estimate over winsorised residuals, so one storm does not make every later one look normal;
* buckets of a burst teach nothing: the baseline is what the brand looks like without the burst.

One alert per burst: a bucket opens a burst when it passes the threshold and the guards (minimum
volume, minimum ratio over the expectation); the following buckets keep it open while they stay
above ``CONTINUE_FRACTION`` of the threshold; it closes with the ``QUIET_END``-th bucket in a row below
that. A calm bucket is reported calm (the alert resolves then, unless the rule's ``keep_firing_for``
bridges it, as the default rule's two hours do), but until the burst closes it teaches the baseline
nothing and the next bucket is still held to the lower, continuing threshold: one quiet hour inside a
burst, a night hour of a brand in the news, does not start a new burst.

Level shifts: a shadow level follows every bucket, bursts included, with a half-life of
``SHIFT_HALFLIFE``. When it has stayed more than ``SHIFT_RATIO`` away from the baseline level (either
way) for ``MAX_BURST``, the brand has a new level, not news: the level is re-anchored on the median of
the last ``ANCHOR_BUCKETS`` buckets and any open burst ends (``reason = "level_shift"``), so a brand
that became more talked about pages once, and one that became quieter does not go deaf. The anchor is
the last buckets, not the shadow, so that a long burst which decays does not leave the level high.

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

from . import stats
from .detector_base import Assessment, DetectorParams, Judgement, guard_reason, online_rows

DAY = timedelta(days=1)
#: Half-lives of what the detector learns.
LEVEL_HALFLIFE = timedelta(hours=12)
SEASON_RATE = 0.15            # per visit of a slot (daily factors: about a week's memory)
WEEKDAY_RATE = 0.02           # per bucket of that weekday
ALPHA_RATE = 0.01             # per bucket
ALPHA_FLOOR = 0.02            # at least this much extra-Poisson spread (about 14% sd on busy brands)
ALPHA_START = 0.1
ALPHA_HALF_WEIGHT = 10.0      # a bucket expecting this many posts teaches alpha at half the rate
SHAPE_MIN_LEVEL = 0.5         # the daily and weekly factors learn only from a level this high
#: A burst continues while its buckets score at least this fraction of the threshold.
CONTINUE_FRACTION = 0.35
#: The most buckets whose sum is tested together (1: each bucket alone).
WINDOW = 3
#: Buckets below the continuing threshold, in a row, that end a burst.
QUIET_END = 2
#: The shadow level's half-life, how far from the level it must stay, and for how long, to be a shift.
SHIFT_HALFLIFE = timedelta(hours=6)
SHIFT_RATIO = 1.5
MAX_BURST = timedelta(hours=24)
#: A shift re-anchors the level on the median of this many last buckets.
ANCHOR_BUCKETS = 6
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
    quiet: int = 0                                          # its quiet buckets in a row
    shadow: float | None = None                             # level followed through bursts too
    shifted: int = 0                                        # buckets the shadow has been away from the level
    recent: list[float] = field(default_factory=list)       # the last deseasonalised values
    window: list[list[float]] = field(default_factory=list)  # [value, expected] of the last buckets
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
        self._shadow_rate = 1.0 - 0.5 ** (params.bucket / SHIFT_HALFLIFE)
        self._max_shift = max(2, int(MAX_BURST / params.bucket))

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
                        recent=list(state.recent), window=list(state.window))
        moment = pd.Timestamp(moment)
        when = moment.to_pydatetime()
        if state.last is not None and moment <= pd.Timestamp(state.last):
            raise ValueError(f"bucket {moment} is not after the last one processed ({state.last})")
        state.last = moment.isoformat()
        if value is None:
            return state, _plain(when, None, None, "missing")
        if state.first is None and value <= 0:      # before the brand's first mention: not history yet
            return state, _plain(when, value, None, "warmup")
        state.first = state.first or moment.isoformat()
        slot, day = _slot(moment, self.params.bucket), moment.day_of_week
        if state.level is None:
            if moment - pd.Timestamp(state.first) < self.params.warmup:
                state.warm.append([slot, day, value])
                return state, _plain(when, value, None, "warmup")
            self._start(state)
        return state, self._assess(state, when, slot, day, value)

    def _start(self, state: BurstState) -> None:
        """The baseline from the warm-up buckets: their mean, and smoothed, shrunk slot factors, with
        values above three times (the median + 1) cut down to that, so that a burst during the warm-up
        does not become the baseline."""
        slots = _slots_per_day(self.params.bucket)
        warm = np.array(state.warm, dtype=float).reshape(-1, 3)
        values = warm[:, 2]
        if len(values):
            values = np.minimum(values, 3.0 * (float(np.median(values)) + 1.0))
        level = max(float(values.mean()) if len(values) else 0.0, 0.05)
        sums = np.bincount(warm[:, 0].astype(int), weights=values, minlength=slots)[:slots]
        counts = np.bincount(warm[:, 0].astype(int), minlength=slots)[:slots]
        factors = (sums / level + 1.0) / (counts + 1.0)          # one pseudo-observation of 1.0 per slot
        factors = _smooth_circular(factors)
        state.season = [float(f) for f in factors / max(factors.mean(), 1e-9)]
        state.level = state.shadow = level
        state.warm = []

    def _expected(self, state: BurstState, slot: int, day: int) -> float:
        return max(float(state.level or 0.0) * state.season[slot] * state.weekday[day], 0.05)

    def _assess(self, state: BurstState, when: datetime, slot: int, day: int, value: float) -> Assessment:
        p = self.params
        mu = self._expected(state, slot, day)
        alpha = max(state.alpha, ALPHA_FLOOR)
        if value <= 0 and stats.negbin_pmf0(mu, alpha) < OUTAGE_P:
            state.deficit += mu
            return _plain(when, value, mu, "outage")
        tested = self._absorb_catch_up(state, value, mu)
        score = stats.negbin_upper(tested, mu, 1.0 / alpha)
        detail = {"alpha": round(alpha, 4), "run": state.run}
        if self._shifted(state, tested / max(state.season[slot] * state.weekday[day], 1e-6)):
            return Assessment(timestamp=when, value=value, expected=mu, score=score, anomalous=False,
                              reason="level_shift", direction="up", detail=detail)
        if state.run:
            threshold, blocked = p.threshold * CONTINUE_FRACTION, None if tested > mu else "small_change"
        else:
            threshold = p.threshold
            score, blocked = self._strongest_window(state, tested, mu, score, alpha)
        if score >= threshold and blocked is None:
            state.run, state.quiet, state.window = state.run + 1, 0, []
            return Assessment(timestamp=when, value=value, expected=mu, score=score, anomalous=True,
                              reason="anomalous", direction="up", detail=detail)
        state.quiet = state.quiet + 1 if state.run else 0
        if state.run and state.quiet < QUIET_END:  # the burst stays open, though this bucket is calm
            return Assessment(timestamp=when, value=value, expected=mu, score=score, anomalous=False,
                              reason="normal", direction="up", detail={**detail, "quiet": state.quiet})
        state.run = state.quiet = 0
        self._learn(state, slot, day, value, mu, alpha)
        reason = "normal" if score < threshold else (blocked or "normal")
        return Assessment(timestamp=when, value=value, expected=mu, score=score, anomalous=False, reason=reason,
                          direction="up", detail=detail)

    def _strongest_window(self, state: BurstState, value: float, mu: float, score: float,
                          alpha: float) -> tuple[float, str | None]:
        """The score and guard verdict of the bucket alone, or with the buckets just before it (up to
        ``WINDOW`` in all), whichever is the stronger evidence that passes the guards: a burst that
        builds over two or three hours shows in their sum first. A bucket under ``min_volume`` stays
        blocked, however busy its window."""
        earlier = state.window
        state.window = [*earlier[-(WINDOW - 2):], [value, mu]] if WINDOW > 1 else []
        blocked = guard_reason(self.params, value, mu, None, "up")
        if blocked == "low_volume":
            return score, blocked
        best = (score if blocked is None else 0.0, blocked)
        total, expected, squares = value, mu, mu * mu
        for earlier_value, earlier_mu in reversed(earlier):
            total, expected, squares = total + earlier_value, expected + earlier_mu, squares + earlier_mu**2
            size = expected * expected / (alpha * squares)      # the sum's variance: mu + alpha * sum(mu_i^2)
            candidate = stats.negbin_upper(total, expected, size)
            if candidate > best[0] and guard_reason(self.params, total, expected, None, "up") is None:
                best = (candidate, None)
        return best if best[1] is None else (score, blocked)

    def _shifted(self, state: BurstState, deseasonalised: float) -> bool:
        """Follow the shadow level; re-anchor the level when the shadow has stayed away long enough."""
        level = float(state.level or 0.0)
        shadow = level if state.shadow is None else state.shadow
        state.shadow = shadow + self._shadow_rate * (deseasonalised - shadow)
        state.recent = [*state.recent[-(ANCHOR_BUCKETS - 1):], deseasonalised]
        away = not level / SHIFT_RATIO <= state.shadow <= level * SHIFT_RATIO
        state.shifted = state.shifted + 1 if away else 0
        if state.shifted < self._max_shift:
            return False
        state.level = max(float(np.median(state.recent)), 0.01)
        state.shadow, state.shifted, state.run, state.quiet = state.level, 0, 0, 0
        return True

    def _absorb_catch_up(self, state: BurstState, value: float, mu: float) -> float:
        """After an outage, the surplus over the expectation pays its deficit back first."""
        if state.deficit <= 0:
            return value
        absorbed = min(state.deficit, max(0.0, value - mu))
        state.deficit = state.deficit - absorbed if absorbed > 0 else 0.0
        return value - absorbed

    def _learn(self, state: BurstState, slot: int, day: int, value: float, mu: float, alpha: float) -> None:
        sd = math.sqrt(mu + alpha * mu * mu)
        clipped = min(max(value, mu - CLIP_SD * sd), mu + CLIP_SD * sd)
        level = float(state.level or 0.0)
        season, weekday = state.season[slot], state.weekday[day]
        state.level = max(level + self._level_rate * (clipped / max(season * weekday, 1e-6) - level), 0.01)
        if level >= SHAPE_MIN_LEVEL:  # a ratio to a near-zero level says nothing about the day's shape
            state.season[slot] = season + SEASON_RATE * (clipped / (level * weekday) - season)
            state.weekday[day] = weekday + WEEKDAY_RATE * (clipped / (level * season) - weekday)
            for factors in (state.season, state.weekday):
                mean = sum(factors) / len(factors)
                factors[:] = [min(max(f / mean, 0.02), 50.0) for f in factors]
        # alpha's moment estimate, winsorised, and weighted by how much a bucket of this size can
        # tell about extra-Poisson spread (next to nothing in a bucket expecting one post)
        moment = min(((clipped - mu) ** 2 - mu) / (mu * mu), CLIP_SD**2 * max(alpha, ALPHA_FLOOR))
        rate = ALPHA_RATE * mu / (mu + ALPHA_HALF_WEIGHT)
        state.alpha = max(ALPHA_FLOOR / 2, state.alpha + rate * (moment - state.alpha))


def _plain(when: datetime, value: float | None, expected: float | None, reason: str) -> Assessment:
    return Assessment(timestamp=when, value=value, expected=expected, score=0.0, anomalous=False, reason=reason,
                      direction="up")


