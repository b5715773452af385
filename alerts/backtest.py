"""Replay history through the service's own evaluation and report the alerts it would have fired.

:func:`replay` advances a clock bucket by bucket and calls :func:`alerts.engine.evaluate` exactly as
the service does on each tick: the same buckets (``alerts.bucket``), the same detector state carried in
the alert book, the same guards, ``for:``, ``keep_firing_for`` and sensitivity. The clock stands at
the end of each bucket, the first moment the service could judge it, so an alert's ``detected_at`` is
when the service would first have known.

:func:`read_series` and :func:`to_buckets` turn an exported CSV (``timestamp,value`` at any regular
interval) into the service's buckets, with a clear :class:`SeriesError` for what cannot be read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config import AlertsConfig
from .detector_base import time_index
from .engine import evaluate, series_labels
from .model import AlertBook, AlertEvent

CSV_COLUMNS = ("timestamp", "value")


class SeriesError(ValueError):
    """A series that cannot be backtested, with what is wrong and where."""


@dataclass
class BacktestAlert:
    """One alert the service would have raised: when its episode began (``starts_at``, start of the
    first anomalous bucket), when it fired (``detected_at``), when it resolved (``ends_at``; None if
    still firing at the end of the history), the highest bucket value and score seen while it was on."""

    rule: str
    brand: str
    starts_at: datetime
    detected_at: datetime
    ends_at: datetime | None = None
    peak_value: float | None = None
    score: float = 0.0
    labels: dict[str, str] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        def stamp(moment: datetime | None) -> str:
            return pd.Timestamp(moment).isoformat() if moment is not None else ""

        return {"rule": self.rule, "brand": self.brand, "starts_at": stamp(self.starts_at),
                "detected_at": stamp(self.detected_at), "ends_at": stamp(self.ends_at),
                "peak_value": "" if self.peak_value is None else f"{self.peak_value:g}",
                "score": f"{self.score:.2f}"}


@dataclass
class Backtest:
    alerts: list[BacktestAlert]
    buckets: int                       # evaluation ticks replayed
    series: dict[str, pd.DataFrame]    # the bucketed series, by brand label
    errors: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------- input


def read_series(path: str | Path) -> pd.Series:
    """A ``timestamp,value`` CSV as a series with a UTC index (naive timestamps are UTC).

    Raises :class:`SeriesError` for a missing file or column, an unparseable or out-of-order
    timestamp, a repeated timestamp, or a value that is not a number (each naming the data row).
    Empty values are kept as missing (NaN)."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise SeriesError(f"{path}: no such file") from None
    except OSError as error:
        raise SeriesError(f"{path}: cannot read it ({error.strerror})") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise SeriesError(f"{path}: not a readable CSV ({str(error).strip()})") from None
    columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in CSV_COLUMNS if c not in columns]
    if missing:
        raise SeriesError(f"{path}: the header needs the columns timestamp,value (missing {', '.join(missing)};"
                          f" found {', '.join(map(str, frame.columns)) or 'none'})")
    frame.columns = columns
    if not len(frame):
        raise SeriesError(f"{path}: no data rows")
    stamps = _parse_stamps(path, frame["timestamp"])
    values = _parse_values(path, frame["value"])
    _check_order(path, stamps)
    return pd.Series(values, index=pd.DatetimeIndex(stamps, name="timestamp"), name="value")


def _parse_stamps(path: str | Path, column: pd.Series) -> pd.DatetimeIndex:
    parsed = pd.to_datetime(column.str.strip(), errors="coerce", utc=True, format="mixed")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if len(bad):
        row = int(bad[0])
        raise SeriesError(f"{path}: row {row + 2}: unparseable timestamp {column.iloc[row]!r}"
                          f" ({len(bad)} such rows); use ISO-8601, e.g. 2015-03-01 13:05:00")
    return pd.DatetimeIndex(parsed)


