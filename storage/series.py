"""Time-bucketed sentiment series per brand: the alerts' and reports' common input.

Buckets of whole days also count the days retention pruned (their counts live on in
`daily_aggregates`, read through `storage.retention.daily_series`), so a daily series reads the same
before and after pruning; finer buckets need the mentions themselves and cover live ones only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Label, Select, and_, case, func, select

from brandpulse.storage.dialect import epoch_seconds
from brandpulse.storage.queries import per_brand_day
from brandpulse.storage.retention import daily_series
from brandpulse.storage.schema import brands, mention_brands, mentions, sentiments

DAY_SECONDS = 86_400
SERIES_COLUMNS = ["volume", "scored", "negative", "neutral", "positive", "negative_share", "net_sentiment",
                  "angry", "emotional", "anger_share"]
#: An angry mention: scored negative with p(anger) at least this (the model's emotions sum to 1, so anger
#: is then its leading emotion). Counted from live mentions (retention keeps no emotions).
ANGER_THRESHOLD = 0.5


def _empty_frame(index: pd.DatetimeIndex) -> pd.DataFrame:
    frame = pd.DataFrame(0.0, index=index, columns=SERIES_COLUMNS)
    frame.index.name = "bucket"
    return frame


def bucket_index(start: datetime, end: datetime, bucket: timedelta) -> pd.DatetimeIndex:
    """Buckets aligned on multiples of `bucket` since the epoch, covering [start, end)."""
    step = int(bucket.total_seconds())
    first = int(start.timestamp()) // step * step
    last = (int(end.timestamp()) - 1) // step * step
    return pd.date_range(pd.Timestamp(first, unit="s", tz="UTC"), pd.Timestamp(last, unit="s", tz="UTC"),
                         freq=pd.Timedelta(seconds=step), name="bucket")


#: Dimensions a brand's series can be split by, for rules that watch one source or language.
DIMENSIONS = {"source": mentions.c.source, "language": mentions.c.language}
_COUNTS = ["volume", "scored", "negative", "neutral", "positive", "angry", "emotional"]
#: What `daily_anger` counts: angry mentions, and scored mentions that have emotions at all (a scorer
#: without an emotion head gives none, and its anger share is unknown rather than zero).
ANGER_COLUMNS = ["angry", "emotional"]


def anger_counts() -> list[Label[Any]]:
    """The `ANGER_COLUMNS` as aggregate columns, for any query over mentions joined to their sentiments."""
    label = sentiments.c.label
    return [func.sum(case((and_(label == "negative", sentiments.c.p_anger >= ANGER_THRESHOLD), 1), else_=0))
            .label("angry"), func.count(sentiments.c.p_anger).label("emotional")]


def _counts_query(connection: Connection, model_id: str, start: datetime, end: datetime, step: int,
                  by: str | None, brand_names: Sequence[str] | None) -> Select[Any]:
    bucket_start = epoch_seconds(connection, mention_brands.c.created_at) // step * step
    label = sentiments.c.label
    keys = [brands.c.name.label("brand")]
    joined = mention_brands.join(brands, brands.c.id == mention_brands.c.brand_id)
    if by is not None:
        keys.append(func.coalesce(DIMENSIONS[by], "").label(by))
        joined = joined.join(mentions, mentions.c.id == mention_brands.c.mention_id)
    query = (
        select(*keys, bucket_start.label("bucket"), func.count().label("volume"), func.count(label).label("scored"),
               func.sum(case((label == "negative", 1), else_=0)).label("negative"),
               func.sum(case((label == "neutral", 1), else_=0)).label("neutral"),
               func.sum(case((label == "positive", 1), else_=0)).label("positive"), *anger_counts())
        .select_from(joined.outerjoin(sentiments, and_(sentiments.c.mention_id == mention_brands.c.mention_id,
                                                       sentiments.c.model_id == model_id)))
        .where(mention_brands.c.created_at >= start, mention_brands.c.created_at < end)
        .group_by(*keys, "bucket")
    )
    if brand_names is not None:
        query = query.where(brands.c.name.in_(list(brand_names)))
    return query


def _frame(rows: pd.DataFrame, index: pd.DatetimeIndex) -> pd.DataFrame:
    """`rows` (a bucket column of epoch seconds, and the counts) as a full series over `index`."""
    frame = _empty_frame(index)
    if not rows.empty:
        counts = rows[_COUNTS].astype(float)
        counts.index = pd.to_datetime(rows["bucket"].astype("int64"), unit="s", utc=True)
        present = counts.index.intersection(index)
        frame.loc[present, _COUNTS] = counts.loc[present]
    scored = frame["scored"].where(frame["scored"] > 0)
    frame["negative_share"] = (frame["negative"] / scored).fillna(0.0)
    frame["net_sentiment"] = ((frame["positive"] - frame["negative"]) / scored).fillna(0.0)
    frame["anger_share"] = (frame["angry"] / scored).fillna(0.0)
    return frame


def daily_anger(connection: Connection, *, model_id: str, start: datetime, end: datetime,
                brand_names: Sequence[str] | None = None) -> pd.DataFrame:
    """Per brand and UTC day in [start, end) (long form, days with mentions only): angry and emotional
    (`ANGER_COLUMNS`), from live mentions (retention keeps no emotions); `day` is a midnight-UTC timestamp.
    The anger beside `storage.retention.daily_series`' counts."""
    joined = (mention_brands.join(brands, brands.c.id == mention_brands.c.brand_id)
              .join(sentiments, and_(sentiments.c.mention_id == mention_brands.c.mention_id,
                                     sentiments.c.model_id == model_id)))
    return per_brand_day(connection, anger_counts(), ANGER_COLUMNS, joined, start=start, end=end,
                         brand_names=brand_names)


