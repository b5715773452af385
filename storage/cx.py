"""What the CX map reads: mentions counted per touchpoint and journey stage, and example posts.

Only tagged mentions count (`mention_tags`, filled by the tag job), and only `model_id`'s scores, as
everywhere else. Angry means what it means in the series (`storage.series.ANGER_THRESHOLD`): scored
negative with anger leading; `emotional` counts the scored mentions that have emotions at all, so a
scorer without an emotion head gives an unknown anger share rather than zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Join, Select, and_, case, func, select

from brandpulse.storage.queries import COUNT_COLUMNS, mention_frame, reach_expression
from brandpulse.storage.schema import brands, mention_brands, mention_tags, mentions, sentiments
from brandpulse.storage.series import ANGER_COLUMNS, anger_counts

CELL_COLUMNS = ["touchpoint", "stage", *COUNT_COLUMNS, *ANGER_COLUMNS]
QUOTE_COLUMNS = ["id", "brand", "touchpoint", "stage", "source", "created_at", "author", "reach", "label", "score",
                 "url", "text"]


def _tagged(model_id: str) -> Join:
    return (mention_brands.join(brands, brands.c.id == mention_brands.c.brand_id)
            .join(mention_tags, mention_tags.c.mention_id == mention_brands.c.mention_id)
            .join(mentions, mentions.c.id == mention_brands.c.mention_id)
            .outerjoin(sentiments, and_(sentiments.c.mention_id == mention_brands.c.mention_id,
                                        sentiments.c.model_id == model_id)))


def _window(query: Select[Any], start: datetime, end: datetime, brand_names: Sequence[str] | None,
            languages: Sequence[str]) -> Select[Any]:
    query = query.where(mention_brands.c.created_at >= start, mention_brands.c.created_at < end)
    if languages:
        query = query.where(mentions.c.language.in_(list(languages)))
    return query if brand_names is None else query.where(brands.c.name.in_(list(brand_names)))


def cx_cells(connection: Connection, *, model_id: str, start: datetime, end: datetime,
             brand_names: Sequence[str] | None = None, languages: Sequence[str] = ()) -> pd.DataFrame:
    """Per (touchpoint, stage) with mentions in [start, end) of any of `brand_names` (default: all
    brands; in `languages`, if given): volume, scored, negative, neutral, positive, angry, emotional
    (`CELL_COLUMNS`)."""
    label = sentiments.c.label
    query = (select(mention_tags.c.touchpoint, mention_tags.c.stage, func.count().label("volume"),
                    func.count(label).label("scored"),
                    *(func.sum(case((label == name, 1), else_=0)).label(name)
                      for name in ("negative", "neutral", "positive")),
                    *anger_counts())
             .select_from(_tagged(model_id))
             .group_by(mention_tags.c.touchpoint, mention_tags.c.stage)
             .order_by(mention_tags.c.touchpoint, mention_tags.c.stage))
    rows = connection.execute(_window(query, start, end, brand_names, languages)).all()
    frame = pd.DataFrame(rows, columns=CELL_COLUMNS)
    counts = [*COUNT_COLUMNS, *ANGER_COLUMNS]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    return frame


def cx_quotes(connection: Connection, *, model_id: str, start: datetime, end: datetime,
              brand_names: Sequence[str] | None = None, languages: Sequence[str] = (),
              per_touchpoint: int = 3) -> pd.DataFrame:
    """Up to `per_touchpoint` example posts per touchpoint in [start, end) (`QUOTE_COLUMNS`): the negative
    ones that reached most people first (what a CX team acts on), then the others by reach."""
    negative_first = case((sentiments.c.label == "negative", 0), else_=1)
    order = (negative_first, reach_expression().desc(), mention_brands.c.created_at.desc(), mentions.c.id)
    rank = func.row_number().over(partition_by=mention_tags.c.touchpoint, order_by=order).label("rank")
    ranked = _window(select(mentions.c.id, brands.c.name.label("brand"), mention_tags.c.touchpoint,
                            mention_tags.c.stage, mentions.c.source, mention_brands.c.created_at,
                            func.coalesce(mentions.c.author_handle, mentions.c.author_id).label("author"),
                            reach_expression().label("reach"), sentiments.c.label, sentiments.c.score, mentions.c.url,
                            mentions.c.text, rank)
                     .select_from(_tagged(model_id)), start, end, brand_names, languages).subquery()
    query = (select(*(ranked.c[name] for name in QUOTE_COLUMNS)).where(ranked.c.rank <= per_touchpoint)
             .order_by(ranked.c.touchpoint, ranked.c.rank))
    return mention_frame(connection.execute(query).all(), QUOTE_COLUMNS)
