"""Read-side queries shared by the CLI, the reports and the dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, and_, func, select

from storage.schema import alert_state, brands, mention_brands, mentions, outbox, sentiments

MENTION_COLUMNS = ["id", "brand", "source", "external_id", "created_at", "language", "label", "score",
                   "author_handle", "author_reach", "likes", "reposts", "replies", "url", "text"]


@dataclass(frozen=True, slots=True)
class MentionFilter:
    """What the mentions explorer and `brandpulse mentions` can filter on. Empty fields don't filter."""

    model_id: str
    brands: Sequence[str] = ()
    sources: Sequence[str] = ()
    labels: Sequence[str] = ()
    languages: Sequence[str] = ()
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    limit: int | None = 100
    offset: int = 0
    newest_first: bool = True


def find_mentions(connection: Connection, filters: MentionFilter) -> pd.DataFrame:
    score = sentiments.c
    query = (
        select(mentions.c.id, brands.c.name.label("brand"), mentions.c.source, mentions.c.external_id,
               mentions.c.created_at, mentions.c.language, score.label, score.score, mentions.c.author_handle,
               mentions.c.author_reach, mentions.c.likes, mentions.c.reposts, mentions.c.replies, mentions.c.url,
               mentions.c.text)
        .select_from(mention_brands.join(mentions, mentions.c.id == mention_brands.c.mention_id)
                     .join(brands, brands.c.id == mention_brands.c.brand_id)
                     .outerjoin(sentiments, and_(sentiments.c.mention_id == mentions.c.id,
                                                 sentiments.c.model_id == filters.model_id)))
    )
    conditions = []
    if filters.brands:
        conditions.append(brands.c.name.in_(list(filters.brands)))
    if filters.sources:
        conditions.append(mentions.c.source.in_(list(filters.sources)))
    if filters.labels:
        conditions.append(score.label.in_(list(filters.labels)))
    if filters.languages:
        conditions.append(mentions.c.language.in_(list(filters.languages)))
    if filters.since:
        conditions.append(mention_brands.c.created_at >= filters.since)
    if filters.until:
        conditions.append(mention_brands.c.created_at < filters.until)
    if filters.text:
        conditions.append(func.lower(mentions.c.text).contains(filters.text.lower(), autoescape=True))
    order = mention_brands.c.created_at.desc() if filters.newest_first else mention_brands.c.created_at
    query = query.where(*conditions).order_by(order, mentions.c.id).offset(filters.offset)
    if filters.limit is not None:
        query = query.limit(filters.limit)
    return pd.DataFrame(connection.execute(query).all(), columns=MENTION_COLUMNS)


def brand_totals(connection: Connection, model_id: str) -> pd.DataFrame:
    """Mentions and scored mentions per brand, with their first and last timestamps."""
    query = (
        select(brands.c.name.label("brand"), func.count().label("mentions"),
               func.count(sentiments.c.label).label("scored"),
               func.min(mention_brands.c.created_at).label("first"),
               func.max(mention_brands.c.created_at).label("last"))
        .select_from(mention_brands.join(brands, brands.c.id == mention_brands.c.brand_id)
                     .outerjoin(sentiments, and_(sentiments.c.mention_id == mention_brands.c.mention_id,
                                                 sentiments.c.model_id == model_id)))
        .group_by(brands.c.name).order_by(brands.c.name)
    )
    return pd.DataFrame(connection.execute(query).all(), columns=["brand", "mentions", "scored", "first", "last"])


def active_alerts(connection: Connection) -> pd.DataFrame:
    query = select(alert_state.c.fingerprint, alert_state.c.rule, alert_state.c.labels, alert_state.c.state,
                   alert_state.c.updated_at).where(alert_state.c.state.in_(["pending", "firing"]))
    return pd.DataFrame(connection.execute(query).all(), columns=["fingerprint", "rule", "labels", "state", "since"])


def outbox_health(connection: Connection) -> pd.DataFrame:
    """Per receiver: pending, sent and failed notifications, and the last error."""
    rows = connection.execute(
        select(outbox.c.receiver, outbox.c.status, func.count(), func.max(outbox.c.last_error))
        .group_by(outbox.c.receiver, outbox.c.status)).all()
    frame = pd.DataFrame(rows, columns=["receiver", "status", "count", "last_error"])
    return frame