def _daily_rows(connection: Connection, model_id: str, start: datetime, end: datetime, step: int,
                brand_names: Sequence[str] | None) -> pd.DataFrame:
    """Counts per brand and bucket of `step` (whole days) seconds, live and pruned mentions together
    (angry mentions: live ones only, retention keeps no emotions)."""
    days = daily_series(connection, model_id=model_id, start=start, end=end, brand_names=brand_names)
    anger = daily_anger(connection, model_id=model_id, start=start, end=end, brand_names=brand_names)
    labels = [name for name in _COUNTS if name not in ANGER_COLUMNS]
    merged = days.merge(anger, on=["brand", "day"], how="left").fillna({name: 0 for name in ANGER_COLUMNS})
    seconds = (merged["day"] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    return (merged.assign(bucket=seconds // step * step)
            .groupby(["brand", "bucket"], as_index=False)[[*labels, *ANGER_COLUMNS]].sum())


def brand_series(connection: Connection, *, model_id: str, start: datetime, end: datetime,
                 bucket: timedelta = timedelta(hours=1),
                 brand_names: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """Per brand, one row per bucket in [start, end): volume, scored, negative, neutral, positive,
    negative_share (negative / scored), net_sentiment ((positive - negative) / scored), angry (negative
    with anger leading, `ANGER_THRESHOLD`; live mentions only), emotional (scored with emotions) and
    anger_share (angry / scored).

    Every bucket is present (empty ones as zeros), so detectors see quiet hours as zeros rather
    than as gaps. Only `model_id`'s scores count: series never mix models. A bucket of whole days
    includes the days retention pruned (a pruned day counts when its midnight lies in [start, end)).
    """
    step = int(bucket.total_seconds())
    if step % DAY_SECONDS == 0:
        rows = _daily_rows(connection, model_id, start, end, step, brand_names)
    else:
        query = _counts_query(connection, model_id, start, end, step, None, brand_names)
        rows = pd.DataFrame(connection.execute(query).all(), columns=["brand", "bucket", *_COUNTS])
    index = bucket_index(start, end, bucket)
    names = list(brand_names) if brand_names is not None else sorted(set(rows["brand"]))
    return {name: _frame(rows[rows["brand"] == name], index) for name in names}


def split_series(connection: Connection, *, by: str, model_id: str, start: datetime, end: datetime,
                 bucket: timedelta = timedelta(hours=1),
                 brand_names: Sequence[str] | None = None) -> dict[tuple[str, str], pd.DataFrame]:
    """`brand_series` split by `by` ("source" or "language"): keyed by (brand, value), one per value seen
    in [start, end); mentions of unknown language count under ""."""
    step = int(bucket.total_seconds())
    query = _counts_query(connection, model_id, start, end, step, by, brand_names)
    rows = pd.DataFrame(connection.execute(query).all(), columns=["brand", by, "bucket", *_COUNTS])
    index = bucket_index(start, end, bucket)
    return {(str(brand), str(value)): _frame(group, index) for (brand, value), group in rows.groupby(["brand", by])}
