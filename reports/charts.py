"""Charts as PNG files, drawn with matplotlib's headless backend."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

COLORS = {"negative": "#d6453d", "neutral": "#b8bcc4", "positive": "#3a9a5b", "volume": "#4a6fa5",
          "anger": "#8e1b12"}


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


def svg(figure: plt.Figure) -> str:
    """A figure as an inline `<svg>` element (text kept as text, ids stable), and the figure closed."""
    buffer = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "brandpulse"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def sentiment_bars(frame: pd.DataFrame, *, title: str | None = None, width: float = 9.0) -> str:
    """Stacked negative/neutral/positive (and unscored) mentions per bucket, with the net sentiment
    ((positive - negative) / scored, in %) as a line on the right axis. Returns inline SVG."""
    figure, axis = plt.subplots(figsize=(width, 3.2))
    x = mdates.date2num(pd.DatetimeIndex(frame.index).to_pydatetime()) if len(frame) else []
    step = (x[1] - x[0]) if len(x) > 1 else 1.0
    bottom = None
    unscored = (frame["volume"] - frame["scored"]).clip(lower=0)
    for name, values, color in (("negative", frame["negative"], COLORS["negative"]),
                                ("neutral", frame["neutral"], COLORS["neutral"]),
                                ("positive", frame["positive"], COLORS["positive"]),
                                ("unscored", unscored, "#e6e6e6")):
        if name == "unscored" and not unscored.any():
            continue
        axis.bar(x, values, width=step * 0.8, bottom=bottom, color=color, label=name, linewidth=0)
        bottom = values if bottom is None else bottom + values
    axis.set_ylabel("mentions")
    axis.grid(axis="y", alpha=0.3)
    axis.spines[["top"]].set_visible(False)
    net = axis.twinx()
    scored = frame["scored"].where(frame["scored"] > 0)
    net.plot(x, (frame["positive"] - frame["negative"]) / scored * 100, color="#1f2d3d", marker="o",
             markersize=3, linewidth=1.6, label="net sentiment (%)")
    net.axhline(0, color="#1f2d3d", linewidth=0.5, alpha=0.4)
    net.set_ylim(-100, 100)
    net.set_ylabel("net sentiment (%)")
    net.spines[["top"]].set_visible(False)
    return _dated_with_right_axis(figure, axis, net, title, ncols=5, legend_top=1.14)


def anger_share(frame: pd.DataFrame, *, title: str | None = None, width: float = 9.0) -> str:
    """Angry mentions per bucket (bars: negative with anger as the leading emotion, `storage.series`)
    and the anger share of scored mentions (%, line on the right axis). Returns inline SVG."""
    figure, axis = plt.subplots(figsize=(width, 2.6))
    x = mdates.date2num(pd.DatetimeIndex(frame.index).to_pydatetime()) if len(frame) else []
    step = (x[1] - x[0]) if len(x) > 1 else 1.0
    axis.bar(x, frame["angry"], width=step * 0.8, color=COLORS["anger"], alpha=0.35, label="angry mentions",
             linewidth=0)
    axis.set_ylabel("angry mentions")
    axis.grid(axis="y", alpha=0.3)
    axis.spines[["top"]].set_visible(False)
    share = axis.twinx()
    scored = frame["scored"].where(frame["scored"] > 0)
    percent = frame["angry"] / scored * 100
    share.plot(x, percent, color=COLORS["anger"], marker="o", markersize=3, linewidth=1.6, label="anger share (%)")
    share.set_ylim(0, max(5.0, float(percent.max() or 0) * 1.25))
    share.set_ylabel("anger share (%)")
    share.spines[["top"]].set_visible(False)
    return _dated_with_right_axis(figure, axis, share, title, ncols=2, legend_top=1.16)


def responses(rows: Sequence[Any], *, title: str | None = None, width: float = 9.0) -> str:
    """Cases opened per period (bars) with the share answered and the share answered within the SLA
    (%, lines on the right axis; `reports.cx.ResponseFigures` rows with `period` a day). Inline SVG."""
    figure, axis = plt.subplots(figsize=(width, 2.6))
    x = [mdates.date2num(datetime.fromisoformat(row.period)) for row in rows]
    step = min((b - a for a, b in pairwise(x)), default=1.0)
    axis.bar(x, [row.cases for row in rows], width=step * 0.8, color=COLORS["volume"], alpha=0.35,
             label="cases opened", linewidth=0)
    axis.set_ylabel("cases")
    axis.grid(axis="y", alpha=0.3)
    axis.spines[["top"]].set_visible(False)
    share = axis.twinx()
    lines = (("response_rate", "answered (%)", "-", COLORS["positive"]),
             ("within_sla", "within SLA (%)", "--", COLORS["negative"]))
    for name, label, style, color in lines:
        values = [float("nan") if getattr(row, name) is None else getattr(row, name) * 100 for row in rows]
        share.plot(x, values, style, color=color, marker="o", markersize=3, linewidth=1.6, label=label)
    share.set_ylim(0, 105)
    share.set_ylabel("% of cases")
    share.spines[["top"]].set_visible(False)
    return _dated_with_right_axis(figure, axis, share, title, ncols=3, legend_top=1.16)


def _dated_with_right_axis(figure: Any, axis: Any, right: Any, title: str | None, *, ncols: int,
                           legend_top: float) -> str:
    """Dates on the x axis, one legend for both y axes above the plot, the title: the finish that the
    bar-and-line charts share. Returns inline SVG."""
    axis.xaxis_date()
    axis.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
    handles, labels = axis.get_legend_handles_labels()
    extra_handles, extra_labels = right.get_legend_handles_labels()
    axis.legend(handles + extra_handles, labels + extra_labels, loc="upper left", ncols=ncols, fontsize=8,
                frameon=False, bbox_to_anchor=(0, legend_top))
    if title:
        axis.set_title(title, loc="left", fontsize=10, pad=22)
    figure.autofmt_xdate()
    return svg(figure)


def share_of_voice(rows: Sequence[tuple[str, float, float | None]], *, highlight: str | None = None) -> str:
    """Horizontal bars of each brand's share of voice (%), labelled with its net sentiment. Inline SVG."""
    figure, axis = plt.subplots(figsize=(7, 0.5 + 0.45 * max(len(rows), 1)))
    names = [name for name, _, _ in rows][::-1]
    shares = [share * 100 for _, share, _ in rows][::-1]
    colors = ["#4a6fa5" if name == highlight else "#a9b8cf" for name in names]
    bars = axis.barh(names, shares, color=colors)
    for bar, (_, _, net) in zip(bars, rows[::-1], strict=True):
        label = f"{bar.get_width():.0f}%" + (f"  net {net * 100:+.0f}" if net is not None else "")
        axis.annotate(label, (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(4, 0),
                      textcoords="offset points", va="center", fontsize=8)
    axis.set_xlim(0, max([*shares, 1]) * 1.35)
    axis.set_xlabel("share of voice (%)")
    axis.spines[["top", "right"]].set_visible(False)
    return svg(figure)
