"""Charts as PNG files, drawn with matplotlib's headless backend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402  (the backend must be chosen first)
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

COLORS = {"negative": "#d6453d", "neutral": "#b8bcc4", "positive": "#3a9a5b", "volume": "#4a6fa5"}


@dataclass(frozen=True, slots=True)
class Span:
    """A period to shade on a brand's panel, e.g. an alert from firing to resolution."""

    brand: str
    start: datetime
    end: datetime | None
    label: str


def sentiment_timeline(series: Mapping[str, pd.DataFrame], path: Path, *, spans: Sequence[Span] = (),
                       title: str = "Mentions per hour by sentiment") -> Path:
    """One panel per brand: stacked negative/neutral/positive counts per bucket, alert spans shaded."""
    brands = list(series)
    figure, axes = plt.subplots(len(brands), 1, figsize=(12, 2.6 * len(brands)), sharex=True, squeeze=False)
    for axis, brand in zip(axes[:, 0], brands, strict=True):
        frame = series[brand]
        unscored = (frame["volume"] - frame["scored"]).clip(lower=0)
        axis.stackplot(frame.index, frame["negative"], frame["neutral"], frame["positive"], unscored,
                       colors=[COLORS["negative"], COLORS["neutral"], COLORS["positive"], "#eeeeee"],
                       labels=["negative", "neutral", "positive", "unscored"], linewidth=0)
        for span in (s for s in spans if s.brand == brand):
            axis.axvspan(span.start, span.end or frame.index[-1], color="#ffb300", alpha=0.25)
            axis.annotate(span.label, xy=(span.start, 1), xycoords=("data", "axes fraction"),
                          xytext=(3, -12), textcoords="offset points", fontsize=8, color="#8a5a00")
        axis.set_title(brand, loc="left", fontsize=10, fontweight="bold")
        axis.set_ylabel("mentions")
        axis.grid(axis="y", alpha=0.3)
        axis.spines[["top", "right"]].set_visible(False)
    axes[0, 0].legend(loc="upper left", ncols=4, fontsize=8, frameon=False)
    axes[-1, 0].xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
    figure.suptitle(title, fontsize=12)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
