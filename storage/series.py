"""Time-bucketed sentiment series per brand: the alerts' and reports' common input."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, and_, case, func, select

from storage.dialect import epoch_seconds
from storage.schema import brands, mention_brands, sentiments

SERIES_COLUMNS = ["volume", "scored", "negative", "neutral", "positive", "negative_share", "net_sentiment"]


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


def brand_series(connection: Connection, *, model_id: str, start: datetime, end: datetime,
                 bucket: timedelta = timedelta(hours=1),
                 brand_names: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """Per brand, one row per bucket in [start, end): volume, scored, negative, neutral, positive,
    negative_share (negative / scored) and net_sentiment ((positive - negative) / scored).

    Every bucket is present (empty ones as zeros), so detectors see quiet hours as zeros rather
    than as gaps. Only `model_id`'s scores count: series never mix models.
    """
    step = int(bucket.total_seconds())
    bucket_start = epoch_seconds(connection, mention_brands.c.created_at) // step * step
    label = sentiments.c.label
    query = (
        select(brands.c.name, bucket_start.label("bucket"), func.count().label("volume"),
               func.count(label).label("scored"),
               func.sum(case((label == "negative", 1), else_=0)).label("negative"),
               func.sum(case((label == "neutral", 1), else_=0)).label("neutral"),
               func.sum(case((label == "positive", 1), else_=0)).label("positive"))
        .select_from(mention_brands.join(brands, brands.c.id == mention_brands.c.brand_id)
                     .outerjoin(sentiments, and_(sentiments.c.mention_id == mention_brands.c.mention_id,
                                                 sentiments.c.model_id == model_id)))
        .where(mention_brands.c.created_at >= start, mention_brands.c.created_at < end)
        .group_by(brands.c.name, "bucket")
    )
    if brand_names is not None:
        query = query.where(brands.c.name.in_(list(brand_names)))
    rows = pd.DataFrame(connection.execute(query).all(),
                        columns=["brand", "bucket", "volume", "scored", "negative", "neutral", "positive"])
    index = bucket_index(start, end, bucket)
    names = list(brand_names) if brand_names is not None else sorted(set(rows["brand"]))
    result = {}
    for name in names:
        frame = _empty_frame(index)
        own = rows[rows["brand"] == name]
        if not own.empty:
            counts = own.drop(columns="brand").astype(float)
            counts.index = pd.to_datetime(own["bucket"].astype("int64"), unit="s", utc=True)
            counts = counts.drop(columns="bucket")
            frame.loc[counts.index.intersection(index), counts.columns] = counts.loc[counts.index.intersection(index)]
        scored = frame["scored"].where(frame["scored"] > 0)
        frame["negative_share"] = (frame["negative"] / scored).fillna(0.0)
        frame["net_sentiment"] = ((frame["positive"] - frame["negative"]) / scored).fillna(0.0)
        result[name] = frame
    return result
