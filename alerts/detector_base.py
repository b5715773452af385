"""What every detector shares: the verdict on a bucket (:class:`Assessment`), the rule's parameters
(:class:`DetectorParams`), a judged bucket with the state to keep (:class:`Judgement`), seasonal slots,
the count, share and mean tests, and the guards against thin data (a warm-up, a minimum bucket volume,
a minimum ratio between observed and expected).

Frames follow storage's shape: a tz-aware UTC ``DatetimeIndex`` of bucket starts and the columns
``volume``, ``negative``, ``negative_share``, ``net_sentiment`` (any subset; the count-aware tests use
``volume`` and ``negative`` when present).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from . import stats

COUNT_METRICS = ("volume", "negative")
METRICS = ("volume", "negative", "negative_share", "net_sentiment")
MIN_SLOT_SAMPLES = 3
#: Net sentiment lies in [-1, 1]; a shift smaller than this never alerts, however significant.
NET_SENTIMENT_MIN_SHIFT = 0.15


@dataclass(frozen=True)
class Assessment:
    """A detector's verdict on one bucket.

    ``reason`` is one of ``anomalous``, ``normal``, ``warmup`` (not enough history yet),
    ``low_volume`` (too few mentions in the bucket), ``small_change`` (significant but below the
    minimum ratio) or ``missing`` (no value)."""

    timestamp: datetime
    value: float | None
    expected: float | None
    score: float
    anomalous: bool
    reason: str
    direction: str | None = None
    volume: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["timestamp"] = _iso(self.timestamp)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assessment:
        values = dict(data)
        values["timestamp"] = pd.Timestamp(values["timestamp"]).to_pydatetime()
        return cls(**values)


def _iso(moment: datetime | pd.Timestamp) -> str:
    return pd.Timestamp(moment).isoformat()


@dataclass(frozen=True)
class DetectorParams:
    metric: str = "negative"
    direction: str = "up"
    threshold: float = 5.0
    min_volume: float = 10
    min_ratio: float = 1.5
    history: timedelta = timedelta(days=28)
    warmup: timedelta = timedelta(days=2)
    season: str = "auto"
    bucket: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"unknown metric {self.metric!r}; one of {', '.join(METRICS)}")
        if self.direction not in ("up", "down", "both"):
            raise ValueError("direction is up, down or both")

    @classmethod
    def from_rule(cls, rule: Any, bucket: timedelta = timedelta(hours=1)) -> DetectorParams:
        """From an :class:`alerts.config.RuleConfig`."""
        return cls(metric=rule.metric, direction=rule.effective_direction, threshold=rule.threshold,
                   min_volume=rule.min_volume, min_ratio=rule.min_ratio, history=rule.history,
                   warmup=rule.warmup, season=rule.season, bucket=bucket)


# --------------------------------------------------------------------------------------------------
# seasonal slots


def resolve_season(season: str, span: timedelta, bucket: timedelta) -> str:
    """``auto`` picks the finest seasonality the history supports: hour of week from three weeks of
    history, hour of day from two days (for buckets shorter than a day), else none."""
    if season != "auto":
        return season
    if span >= timedelta(days=21):
        return "hour_of_week"
    if bucket < timedelta(days=1) and span >= timedelta(days=2):
        return "hour_of_day"
    return "none"


def slot_of(moment: pd.Timestamp, season: str, bucket: timedelta) -> int:
    if season == "none":
        return 0
    step = max(1, int(bucket.total_seconds()))
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    of_day = seconds // step if step < 86400 else 0
    if season == "hour_of_day":
        return of_day
    if season == "hour_of_week":
        per_day = max(1, 86400 // step)
        return moment.day_of_week * per_day + of_day
    raise ValueError(f"unknown season {season!r}")


def slot_array(index: pd.DatetimeIndex, season: str, bucket: timedelta) -> np.ndarray:
    if season == "none":
        return np.zeros(len(index), dtype=np.int64)
    step = max(1, int(bucket.total_seconds()))
    seconds = index.hour * 3600 + index.minute * 60 + index.second
    of_day = np.asarray(seconds // step if step < 86400 else seconds * 0, dtype=np.int64)
    if season == "hour_of_day":
        return of_day
    per_day = max(1, 86400 // step)
    return np.asarray(index.day_of_week, dtype=np.int64) * per_day + of_day


# --------------------------------------------------------------------------------------------------
# the tests, shared by the batch and the online detector


def trimmed_mean(values: np.ndarray, trim: float = 0.1) -> float:
    values = np.sort(values[np.isfinite(values)])
    if not len(values):
        return float("nan")
    keep = max(1, math.ceil(len(values) * (1 - trim)))
    return float(values[:keep].mean())


def _direction_score(up: float, down: float, direction: str) -> tuple[float, str | None]:
    if direction == "up":
        return up, "up"
    if direction == "down":
        return down, "down"
    return (up, "up") if up >= down else (down, "down")


def count_test(observed: float, expected: float, dispersion: float, direction: str) -> tuple[float, str | None]:
    """Tail test of a count against ``expected`` with variance ``dispersion * expected``: a negative
    binomial with that mean and variance (the Poisson when ``dispersion`` is 1)."""
    expected = max(expected, 0.5)
    size = expected / (dispersion - 1.0) if dispersion > 1.0 + 1e-9 else math.inf
    up = stats.negbin_upper(observed, expected, size) if observed > expected else 0.0
    down = stats.negbin_lower(observed, expected, size) if observed < expected else 0.0
    return _direction_score(up, down, direction)


def share_test(negative: float, volume: float, p0: float, dispersion: float,
               direction: str) -> tuple[float, str | None]:
    """Quasi-binomial test of ``negative`` out of ``volume`` against the baseline share ``p0``."""
    p0 = min(max(p0, 1e-3), 1 - 1e-3)
    if volume <= 0:
        return 0.0, None
    z = (negative - volume * p0) / math.sqrt(max(dispersion, 1.0) * volume * p0 * (1 - p0))
    return _direction_score(stats.normal_upper(z), stats.normal_upper(-z), direction)


def mean_test(value: float, expected: float, unit_scale: float, weight: float,
              direction: str) -> tuple[float, str | None]:
    """z-test of a bucket mean whose variance is ``unit_scale**2 / weight`` (weight = mentions)."""
    scale = max(unit_scale, 1e-6) / math.sqrt(max(weight, 1.0))
    z = (value - expected) / scale
    return _direction_score(stats.normal_upper(z), stats.normal_upper(-z), direction)


#: The median of a chi-square variable with one degree of freedom: a robust variance estimate divides
#: the median squared standardised residual by it.
CHI2_MEDIAN = 0.4549


def _loo_medians(values: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """Each value's slot median computed without the value itself (NaN in slots of one value)."""
    order = np.lexsort((values, slots))
    v, g = values[order], slots[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    sizes = np.diff(np.r_[starts, len(v)])
    size = np.repeat(sizes, sizes)
    start = np.repeat(starts, sizes)
    j = np.arange(len(v)) - start                     # sorted position within the slot
    rest = size - 1                                   # values left once this one is removed

    def kth(k: np.ndarray) -> np.ndarray:             # k-th smallest of the rest (k < rest)
        index = start + np.where(k < j, k, k + 1)
        return v[np.minimum(index, len(v) - 1)]

    half = rest // 2
    odd = rest % 2 == 1
    low = kth(np.where(odd, half, np.maximum(half - 1, 0)))
    high = kth(half)
    loo = np.where(odd, high, 0.5 * (low + high))
    loo = np.where(rest >= 1, loo, np.nan)
    out = np.empty(len(values))
    out[order] = loo
    return out


def count_dispersion(values: np.ndarray, slots: np.ndarray) -> float:
    """Variance-to-mean ratio of counts around their seasonal baseline (>= 1; 1 is Poisson), from
    leave-one-out slot medians and the median squared Pearson residual, so that earlier spikes in the
    history do not hide the next one."""
    expected = _loo_medians(values, slots)
    ok = np.isfinite(expected)
    if ok.sum() < 5:
        return 1.0
    mu = np.maximum(expected[ok], 0.5)
    pearson = (values[ok] - mu) ** 2 / mu
    return max(1.0, float(np.median(pearson)) / CHI2_MEDIAN)


def predictive_dispersion(dispersion: float, samples: int) -> float:
    """Widen the dispersion for the uncertainty of a median of ``samples`` values (its variance is
    about pi/2 times that of a mean)."""
    return dispersion * (1.0 + math.pi / (2.0 * max(samples, 1)))


def guard_reason(params: DetectorParams, value: float, expected: float, volume: float | None,
            direction: str | None) -> str | None:
    """The reason a significant bucket still must not alert, if any."""
    if volume is not None and volume < params.min_volume:
        return "low_volume"
    if params.metric in COUNT_METRICS and volume is None and max(value, expected) < params.min_volume:
        return "low_volume"
    if params.metric == "net_sentiment":
        if abs(value - expected) < NET_SENTIMENT_MIN_SHIFT:
            return "small_change"
        return None
    if direction == "up" and value < params.min_ratio * max(expected, 1e-9):
        return "small_change"
    if direction == "down" and value * params.min_ratio > expected:
        return "small_change"
    return None


def verdict(params: DetectorParams, moment: datetime, value: float, expected: float, score: float,
             direction: str | None, volume: float | None, detail: dict[str, Any]) -> Assessment:
    if score >= params.threshold:
        blocked = guard_reason(params, value, expected, volume, direction)
        reason = blocked or "anomalous"
    else:
        reason = "normal"
    return Assessment(timestamp=moment, value=float(value), expected=float(expected), score=float(score),
                      anomalous=reason == "anomalous", reason=reason, direction=direction,
                      volume=None if volume is None else float(volume), detail=detail)


def number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def time_index(data: pd.DataFrame | pd.Series) -> pd.DatetimeIndex:
    """The index of a frame or series of bucket starts, as the DatetimeIndex it must be."""
    index = data.index
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError("series need a DatetimeIndex of bucket starts")
    return index


def as_frame(frame: pd.DataFrame | pd.Series, metric: str) -> pd.DataFrame:
    if isinstance(frame, pd.Series):
        frame = frame.rename(metric).to_frame()
    index = time_index(frame)
    if metric not in frame.columns:
        raise KeyError(f"the frame has no column {metric!r}")
    if index.tz is None:
        frame = frame.tz_localize("UTC")
    return frame.sort_index()


def warmup_assessment(when: datetime, value: float, volume: float | None) -> Assessment:
    return Assessment(timestamp=when, value=value, expected=None, score=0.0, anomalous=False,
                      reason="warmup", volume=volume)


@dataclass(frozen=True)
class Judgement:
    """A detector's verdict on the bucket it was asked about, and the state to hand it next time
    (None for detectors that keep none)."""

    assessment: Assessment
    state: dict[str, Any] | None = None


def online_rows(frame: pd.DataFrame, params: DetectorParams, at: pd.Timestamp, last: str | None,
                columns: bool = False) -> list[tuple[pd.Timestamp, Any]]:
    """The buckets an online detector has not folded in yet, up to ``at``: those after ``last``, or
    the look-back's when it has seen nothing. Each is (start, the metric's value or None), or with
    ``columns`` (start, the row as a dict)."""
    index = time_index(frame)
    start = pd.Timestamp(last) if last else at - pd.Timedelta(params.history)
    first, end = int(index.searchsorted(start, "right" if last else "left")), int(index.searchsorted(at, "right"))
    if columns:
        todo = frame.iloc[first:end]
        return [(moment, row) for moment, row in zip(todo.index, todo.to_dict("records"), strict=True)]
    values = frame[params.metric].to_numpy()[first:end]
    return [(index[first + k], number(value)) for k, value in enumerate(values)]
