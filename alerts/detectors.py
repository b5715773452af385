"""The detectors behind the ``detector:`` of a rule, one :class:`Detector` protocol for all of them.

* ``burst`` (:class:`alerts.burst.BurstDetector`, the default): online negative-binomial burst
  detector for mention counts, one alert per burst, forgets, survives level shifts and outages.
* ``seasonal`` (:class:`SeasonalDetector`), batch: the expected value of a bucket is the median of the
  same hour of the day (or of the week, once three weeks of history exist) over the look-back, and the
  bucket is tested with a count-aware test: negative binomial (Poisson when the history shows no
  over-dispersion) for counts, a quasi-binomial test for the negative share, and a precision-weighted
  z-test for net sentiment. The score is ``-log10(p)``.
* ``online`` (:class:`OnlineSeasonalDetector`): the same tests against exponentially weighted per-slot
  baselines, updated in constant time per bucket; its state is plain data.
* ``novelty`` (:class:`alerts.envelope.NoveltyRuleDetector`): how far a value goes beyond the envelope
  of all earlier values; the detector scored on NAB's development corpus.

The service (alerts.engine), the batch scan and ``brandpulse alerts backtest`` all judge a bucket
through :meth:`Detector.judge`, with the state the detector returned for the bucket before.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .burst import BurstDetector
from .detector_base import (
    COUNT_METRICS,
    MIN_SLOT_SAMPLES,
    NET_SENTIMENT_MIN_SHIFT,
    Assessment,
    DetectorParams,
    Judgement,
    as_frame,
    count_dispersion,
    count_test,
    mean_test,
    number,
    online_rows,
    predictive_dispersion,
    resolve_season,
    share_test,
    slot_array,
    slot_of,
    time_index,
    trimmed_mean,
    verdict,
    warmup_assessment,
)
from .envelope import NoveltyRuleDetector


class Detector(Protocol):
    """Judges one bucket of a series. ``frame`` holds the bucket ``at`` and the look-back before it;
    ``state`` is what this detector returned for the previous bucket of the same series (None at
    first). Batch detectors ignore it and return None; online ones fold in the buckets after the
    last they saw and return their new state, plain JSON-ready data the service persists."""

    params: DetectorParams

    def judge(self, frame: pd.DataFrame, at: pd.Timestamp, state: Mapping[str, Any] | None) -> Judgement: ...


# --------------------------------------------------------------------------------------------------
# batch: seasonal robust baseline


class SeasonalDetector:
    """Seasonal median baseline over a look-back window, with count-aware tests."""

    def __init__(self, params: DetectorParams):
        self.params = params

    def assess(self, frame: pd.DataFrame | pd.Series, at: Any = None) -> Assessment:
        """Judge the bucket at ``at`` (default: the last row) against the rows before it."""
        frame = as_frame(frame, self.params.metric)
        if not len(frame):
            raise ValueError("an empty series has no bucket to assess")
        index = time_index(frame)
        moment = index[-1] if at is None else pd.Timestamp(at)
        if moment.tzinfo is None and index.tz is not None:
            moment = moment.tz_localize(index.tz)
        row = frame.loc[moment] if moment in index else None
        if not isinstance(row, pd.Series):  # absent, or a repeated bucket start: no single value
            return Assessment(timestamp=moment.to_pydatetime(), value=None, expected=None, score=0.0,
                              anomalous=False, reason="missing")
        history = frame[(frame.index < moment) & (frame.index >= moment - self.params.history)]
        return self._assess_row(moment, row, history)

    def judge(self, frame: pd.DataFrame, at: pd.Timestamp, state: Mapping[str, Any] | None) -> Judgement:
        return Judgement(self.assess(frame, at=at))

    def _assess_row(self, moment: pd.Timestamp, row: pd.Series, history: pd.DataFrame) -> Assessment:
        p = self.params
        value = number(row.get(p.metric))
        volume = number(row.get("volume")) if "volume" in row.index else None
        when = moment.to_pydatetime()
        if value is None:
            return Assessment(timestamp=when, value=None, expected=None, score=0.0, anomalous=False,
                              reason="missing", volume=volume)
        history = history[history[p.metric].notna()]
        stamps = time_index(history)
        if not len(history) or moment - stamps.min() < p.warmup:
            return Assessment(timestamp=when, value=value, expected=None, score=0.0, anomalous=False,
                              reason="warmup", volume=volume)
        span = moment - stamps.min()
        season = resolve_season(p.season, span.to_pytimedelta(), p.bucket)
        slots = slot_array(stamps, season, p.bucket)
        target = slot_of(moment, season, p.bucket)
        while season != "none" and np.sum(slots == target) < MIN_SLOT_SAMPLES:
            season = "hour_of_day" if season == "hour_of_week" else "none"
            slots = slot_array(stamps, season, p.bucket)
            target = slot_of(moment, season, p.bucket)
        mine = slots == target
        detail: dict[str, Any] = {"season": season, "samples": int(mine.sum())}
        if p.metric in COUNT_METRICS:
            observed = history[p.metric].to_numpy(dtype=float)
            expected = float(np.median(observed[mine]))
            dispersion = predictive_dispersion(count_dispersion(observed, slots), int(mine.sum()))
            score, direction = count_test(value, expected, dispersion, p.direction)
            detail["dispersion"] = round(dispersion, 3)
        elif p.metric == "negative_share" and {"negative", "volume"} <= set(history.columns) \
                and number(row.get("negative")) is not None and volume:
            negative = history["negative"].to_numpy(dtype=float)
            total = history["volume"].to_numpy(dtype=float)
            ok = total > 0
            expected = float(negative[ok].sum() / total[ok].sum()) if ok.any() else 0.0
            dispersion = _share_dispersion(negative[ok], total[ok], expected)
            score, direction = share_test(float(row["negative"]), volume, expected, dispersion, p.direction)
            detail["dispersion"] = round(dispersion, 3)
        elif p.metric == "net_sentiment" and "volume" in history.columns and volume:
            values = history[p.metric].to_numpy(dtype=float)
            weights = np.maximum(history["volume"].fillna(0).to_numpy(dtype=float), 0)
            ok = weights > 0
            expected = float(np.average(values[ok], weights=weights[ok])) if ok.any() else float(np.median(values))
            unit = math.sqrt(max(trimmed_mean(weights[ok] * (values[ok] - expected) ** 2), 1e-6)) if ok.any() else 1
            score, direction = mean_test(value, expected, unit, volume, p.direction)
        else:  # robust z on the slot's values (shares or sentiment without volumes)
            values = history[p.metric].to_numpy(dtype=float)[mine] if mine.sum() >= MIN_SLOT_SAMPLES \
                else history[p.metric].to_numpy(dtype=float)
            expected = float(np.median(values))
            mad = float(np.median(np.abs(values - expected))) * 1.4826
            scale = max(mad, 0.05 * max(abs(expected), 1e-3), 1e-3)
            score, direction = mean_test(value, expected, scale, 1.0, p.direction)
        return verdict(p, when, value, expected, score, direction, volume, detail)


def _share_dispersion(negative: np.ndarray, total: np.ndarray, p0: float) -> float:
    if not len(total) or p0 <= 0 or p0 >= 1:
        return 1.0
    z2 = (negative - total * p0) ** 2 / (total * p0 * (1 - p0))
    return max(1.0, trimmed_mean(z2))


def _to_frame(rows: list[Assessment]) -> pd.DataFrame:
    table = pd.DataFrame([{k: v for k, v in asdict(r).items() if k != "detail"} for r in rows])
    if len(table):
        table = table.set_index("timestamp")
    return table


# --------------------------------------------------------------------------------------------------
# online: the same tests against exponentially weighted slot baselines, O(1) per bucket


@dataclass
class OnlineSeasonalState:
    """All an :class:`OnlineSeasonalDetector` remembers about one series (JSON-ready via to_dict)."""

    first: str | None = None          # ISO time of the first bucket seen
    last: str | None = None           # ISO time of the last bucket processed
    count: int = 0
    slot_mean: dict[str, float] = field(default_factory=dict)
    slot_count: dict[str, int] = field(default_factory=dict)
    count_dispersion: float = 1.0     # counts: EW variance-to-mean ratio around the slot baselines
    negative_sum: float = 0.0         # shares: EW sums for the pooled baseline share
    volume_sum: float = 0.0
    dispersion: float = 1.0           # shares: EW quasi-binomial dispersion
    level: float | None = None        # net sentiment: volume-weighted EW mean
    unit_var: float | None = None     # net sentiment: EW of volume * residual^2

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> OnlineSeasonalState:
        return cls(**dict(data)) if data else cls()


class OnlineSeasonalDetector:
    """Streaming form of :class:`SeasonalDetector`: each new bucket costs O(1).

    Per slot (hour of day, or hour of week) it keeps an exponentially weighted mean whose memory is
    about ``memory`` samples of that slot; a bucket judged anomalous updates the baseline only up to
    ``min_ratio`` times the expectation, so a storm does not teach the baseline that storms are normal.
    """

    def __init__(self, params: DetectorParams, memory: int = 14):
        self.params = params
        self.memory = memory

    def judge(self, frame: pd.DataFrame, at: pd.Timestamp, state: Mapping[str, Any] | None) -> Judgement:
        current = OnlineSeasonalState.from_dict(state)
        assessment = None
        for moment, row in online_rows(frame, self.params, at, current.last, columns=True):
            current, assessment = self.update(current, moment, row)
        if assessment is None:
            raise ValueError("no new bucket for the online detector")
        return Judgement(assessment, current.to_dict())

    def _season(self) -> str:
        if self.params.season == "auto":
            return "hour_of_day" if self.params.bucket < timedelta(days=1) else "none"
        return self.params.season

    def update(self, state: OnlineSeasonalState, moment: Any, row: Mapping[str, Any] | float
               ) -> tuple[OnlineSeasonalState, Assessment]:
        """Judge one new bucket and fold it into the state; returns (new state, assessment)."""
        p = self.params
        state = replace(state, slot_mean=dict(state.slot_mean), slot_count=dict(state.slot_count))
        moment = pd.Timestamp(moment)
        if moment.tzinfo is None:
            moment = moment.tz_localize("UTC")
        if not isinstance(row, Mapping):
            row = {p.metric: row}
        value = number(row.get(p.metric))
        volume = number(row.get("volume"))
        when = moment.to_pydatetime()
        if state.last is not None and moment <= pd.Timestamp(state.last):
            raise ValueError(f"bucket {moment} is not after the last one processed ({state.last})")
        if state.first is None:
            state.first = moment.isoformat()
        state.last = moment.isoformat()
        if value is None:
            return state, Assessment(timestamp=when, value=None, expected=None, score=0.0,
                                     anomalous=False, reason="missing", volume=volume)
        slot = str(slot_of(moment, self._season(), p.bucket))
        seen = state.slot_count.get(slot, 0)
        warm = moment - pd.Timestamp(state.first) >= p.warmup and seen >= 2
        tested = self._test(state, slot, seen, when, value, row, volume) if warm else None
        assessment = tested if tested is not None else warmup_assessment(when, value, volume)
        self._learn(state, slot, value, row, volume, assessment)
        return state, assessment

    def _test(self, state: OnlineSeasonalState, slot: str, seen: int, when: datetime, value: float,
              row: Mapping[str, Any], volume: float | None) -> Assessment | None:
        """The metric's test of a warm bucket against the learned baseline; None while there is none."""
        p = self.params
        if p.metric in COUNT_METRICS:
            expected = state.slot_mean.get(slot)
            if expected is None:
                return None
            dispersion = predictive_dispersion(state.count_dispersion, min(seen, self.memory))
            score, direction = count_test(value, expected, dispersion, p.direction)
        elif p.metric == "negative_share" and number(row.get("negative")) is not None and volume:
            if state.volume_sum <= 0:
                return None
            expected = state.negative_sum / state.volume_sum
            score, direction = share_test(float(row["negative"]), volume, expected, state.dispersion, p.direction)
        else:
            if state.level is None or state.unit_var is None:
                return None
            expected = state.level
            score, direction = mean_test(value, expected, math.sqrt(max(state.unit_var, 1e-6)), volume or 1.0,
                                         p.direction)
        return verdict(p, when, value, expected, score, direction, volume, {})

    def _learn(self, state: OnlineSeasonalState, slot: str, value: float, row: Mapping[str, Any],
               volume: float | None, assessment: Assessment) -> None:
        p = self.params
        state.count += 1
        seen = state.slot_count.get(slot, 0) + 1
        state.slot_count[slot] = seen
        rate = max(1.0 / seen, 1.0 / self.memory)
        global_rate = max(1.0 / state.count, 1.0 / (self.memory * 24))
        if p.metric in COUNT_METRICS:
            mean = state.slot_mean.get(slot)
            learned = value
            if assessment.anomalous and mean is not None:
                learned = min(max(value, mean / p.min_ratio), mean * p.min_ratio) if mean > 0 else value
            if mean is not None and seen > 2:
                mu = max(mean, 0.5)
                pearson = min((learned - mu) ** 2 / mu, 16.0 * state.count_dispersion)
                state.count_dispersion = max(1.0, (1 - global_rate) * state.count_dispersion
                                             + global_rate * pearson)
            state.slot_mean[slot] = learned if mean is None else mean + rate * (learned - mean)
        elif p.metric == "negative_share" and number(row.get("negative")) is not None and volume:
            negative = float(row["negative"])
            p0 = state.negative_sum / state.volume_sum if state.volume_sum > 0 else None
            if assessment.anomalous and p0 is not None:
                negative = min(negative, volume * min(1.0, p0 * p.min_ratio))
            if p0 is not None and 0 < p0 < 1:
                z2 = (negative - volume * p0) ** 2 / (volume * p0 * (1 - p0))
                state.dispersion = max(1.0, (1 - global_rate) * state.dispersion + global_rate * z2)
            state.negative_sum = (1 - global_rate) * state.negative_sum + negative
            state.volume_sum = (1 - global_rate) * state.volume_sum + volume
        else:
            weight = volume if volume else 1.0
            learned = value
            if state.level is None:
                state.level = value
                return
            if assessment.anomalous and state.unit_var is not None:
                bound = NET_SENTIMENT_MIN_SHIFT
                learned = min(max(value, state.level - bound), state.level + bound)
            residual = learned - state.level
            squared = weight * residual * residual
            state.unit_var = squared if state.unit_var is None else \
                (1 - global_rate) * state.unit_var + global_rate * squared
            state.level += global_rate * residual


def scan(detector: Detector, frame: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """Judge every bucket in turn, each against its own past and with the state the detector left
    on the bucket before (the batch path; the service and the backtest go through alerts.engine)."""
    frame = as_frame(frame, detector.params.metric)
    rows = []
    state: Mapping[str, Any] | None = None
    for position, moment in enumerate(frame.index):
        judgement = detector.judge(frame.iloc[:position + 1], moment, state)
        state = judgement.state
        rows.append(judgement.assessment)
    return _to_frame(rows)


#: The detector each ``detector:`` of a rule names.
DETECTORS: dict[str, Callable[[DetectorParams], Detector]] = {
    "burst": BurstDetector, "seasonal": SeasonalDetector, "online": OnlineSeasonalDetector,
    "novelty": NoveltyRuleDetector}


def make_detector(params: DetectorParams, kind: str = "burst") -> Detector:
    """The detector a rule's ``detector:`` names."""
    try:
        return DETECTORS[kind](params)
    except KeyError:
        raise ValueError(f"unknown detector {kind!r}; one of {', '.join(DETECTORS)}") from None
