"""Synthetic hourly brand series for the alerts tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

STORM = (pd.Timestamp("2025-03-10 09:00", tz="UTC"), pd.Timestamp("2025-03-10 17:00", tz="UTC"))


def brand_frame(seed: int, base: float, share: float, storm: bool = False, days: int = 14) -> pd.DataFrame:
    """Hourly buckets with a daily cycle, over-dispersed volumes and a noisy negative share; with
    ``storm``, about 40 extra (mostly negative) mentions an hour on day 10, 09:00-17:00."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2025-03-01", periods=24 * days, freq="h", tz="UTC")
    hour = index.hour.to_numpy()
    weekday = index.day_of_week.to_numpy() < 5
    rate = base * (0.4 + 0.6 * np.exp(-(((hour - 14) / 5.0) ** 2))) * (1 + 0.15 * weekday)
    volume = rng.negative_binomial(20, 20 / (20 + rate))
    negative = rng.binomial(volume, np.clip(share + rng.normal(0, 0.03, len(index)), 0.01, 0.9))
    if storm:
        inside = (index >= STORM[0]) & (index < STORM[1])
        extra = rng.poisson(40, inside.sum())
        volume[inside] += extra
        negative[inside] += (extra * 0.8).astype(int)
    frame = pd.DataFrame({"volume": volume, "negative": negative}, index=index)
    frame["negative_share"] = frame["negative"] / frame["volume"].replace(0, np.nan)
    frame["net_sentiment"] = rng.normal(0.1, 0.05, len(index))
    return frame
