"""NAB scoring rules (Numenta Anomaly Benchmark v1.1), written from its description and checked against
hand-computed cases in tests/alerts/test_alerts_nab_scorer.py.

The rules, per data file of n rows:

* The first ``min(floor(0.15 n), 0.15 * 5000)`` rows are a probationary period: detections there are
  ignored, and so are window rows that fall inside it.
* Each labelled window [left, right] (row indices, both inclusive, width w = right - left + 1) is worth at
  most A_TP. Only the best (earliest) detection inside it counts: a detection at row i earns
  ``A_TP * S(-(right - i + 1) / w) / S(-1)`` where ``S(x) = 2 / (1 + exp(5 x)) - 1`` (and ``S(x) = -1``
  for ``x >= 3``), so a detection on the left edge earns exactly A_TP and one on the right edge about
  ``0.2 A_TP``. A window without any detection costs ``-A_FN``.
* Every detection outside all windows costs ``A_FP * S(d)``: ``S(3) = -1`` (full cost) before the first
  window, and ``d = (i - right_prev) / (w_prev - 1)`` after a window, so a detection just after a window
  costs almost nothing and one far after costs nearly A_FP.
* Scores add up over files. The normalised score is ``100 (raw - null) / (perfect - null)`` with
  ``null = -A_FN * windows`` (a detector that never fires) and ``perfect = A_TP * windows``.
* A detector emits an anomaly score per row; a row is a detection when its score is ``>= threshold``.
  NAB picks, per detector and profile, the one threshold that maximises the raw score over the corpus
  (:func:`sweep`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

PROBATIONARY_PERCENT = 0.15


@dataclass(frozen=True)
class Profile:
    name: str
    tp: float
    fn: float
    fp: float


#: NAB's three application profiles (its config/profiles.json).
PROFILES: dict[str, Profile] = {
    "standard": Profile("standard", tp=1.0, fn=1.0, fp=0.11),
    "reward_low_FP_rate": Profile("reward_low_FP_rate", tp=1.0, fn=1.0, fp=0.22),
    "reward_low_FN_rate": Profile("reward_low_FN_rate", tp=1.0, fn=2.0, fp=0.11),
}


def load_profiles(path: str | Path) -> dict[str, Profile]:
    """Profiles from a NAB ``profiles.json`` (``{name: {"CostMatrix": {"tpWeight": ..}}}``)."""
    raw = json.loads(Path(path).read_text())
    return {name: Profile(name, tp=float(body["CostMatrix"]["tpWeight"]),
                          fn=float(body["CostMatrix"]["fnWeight"]), fp=float(body["CostMatrix"]["fpWeight"]))
            for name, body in raw.items()}


def scaled_sigmoid(x: float) -> float:
    """NAB's position weight: 0.98661 at -1 (left edge of a window), 0 at 0, -1 from 3 on."""
    if x >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


MAX_TP = scaled_sigmoid(-1.0)


def probationary_length(rows: int, percent: float = PROBATIONARY_PERCENT) -> float:
    """Rows with an index below this are not scored."""
    return min(math.floor(percent * rows), percent * 5000)