def _parse_values(path: str | Path, column: pd.Series) -> np.ndarray:
    text = column.str.strip()
    values = pd.to_numeric(text, errors="coerce")   # empty values too become NaN
    bad = np.flatnonzero(values.isna().to_numpy() & (text != "").to_numpy())
    if len(bad):
        row = int(bad[0])
        raise SeriesError(f"{path}: row {row + 2}: value {column.iloc[row]!r} is not a number")
    negative = np.flatnonzero((values < 0).to_numpy())
    if len(negative):
        raise SeriesError(f"{path}: row {int(negative[0]) + 2}: negative count {column.iloc[int(negative[0])]!r}")
    return values.to_numpy(dtype=float)


def _check_order(path: str | Path, stamps: pd.DatetimeIndex) -> None:
    steps = np.diff(stamps.as_unit("ns").asi8)
    wrong = np.flatnonzero(steps <= 0)
    if len(wrong):
        row = int(wrong[0]) + 1
        what = "repeats" if steps[row - 1] == 0 else "goes back in time from"
        raise SeriesError(f"{path}: row {row + 2}: timestamp {stamps[row]} {what} the row before"
                          f" ({stamps[row - 1]}); sort the file and remove duplicates")


def series_interval(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The sampling interval: the most common spacing of the timestamps."""
    if len(index) < 2:
        raise SeriesError("a series needs at least two rows to tell its interval")
    steps = pd.Series(np.diff(index.as_unit("ns").asi8))
    return pd.Timedelta(int(steps.mode().iloc[0]), unit="ns")


def to_buckets(series: pd.Series, bucket: timedelta) -> pd.Series:
    """Sum a count series into the service's buckets (aligned on the epoch, as storage aligns them).

    Gaps are not zeros: a bucket no row falls in is missing (NaN; the detectors skip it and learn
    nothing from it), and a bucket that only some rows cover is scaled up to its full length (a
    5-minute series missing 2 of an hour's 12 rows counts 12/10 of what it has)."""
    interval = series_interval(time_index(series))
    step = pd.Timedelta(bucket)
    if interval > step:
        raise SeriesError(f"the series' interval ({interval}) is longer than the alert bucket ({step});"
                          " set alerts.bucket to a multiple of the interval")
    if step % interval:
        raise SeriesError(f"the alert bucket ({step}) is not a whole number of the series' intervals ({interval})")
    present = series.notna().astype(float)
    grouped = pd.DataFrame({"sum": series.fillna(0.0), "rows": present})
    sums = grouped.resample(step, origin="epoch").sum()
    per_bucket = step / interval
    covered = sums["rows"]
    out = (sums["sum"] * per_bucket / covered.where(covered > 0)).rename("value")
    out.index.name = "bucket"
    return out


# ------------------------------------------------------------------------------------------ replay


def replay(config: AlertsConfig, series: Mapping[Any, pd.DataFrame], *, start: datetime | None = None) -> Backtest:
    """Run :func:`alerts.engine.evaluate` at the end of every bucket of ``series`` (keys and frames
    as ``evaluate`` takes them), from ``start`` (default: the first bucket), with a fresh book."""
    frames = {key: _sorted_utc(frame) for key, frame in series.items()}
    ticks = _ticks(frames, config.bucket, start)
    book = AlertBook()
    lookback = max((rule.history for rule in config.rules), default=timedelta(days=28))
    rows = max(1, int(lookback / config.bucket)) + 1
    positions = {key: time_index(frame).as_unit("ns").asi8 for key, frame in frames.items()}
    tracker = _Tracker()
    errors: list[str] = []
    for bucket_start in ticks:
        now = (bucket_start + config.bucket).to_pydatetime()
        visible = {}
        for key, frame in frames.items():
            end = int(np.searchsorted(positions[key], bucket_start.value, side="right"))
            visible[key] = frame.iloc[max(0, end - rows):end]
        evaluation = evaluate(config, visible, book, now)
        book = evaluation.state
        tracker.observe(evaluation.events, book, evaluation.assessments)
        errors.extend(e for e in evaluation.errors if e not in errors)
    labelled = {series_labels(key).get("brand", str(key)): frame for key, frame in frames.items()}
    return Backtest(alerts=tracker.finish(), buckets=len(ticks), series=labelled, errors=errors)


def _sorted_utc(frame: pd.DataFrame) -> pd.DataFrame:
    if time_index(frame).tz is None:
        frame = frame.tz_localize("UTC")
    return frame.sort_index()


def _ticks(frames: Mapping[Any, pd.DataFrame], bucket: timedelta, start: datetime | None) -> pd.DatetimeIndex:
    stamps = [time_index(frame) for frame in frames.values() if len(frame)]
    if not stamps:
        return pd.DatetimeIndex([], tz="UTC")
    first = min(index[0] for index in stamps)
    last = max(index[-1] for index in stamps)
    ticks = pd.date_range(first, last, freq=pd.Timedelta(bucket))
    return ticks[ticks >= pd.Timestamp(start)] if start is not None else ticks


class _Tracker:
    """Turns lifecycle events into one :class:`BacktestAlert` per fired episode, with the highest
    value and score of the episode's anomalous buckets (those while it was pending too)."""

    def __init__(self) -> None:
        self.open: dict[str, BacktestAlert] = {}
        self.done: list[BacktestAlert] = []
        self.peaks: dict[str, tuple[float | None, float]] = {}   # episode so far: (peak value, peak score)

    def observe(self, events: list[AlertEvent], book: AlertBook, assessments: Mapping[str, Any]) -> None:
        for fp, assessment in assessments.items():
            if assessment.anomalous and book.states[fp].state in ("pending", "firing"):
                value, score = self.peaks.get(fp, (None, 0.0))
                if assessment.value is not None:
                    value = assessment.value if value is None else max(value, assessment.value)
                self.peaks[fp] = (value, max(score, assessment.score))
        for event in events:
            entry = book.states[event.fingerprint]
            if event.kind == "firing":
                self.open[event.fingerprint] = BacktestAlert(
                    rule=entry.rule, brand=entry.labels.get("brand", ""), starts_at=entry.active_since or event.at,
                    detected_at=event.at, labels=dict(entry.labels))
            elif event.kind == "resolved" and event.fingerprint in self.open:
                alert = self.open.pop(event.fingerprint)
                alert.ends_at = event.at
                self.done.append(alert)
            if event.kind in ("resolved", "cancelled"):
                self.peaks.pop(event.fingerprint, None)
        for fp, alert in self.open.items():
            alert.peak_value, alert.score = self.peaks.get(fp, (alert.peak_value, alert.score))

    def finish(self) -> list[BacktestAlert]:
        alerts = [*self.done, *self.open.values()]
        return sorted(alerts, key=lambda a: (a.detected_at, a.rule, a.brand))


def rules_for(config: AlertsConfig, *, metric: str | None = None, names: list[str] | None = None,
              sensitivity: str | None = None) -> AlertsConfig:
    """The config with only the rules to backtest: those on ``metric`` and named in ``names`` (when
    given), each at ``sensitivity`` (when given). Raises :class:`SeriesError` when none is left."""
    rules = [rule for rule in config.rules if (metric is None or rule.metric == metric)
             and (not names or rule.name in names)]
    if not rules:
        configured = ", ".join(f"{rule.name} ({rule.metric})" for rule in config.rules) or "none"
        wanted = " and ".join(part for part in (f"metric {metric}" if metric else "",
                                                f"name {', '.join(names)}" if names else "") if part)
        raise SeriesError(f"no alert rule with {wanted} (configured: {configured})")
    if sensitivity is not None:
        rules = [rule.model_copy(update={"sensitivity": sensitivity}) for rule in rules]
    return config.model_copy(update={"rules": rules})


def series_backtest(config: AlertsConfig, path: str | Path, metric: str, brand: str) -> Backtest:
    """Backtest a ``timestamp,value`` CSV whose values are ``metric`` (counts) for ``brand``."""
    buckets = to_buckets(read_series(path), config.bucket)
    return replay(config, {brand: buckets.to_frame(metric)})
