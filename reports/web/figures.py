"""The numbers of the overview and brand pages: per brand, the window's series, totals, change
against the previous period and rising complaint terms, read for the window and its previous period
in one query (days from the overview cache; hours and language filters from the series query).

As with the daily counts (reports/web/cache.py), what happened before today is kept for `cache_ttl`
seconds: a closed day's figures are at most that stale. Today's hours and most-reached posts are
reused for `LIVE_TTL` (30 s), so a crowd of viewers costs one query per half minute; today's
daily counts stay exact, as the day cache has always kept them."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection

from brandpulse.reports.text import excluded_terms, rising_terms
from brandpulse.reports.web import links
from brandpulse.reports.web.cache import floor_day
from brandpulse.reports.web.settings import Dashboard
from brandpulse.reports.web.windows import Window
from brandpulse.storage.queries import COUNT_COLUMNS, recent_texts
from brandpulse.storage.series import ANGER_COLUMNS, brand_series, bucket_index, split_series

RISING_TERMS = 8
#: What each bucket of a brand's series counts: the sentiment labels, angry mentions and how many have
#: emotions at all (none: the scorer gives no emotions, and anger is unknown rather than zero).
SERIES_COUNTS = [*COUNT_COLUMNS, *ANGER_COLUMNS]


def _sum_languages(split: dict[tuple[str, str], pd.DataFrame], brand: str, languages: list[str],
                   index: pd.DatetimeIndex) -> pd.DataFrame:
    frames = [frame[SERIES_COUNTS] for (name, language), frame in split.items()
              if name == brand and language in languages]
    return sum(frames[1:], frames[0]) if frames else pd.DataFrame(0.0, index=index, columns=SERIES_COUNTS)


def _from_daily(counts: pd.DataFrame, brand: str, index: pd.DatetimeIndex) -> pd.DataFrame:
    own = counts[counts["brand"] == brand].set_index("day")[SERIES_COUNTS]
    own.index = pd.DatetimeIndex(own.index).tz_convert("UTC") if len(own) else pd.DatetimeIndex([], tz="UTC")
    return own.reindex(index, fill_value=0).astype(float)


def closed_then_live(board: Dashboard, key: tuple[Hashable, ...], start: datetime, end: datetime, now: datetime,
                     compute: Callable[[datetime, datetime], Any]) -> list[Any]:
    """`compute` over [start, end) in two parts, each cached under `key`: before today (for `cache_ttl`)
    and from today on (for `LIVE_TTL`)."""
    cut = max(start, min(end, floor_day(now)))
    parts = []
    if start < cut:
        parts.append(board.closed.get((*key, start, cut), lambda: compute(start, cut)))
    if cut < end:
        parts.append(board.live.get((*key, cut, end), lambda: compute(cut, end)))
    return parts


def _series(board: Dashboard, connection: Connection, window: Window, names: list[str], start: datetime,
            end: datetime) -> dict[str, pd.DataFrame]:
    """Counts per bucket of [start, end) per brand (summed over the window's languages, if any)."""
    index = bucket_index(start, end, window.bucket)
    if window.languages:
        split = split_series(connection, by="language", model_id=board.model_id, start=start, end=end,
                             bucket=window.bucket, brand_names=names)
        return {name: _sum_languages(split, name, window.languages, index) for name in names}
    series = brand_series(connection, model_id=board.model_id, start=start, end=end, bucket=window.bucket,
                          brand_names=names)
    return {name: frame[SERIES_COUNTS] for name, frame in series.items()}


def brand_counts(board: Dashboard, connection: Connection, window: Window, now: datetime,
                 names: list[str]) -> dict[str, pd.DataFrame]:
    """Per brand in `names`: counts per bucket over the previous period and the window together."""
    start, end = window.previous_start, window.end
    if window.bucket_name == "day" and not window.languages:
        index = bucket_index(start, end, window.bucket)
        counts = board.daily.counts(start, end, now, names)
        return {name: _from_daily(counts, name, index) for name in names}
    key = ("series", window.bucket, tuple(names), tuple(window.languages))
    parts = closed_then_live(board, key, start, end, now,
                             lambda a, b: _series(board, connection, window, names, a, b))
    return {name: pd.concat([part[name] for part in parts]) for name in names}


def period_figures(frame: pd.DataFrame) -> dict[str, Any]:
    """Totals and shares of a period; anger only where some mention has emotions."""
    totals = {name: int(frame[name].sum()) for name in SERIES_COUNTS}
    scored, positive, negative = totals["scored"], totals["positive"], totals["negative"]
    emotional = totals.pop("emotional")
    return {**totals, "angry": totals["angry"] if emotional else None,
            "net_sentiment": (positive - negative) / scored if scored else None,
            "negative_share": negative / scored if scored else None,
            "anger_share": totals["angry"] / scored if scored and emotional else None,
            "health": positive / (positive + negative) if positive + negative else None}


def _difference(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


def change(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    return {"previous": previous,
            "volume": (current["volume"] - previous["volume"]) / previous["volume"] if previous["volume"] else None,
            "net_sentiment": _difference(current["net_sentiment"], previous["net_sentiment"]),
            "negative_share": _difference(current["negative_share"], previous["negative_share"]),
            "anger_share": _difference(current["anger_share"], previous["anger_share"])}


def series_points(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Each bucket's counts; `anger` only in buckets where some mention has emotions."""
    rows = frame.to_dict("records", into=dict[str, Any]())
    return [{"start": moment.to_pydatetime(), **{name: int(row[name]) for name in COUNT_COLUMNS},
             "anger": int(row["angry"]) if row["emotional"] else None}
            for moment, row in zip(frame.index, rows, strict=True)]


def brand_rising_terms(board: Dashboard, connection: Connection, window: Window,
                       brand: str) -> list[dict[str, Any]]:
    """The terms of the brand's negative mentions that grew most against the previous period (cached)."""
    def compute() -> list[dict[str, Any]]:
        texts = {period: recent_texts(connection, model_id=board.model_id, brand=brand, start=start, end=end,
                                      languages=window.languages)
                 for period, (start, end) in {"now": (window.start, window.end),
                                              "before": (window.previous_start, window.start)}.items()}
        exclude = excluded_terms([brand, *board.exclude_terms.get(brand, [])])
        return rising_terms(texts["now"], texts["before"], exclude, RISING_TERMS)

    return board.terms.get(("rising", brand, window.start, window.end, tuple(window.languages)), compute)


def brand_figures(board: Dashboard, connection: Connection, window: Window, brand: str, frame: pd.DataFrame,
                  voice: int) -> dict[str, Any]:
    """One brand's card: totals, series, change, rising terms (alerts are added by the caller)."""
    current, previous = frame[frame.index >= window.start], frame[frame.index < window.start]
    figures = period_figures(current)
    return {"brand": brand, **figures,
            "share_of_voice": figures["volume"] / voice if voice else None,
            "share_of_voice_among": board.peers(brand),
            "series": series_points(current),
            "change": change(figures, period_figures(previous)),
            "rising_terms": brand_rising_terms(board, connection, window, brand),
            "mentions_link": links.explorer(brand=brand, since=window.start, until=window.end,
                                            language=window.languages or None)}


def share_of_voice(frames: dict[str, pd.DataFrame], window: Window, peers: list[str]) -> list[dict[str, Any]]:
    """Each peer's share of the peers' mentions, per day of the window (hours are too few mentions to share)."""
    volumes = pd.DataFrame({name: frames[name]["volume"] for name in peers})
    volumes = volumes[volumes.index >= window.start].resample("D").sum()
    totals = volumes.sum(axis=1)
    rows = volumes.to_dict("records", into=dict[str, Any]())
    return [{"start": moment.to_pydatetime(),
             "shares": {name: (float(row[name]) / total if total else None) for name in peers}}
            for moment, total, row in zip(volumes.index, totals, rows, strict=True)]