@dataclass
class DataFile:
    """One NAB series and its windows as inclusive row-index pairs."""

    name: str
    timestamps: np.ndarray
    values: np.ndarray
    windows: list[tuple[int, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.values)


def _parse_stamp(text: str) -> np.datetime64:
    return np.datetime64(pd.Timestamp(text).to_datetime64(), "ns")


def window_indices(timestamps: np.ndarray, limits: Iterable[Sequence[str]]) -> list[tuple[int, int]]:
    """Row indices of each window's limits; each limit must be one of the series' timestamps."""
    out = []
    for start, end in limits:
        pair = []
        for stamp in (_parse_stamp(start), _parse_stamp(end)):
            i = int(np.searchsorted(timestamps, stamp))
            if i >= len(timestamps) or timestamps[i] != stamp:
                raise ValueError(f"window limit {stamp} is not a timestamp of the series")
            pair.append(i)
        out.append((pair[0], pair[1]))
    return sorted(out)


def load_corpus(root: str | Path, names: Iterable[str] | None = None) -> list[DataFile]:
    """The data files under ``root/data`` with their windows from ``root/combined_windows.json``,
    in sorted order of their relative names (``<category>/<file>.csv``)."""
    root = Path(root)
    windows = json.loads((root / "combined_windows.json").read_text())
    wanted = sorted(windows) if names is None else list(names)
    files = []
    for name in wanted:
        frame = pd.read_csv(root / "data" / name)
        stamps = pd.to_datetime(frame["timestamp"]).to_numpy(dtype="datetime64[ns]")
        files.append(DataFile(name=name, timestamps=stamps, values=frame["value"].to_numpy(dtype=float),
                              windows=window_indices(stamps, windows[name])))
    return files


@dataclass(frozen=True)
class Layout:
    """Per row of one file: whether it is scored, the window it lies in (-1 outside), and the score a
    detection there contributes (TP weight inside a window, FP cost outside) under one profile."""

    scored: np.ndarray
    window: np.ndarray
    weight: np.ndarray


def layout(rows: int, windows: Sequence[tuple[int, int]], profile: Profile) -> Layout:
    index = np.arange(rows)
    scored = index >= probationary_length(rows)
    window = np.full(rows, -1, dtype=np.int64)
    weight = np.empty(rows, dtype=float)
    previous: tuple[int, int] | None = None   # (right edge, width) of the last window passed
    position = 0
    for k, (left, right) in enumerate([*list(windows), (rows, rows)]):
        # rows before this window (after the previous one): false positives
        for i in range(position, min(left, rows)):
            if previous is None:
                distance = 3.0
            else:
                prev_right, prev_width = previous
                distance = abs(prev_right - i) / float(prev_width - 1) if prev_width > 1 else 3.0
            weight[i] = scaled_sigmoid(distance) * profile.fp
        if left >= rows:
            break
        width = right - left + 1
        for i in range(left, right + 1):
            window[i] = k
            weight[i] = scaled_sigmoid(-(right - i + 1) / width) * profile.tp / MAX_TP
        previous = (right, width)
        position = right + 1
    return Layout(scored=scored, window=window, weight=weight)


@dataclass
class FileScore:
    name: str
    raw: float
    windows: int
    detected: int           # windows with at least one detection (true positives)
    missed: int             # windows without one (false negatives)
    false_positives: int    # detections outside every window
    first_detections: list[int | None] = field(default_factory=list)  # row of the counted detection


def score_detections(file: DataFile, detections: np.ndarray, profile: Profile) -> FileScore:
    """NAB's raw score of one file for a boolean detection per row."""
    detections = np.asarray(detections, dtype=bool)
    if len(detections) != len(file):
        raise ValueError("one detection flag per row is needed")
    lay = layout(len(file), file.windows, profile)
    active = detections & lay.scored
    raw = 0.0
    detected = 0
    firsts: list[int | None] = []
    for k in range(len(file.windows)):
        hits = np.flatnonzero(active & (lay.window == k))
        if len(hits):
            raw += float(lay.weight[hits].max())
            detected += 1
            firsts.append(int(hits[0]))
        else:
            if np.any(lay.scored & (lay.window == k)):
                raw -= profile.fn
            firsts.append(None)
    outside = active & (lay.window < 0)
    raw += float(lay.weight[outside].sum())
    scorable = sum(1 for k in range(len(file.windows)) if np.any(lay.scored & (lay.window == k)))
    return FileScore(name=file.name, raw=raw, windows=scorable, detected=detected,
                     missed=scorable - detected, false_positives=int(outside.sum()),
                     first_detections=firsts)


def score_at(files: Sequence[DataFile], scores: Sequence[np.ndarray], threshold: float,
             profile: Profile) -> list[FileScore]:
    return [score_detections(f, np.asarray(s) >= threshold, profile) for f, s in zip(files, scores, strict=True)]


def null_score(window_count: int, profile: Profile) -> float:
    return -profile.fn * window_count


def perfect_score(window_count: int, profile: Profile) -> float:
    return profile.tp * window_count


def normalise(raw: float, window_count: int, profile: Profile) -> float:
    null, perfect = null_score(window_count, profile), perfect_score(window_count, profile)
    if perfect == null:
        return 0.0
    return 100.0 * (raw - null) / (perfect - null)


@dataclass(frozen=True)
class Sweep:
    """Raw corpus score for every distinct threshold, highest threshold first. ``thresholds[0]`` is
    ``inf`` (nothing detected)."""

    thresholds: np.ndarray
    raw: np.ndarray
    window_count: int

    def best(self) -> tuple[float, float]:
        """(threshold, raw score) of the best threshold; among ties the highest threshold."""
        i = int(np.argmax(self.raw))
        return float(self.thresholds[i]), float(self.raw[i])


def sweep(files: Sequence[DataFile], scores: Sequence[np.ndarray], profile: Profile) -> Sweep:
    """The raw score of the corpus at every threshold at once (NAB's threshold optimisation).

    All scored rows of all files are sorted by anomaly score, highest first; lowering the threshold
    past a row adds its FP cost, or, inside a window, raises that window's value to the best weight
    detected so far (from ``-A_FN`` up)."""
    all_scores, increments = [], []
    window_count = 0
    for file, file_scores in zip(files, scores, strict=True):
        file_scores = np.asarray(file_scores, dtype=float)
        if len(file_scores) != len(file):
            raise ValueError(f"{file.name}: one anomaly score per row is needed")
        lay = layout(len(file), file.windows, profile)
        rows = np.flatnonzero(lay.scored)
        s = file_scores[rows]
        order = np.argsort(-s, kind="stable")
        rows, s = rows[order], s[order]
        inc = np.where(lay.window[rows] < 0, lay.weight[rows], 0.0)
        for k in range(len(file.windows)):
            mine = np.flatnonzero(lay.window[rows] == k)
            if not len(mine):
                continue
            window_count += 1
            best = np.maximum.accumulate(lay.weight[rows[mine]])
            inc[mine] = np.diff(np.concatenate(([-profile.fn], best)))
        all_scores.append(s)
        increments.append(inc)
    s = np.concatenate(all_scores) if all_scores else np.empty(0)
    inc = np.concatenate(increments) if increments else np.empty(0)
    order = np.argsort(-s, kind="stable")
    s, total = s[order], np.cumsum(inc[order]) + null_score(window_count, profile)
    # keep the last row of each run of equal scores: a threshold admits every row scoring >= it
    last = np.ones(len(s), dtype=bool)
    last[:-1] = s[:-1] != s[1:]
    thresholds = np.concatenate(([math.inf], s[last]))
    raw = np.concatenate(([null_score(window_count, profile)], total[last]))
    return Sweep(thresholds=thresholds, raw=raw, window_count=window_count)
