"""What a backtest hands its user: the alerts as CSV, a summary per rule and brand, and a plot of the
series with each alert marked (PNG, or an HTML page with the plot and the alert table)."""

from __future__ import annotations

import base64
import csv
import html
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from .backtest import Backtest, BacktestAlert

CSV_FIELDS = ("rule", "brand", "starts_at", "detected_at", "ends_at", "peak_value", "score")
PLOT_SUFFIXES = (".png", ".html")


def write_csv(alerts: list[BacktestAlert], path: str | Path) -> None:
    """One row per alert, times in ISO-8601 UTC (``ends_at`` empty while still firing at the end)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(alert.row() for alert in alerts)


def summary(backtest: Backtest) -> list[dict[str, Any]]:
    """Per rule and brand: how many alerts, how long they lasted (median), and how long from an
    episode's first anomalous bucket to the alert (median)."""
    groups: dict[tuple[str, str], list[BacktestAlert]] = {}
    for alert in backtest.alerts:
        groups.setdefault((alert.rule, alert.brand), []).append(alert)
    rows = []
    for (rule, brand), alerts in sorted(groups.items()):
        lasted = [a.ends_at - a.starts_at for a in alerts if a.ends_at is not None]
        delay = [a.detected_at - a.starts_at for a in alerts]
        rows.append({"rule": rule, "brand": brand, "alerts": len(alerts),
                     "median_duration": _median(lasted), "median_delay": _median(delay),
                     "still_firing": sum(1 for a in alerts if a.ends_at is None)})
    return rows


def _median(values: list[timedelta]) -> pd.Timedelta | None:
    return pd.Series(values).median() if values else None


def plot(backtest: Backtest, path: str | Path, metric: str) -> None:
    """The bucketed series of every brand with its alerts shaded (starts_at to ends_at) and the
    moment each was detected marked; ``.png`` or ``.html``."""
    path = Path(path)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise ValueError(f"the plot is a .png or .html file, not {path.name!r}")
    image = _png(backtest, metric)
    if path.suffix.lower() == ".png":
        path.write_bytes(image)
    else:
        path.write_text(_html(backtest, image, metric), encoding="utf-8")


def _png(backtest: Backtest, metric: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    brands = sorted(backtest.series)
    figure, axes = pyplot.subplots(max(1, len(brands)), 1, figsize=(14, 3.2 * max(1, len(brands))), squeeze=False)
    for axis, brand in zip(axes[:, 0], brands, strict=False):
        frame = backtest.series[brand]
        axis.plot(frame.index, frame[metric], linewidth=0.7, color="#3465a4", label=metric)
        for alert in (a for a in backtest.alerts if a.brand == brand):
            end = alert.ends_at or frame.index[-1]
            axis.axvspan(alert.starts_at, end, color="#ef2929", alpha=0.2)
            axis.axvline(alert.detected_at, color="#a40000", linewidth=0.8)
        axis.set_title(f"{brand}: {sum(1 for a in backtest.alerts if a.brand == brand)} alerts")
        axis.set_ylabel(metric)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    pyplot.close(figure)
    return buffer.getvalue()


def _html(backtest: Backtest, image: bytes, metric: str) -> str:
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in alert.row().values()) + "</tr>"
                   for alert in backtest.alerts)
    head = "".join(f"<th>{name}</th>" for name in CSV_FIELDS)
    encoded = base64.b64encode(image).decode("ascii")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Backtest: {html.escape(metric)}</title>"
            "<style>body{font-family:sans-serif}td,th{padding:2px 8px;text-align:left}</style></head><body>"
            f"<h1>Backtest of {html.escape(metric)}: {len(backtest.alerts)} alerts over {backtest.buckets} buckets</h1>"
            f"<img alt='series with alerts marked' src='data:image/png;base64,{encoded}'>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></body></html>")
