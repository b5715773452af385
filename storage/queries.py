"""Read-side queries shared by the CLI, the reports and the dashboard."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Join, Label, Select, and_, case, exists, func, or_, select

from brandpulse.sentiment.records import LABELS
from brandpulse.storage.schema import alert_state, brands, daily_aggregates, mention_brands, mentions, sentiments

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
    authors: Sequence[str] = ()


def _label_condition(labels: Sequence[str], own_score: ColumnElement[bool]) -> ColumnElement[bool]:
    """Mentions scored with one of `labels`, or not scored by the model at all for "unscored"."""
    known = [name for name in labels if name != "unscored"]
    by_label: list[ColumnElement[bool]] = [exists().where(own_score, sentiments.c.label.in_(known))] if known else []
    if "unscored" in labels:
        by_label.append(~exists().where(own_score))
    return or_(*by_label)


def _mention_conditions(filters: MentionFilter, own_score: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the explorer's filters (an empty field adds none)."""
    columns = [(brands.c.name, filters.brands), (mentions.c.source, filters.sources),
               (mentions.c.language, filters.languages), (mentions.c.author_handle, filters.authors)]
    conditions: list[ColumnElement[bool]] = [column.in_(list(values)) for column, values in columns if values]
    if filters.labels:
        conditions.append(_label_condition(filters.labels, own_score))
    if filters.since:
        conditions.append(mention_brands.c.created_at >= filters.since)
    if filters.until:
        conditions.append(mention_brands.c.created_at < filters.until)
    if filters.text:
        conditions.append(func.lower(mentions.c.text).contains(filters.text.lower(), autoescape=True))
    return conditions


def _mentions_query(filters: MentionFilter, *, ordered: bool = True) -> Select[Any]:
    """The explorer's query. The model's score is read with correlated subqueries rather than a join:
    a page of 50 newest mentions then costs 50 index lookups, where a left join over a million
    mentions makes SQLite build a Bloom filter over every score first."""
    own_score = and_(sentiments.c.mention_id == mention_brands.c.mention_id, sentiments.c.model_id == filters.model_id)
    label = select(sentiments.c.label).where(own_score).scalar_subquery()
    score = select(sentiments.c.score).where(own_score).scalar_subquery()
    query = (
        select(mentions.c.id, brands.c.name.label("brand"), mentions.c.source, mentions.c.external_id,
               mention_brands.c.created_at, mentions.c.language, label.label("label"), score.label("score"),
               mentions.c.author_handle, mentions.c.author_reach, mentions.c.likes, mentions.c.reposts,
               mentions.c.replies, mentions.c.url, mentions.c.text)
        .select_from(mention_brands.join(mentions, mentions.c.id == mention_brands.c.mention_id)
                     .join(brands, brands.c.id == mention_brands.c.brand_id))
    )
    query = query.where(*_mention_conditions(filters, own_score))
    if ordered:
        if filters.newest_first:
            query = query.order_by(mention_brands.c.created_at.desc(), mention_brands.c.mention_id.desc())
        else:
            query = query.order_by(mention_brands.c.created_at, mention_brands.c.mention_id)
    if filters.offset:
        query = query.offset(filters.offset)
    if filters.limit is not None:
        query = query.limit(filters.limit)
    return query


def mention_frame(rows: Any, columns: list[str]) -> pd.DataFrame:
    """Rows of mentions as a frame whose missing texts (author, language, label, url) are None.

    pandas 3 stores text columns as its string dtype, where a missing value reads as NaN: a float,
    and truthy, so `row.author_handle or ""` would pass it on (to a table, or to JSON that PostgreSQL
    refuses). Text columns stay Python objects instead.
    """
    frame = pd.DataFrame(rows, columns=columns)
    for name in frame.columns:
        if pd.api.types.is_string_dtype(frame[name].dtype):
            column = frame[name].astype(object)
            frame[name] = column.where(column.notna(), None)
    return frame


def find_mentions(connection: Connection, filters: MentionFilter) -> pd.DataFrame:
    """Mentions matching `filters`, one row per (mention, brand), newest first unless asked otherwise.

    `labels` may include "unscored" for mentions `model_id` has not scored yet.
    """
    return mention_frame(connection.execute(_mentions_query(filters)).all(), MENTION_COLUMNS)


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


def latest_mention_at(connection: Connection) -> datetime | None:
    """When the newest stored mention was posted (None: no mentions), e.g. to find imported history."""
    return connection.execute(select(func.max(mentions.c.created_at))).scalar()


def active_alerts(connection: Connection) -> pd.DataFrame:
    query = select(alert_state.c.fingerprint, alert_state.c.rule, alert_state.c.labels, alert_state.c.state,
                   alert_state.c.updated_at).where(alert_state.c.state.in_(["pending", "firing"]))
    return pd.DataFrame(connection.execute(query).all(), columns=["fingerprint", "rule", "labels", "state", "since"])


# ----------------------------------------------------------------------------------------------------
# Aggregates for reports and the dashboard. Every count joins the scores of one model only.

COUNT_COLUMNS = ["volume", "scored", "negative", "neutral", "positive"]


def _label_counts(model_id: str) -> list[Label[Any]]:
    label = sentiments.c.label
    return [func.count().label("volume"), func.count(label).label("scored"),
            func.sum(case((label == "negative", 1), else_=0)).label("negative"),
            func.sum(case((label == "neutral", 1), else_=0)).label("neutral"),
            func.sum(case((label == "positive", 1), else_=0)).label("positive")]


def _scored_links(model_id: str) -> Join:
    """mention_brands joined to its brand and to `model_id`'s score (if any)."""
    return (mention_brands.join(brands, brands.c.id == mention_brands.c.brand_id)
            .outerjoin(sentiments, and_(sentiments.c.mention_id == mention_brands.c.mention_id,
                                        sentiments.c.model_id == model_id)))


def utc_day(connection: Connection, column: ColumnElement[datetime]) -> ColumnElement[str]:
    """`column` (a UTC timestamp) as its UTC calendar day, 'YYYY-MM-DD'.

    SQLite stores UTC timestamps as ISO text, so the day is its first ten characters (cheaper than
    strftime on every row); PostgreSQL formats the timestamptz in UTC.
    """
    if connection.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(column, 1, 10)


def daily_counts(connection: Connection, *, model_id: str, start: datetime, end: datetime,
                 brand_names: Sequence[str] | None = None) -> pd.DataFrame:
    """Per brand and UTC day in [start, end): volume, scored, negative, neutral, positive (long form).

    Only days with mentions appear; `day` is a midnight-UTC timestamp.
    """
    return per_brand_day(connection, _label_counts(model_id), COUNT_COLUMNS, _scored_links(model_id),
                         start=start, end=end, brand_names=brand_names)


def per_brand_day(connection: Connection, counts: Sequence[Label[Any]], names: Sequence[str], joined: Join, *,
                  start: datetime, end: datetime, brand_names: Sequence[str] | None) -> pd.DataFrame:
    """The integer aggregates `counts` (labelled `names`) per brand and UTC day of the mention links in
    [start, end) over `joined` (mention_brands joined to brands and what the counts read); long form, days
    with rows only, `day` a midnight-UTC timestamp."""
    day = utc_day(connection, mention_brands.c.created_at).label("day")
    query = (select(brands.c.name.label("brand"), day, *counts).select_from(joined)
             .where(mention_brands.c.created_at >= start, mention_brands.c.created_at < end)
             .group_by(brands.c.name, day))
    if brand_names is not None:
        query = query.where(brands.c.name.in_(list(brand_names)))
    frame = pd.DataFrame(connection.execute(query).all(), columns=["brand", "day", *names])
    frame["day"] = pd.to_datetime(frame["day"], utc=True)
    frame[list(names)] = frame[list(names)].astype("int64")
    return frame


def breakdown(connection: Connection, *, model_id: str, by: str, start: datetime, end: datetime,
              brand_names: Sequence[str] | None = None) -> pd.DataFrame:
    """Counts per brand and `by` ("source" or "language") in [start, end), largest first: live
    mentions and the pruned days' aggregates together (see `pruned_counts`)."""
    if by not in ("source", "language"):
        raise ValueError(f"cannot break down by {by!r} (source or language)")
    key = func.coalesce(mentions.c[by], "unknown").label("key")
    query = (select(brands.c.name.label("brand"), key, *_label_counts(model_id))
             .select_from(_scored_links(model_id).join(mentions, mentions.c.id == mention_brands.c.mention_id))
             .where(mention_brands.c.created_at >= start, mention_brands.c.created_at < end)
             .group_by(brands.c.name, key))
    if brand_names is not None:
        query = query.where(brands.c.name.in_(list(brand_names)))
    live = pd.DataFrame(connection.execute(query).all(), columns=["brand", "key", *COUNT_COLUMNS])
    live[COUNT_COLUMNS] = live[COUNT_COLUMNS].astype("int64")
    pruned = pruned_counts(connection, model_id=model_id, by=by, start=start, end=end, brand_names=brand_names)
    pruned = pruned.rename(columns={by: "key"}).replace({"key": {"": "unknown"}})  # aggregates keep NULL as ""
    frame = sum_counts([live, pruned], ["brand", "key"])
    return frame.sort_values(["brand", "volume", "key"], ascending=[True, False, True], ignore_index=True)


#: What the aggregates of pruned mentions can be counted by.
AGGREGATE_KEYS = ("day", "source", "language")


def pruned_counts(connection: Connection, *, model_id: str, by: str, start: datetime, end: datetime,
                  brand_names: Sequence[str] | None = None) -> pd.DataFrame:
    """Counts of the mentions retention pruned, per brand and `by` ("day", "source" or "language"):
    volume, scored, negative, neutral, positive, read from `daily_aggregates`.

    Aggregates cover whole days: a pruned day counts when its midnight (UTC) lies in [start, end), as
    a daily series labels it. `day` is a midnight-UTC timestamp; an unknown language is "". Only
    `model_id`'s scores count.
    """
    if by not in AGGREGATE_KEYS:
        raise ValueError(f"pruned counts cannot be counted by {by!r} ({', '.join(AGGREGATE_KEYS)})")
    stored = daily_aggregates.c
    is_volume = stored.model_id == ""
    of_model = stored.model_id == model_id
    query = (select(brands.c.name.label("brand"), stored[by],
                    func.sum(case((is_volume, stored.mentions), else_=0)).label("volume"),
                    func.sum(case((of_model, stored.mentions), else_=0)).label("scored"),
                    *(func.sum(case((and_(of_model, stored.label == name), stored.mentions), else_=0)).label(name)
                      for name in LABELS))
             .select_from(daily_aggregates.join(brands, brands.c.id == stored.brand_id))
             .where(stored.day >= _first_day_from(start), stored.day < _first_day_from(end), is_volume | of_model)
             .group_by(brands.c.name, stored[by]))
    if brand_names is not None:
        query = query.where(brands.c.name.in_(list(brand_names)))
    frame = pd.DataFrame(connection.execute(query).all(), columns=["brand", by, *COUNT_COLUMNS])
    if by == "day":
        frame["day"] = pd.to_datetime(frame["day"].astype(str), utc=True)
    frame[COUNT_COLUMNS] = frame[COUNT_COLUMNS].astype("int64")
    return frame


def sum_counts(frames: Sequence[pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    """Count frames (live and pruned, say) added up per `keys`, sorted by `keys`."""
    present = [frame for frame in frames if not frame.empty]
    if not present:
        return frames[0]
    return pd.concat(present, ignore_index=True).groupby(keys, as_index=False)[COUNT_COLUMNS].sum()


def _first_day_from(moment: datetime) -> date:
    """The first day whose midnight (UTC) is at or after `moment`."""
    moment = moment.astimezone(UTC)
    return moment.date() if moment.time() == time(0) else moment.date() + timedelta(days=1)


def pruned_before(connection: Connection) -> datetime | None:
    """Midnight UTC after the last day retention pruned mentions of (None: nothing was pruned).

    Retention prunes whole days, oldest first: mentions older than this are gone (only their
    counts remain, in `daily_aggregates`), so anything that needs the posts covers later days only.
    """
    last = connection.execute(select(func.max(daily_aggregates.c.day))).scalar()
    return None if last is None else datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC)


def reach_expression() -> ColumnElement[int]:
    """How many people a post reached: its views where the source counts them, else its author's audience."""
    return func.coalesce(mentions.c.views, mentions.c.author_reach, 0)


SCORED_MENTION_COLUMNS = ["id", "source", "external_id", "created_at", "language", "label", "score",
                          "author_handle", "author_reach", "reach", "likes", "reposts", "replies", "url", "text"]


def _scored_mentions_query(model_id: str, brand: str, start: datetime, end: datetime) -> Select[Any]:
    return (select(mentions.c.id, mentions.c.source, mentions.c.external_id, mention_brands.c.created_at,
                   mentions.c.language, sentiments.c.label, sentiments.c.score, mentions.c.author_handle,
                   mentions.c.author_reach, reach_expression().label("reach"), mentions.c.likes,
                   mentions.c.reposts, mentions.c.replies, mentions.c.url, mentions.c.text)
            .select_from(mention_brands.join(brands, brands.c.id == mention_brands.c.brand_id)
                         .join(mentions, mentions.c.id == mention_brands.c.mention_id)
                         .join(sentiments, and_(sentiments.c.mention_id == mention_brands.c.mention_id,
                                                sentiments.c.model_id == model_id)))
            .where(brands.c.name == brand, mention_brands.c.created_at >= start, mention_brands.c.created_at < end))


def top_reached(connection: Connection, *, model_id: str, brand: str, start: datetime, end: datetime,
                label: str = "negative", limit: int = 10) -> pd.DataFrame:
    """The `label` mentions of `brand` in [start, end) that reached the most people."""
    likes, reposts, replies, quotes = (func.coalesce(column, 0) for column in (mentions.c.likes, mentions.c.reposts,
                                                                              mentions.c.replies, mentions.c.quotes))
    engagement = likes + reposts + replies + quotes
    query = (_scored_mentions_query(model_id, brand, start, end).where(sentiments.c.label == label)
             .order_by(reach_expression().desc(), engagement.desc(), mentions.c.id).limit(limit))
    return mention_frame(connection.execute(query).all(), SCORED_MENTION_COLUMNS)


def labelled_mentions(connection: Connection, *, model_id: str, brand: str, start: datetime, end: datetime,
                      label: str = "negative", limit: int | None = None) -> pd.DataFrame:
    """Every `label` mention of `brand` in [start, end), oldest first (the complaint themes' input)."""
    query = (_scored_mentions_query(model_id, brand, start, end).where(sentiments.c.label == label)
             .order_by(mention_brands.c.created_at, mentions.c.id))
    if limit is not None:
        query = query.limit(limit)
    return mention_frame(connection.execute(query).all(), SCORED_MENTION_COLUMNS)


def count_mentions(connection: Connection, filters: MentionFilter, *, cap: int | None = 10_000) -> int:
    """How many mentions `filters` match (ignoring its limit and offset), counted up to `cap`."""
    inner = _mentions_query(replace(filters, limit=cap, offset=0), ordered=False).subquery()
    return connection.execute(select(func.count()).select_from(inner)).scalar_one()


def iter_mentions(connection: Connection, filters: MentionFilter, *, chunk: int = 5000) -> Iterator[pd.DataFrame]:
    """`find_mentions` in frames of `chunk` rows from one streamed query (for exports of any size)."""
    result = connection.execution_options(stream_results=True, yield_per=chunk).execute(_mentions_query(filters))
    for rows in result.partitions(chunk):
        yield mention_frame(rows, MENTION_COLUMNS)


def distinct_values(connection: Connection, column: str) -> list[str]:
    """The distinct non-null values of a `mentions` column (source, language), sorted."""
    rows = connection.execute(select(mentions.c[column]).where(mentions.c[column].is_not(None)).distinct())
    return sorted(value for (value,) in rows)


ALERT_COLUMNS = ["fingerprint", "rule", "labels", "state", "data", "updated_at"]


def list_alerts(connection: Connection, *, states: Sequence[str] | None = None,
                updated_since: datetime | None = None) -> pd.DataFrame:
    """Alert records with their labels and data documents, most recently updated first."""
    query = select(*(alert_state.c[name] for name in ALERT_COLUMNS)).order_by(alert_state.c.updated_at.desc(),
                                                                              alert_state.c.fingerprint)
    if states:
        query = query.where(alert_state.c.state.in_(list(states)))
    if updated_since is not None:
        query = query.where(alert_state.c.updated_at >= updated_since)
    return pd.DataFrame(connection.execute(query).all(), columns=ALERT_COLUMNS)


# ----------------------------------------------------------------------------------------------------
# The dashboard's overview and brand pages

def mention_span(connection: Connection) -> tuple[datetime | None, datetime | None]:
    """When the first and the last stored mention of any brand were posted (None, None: no mentions).

    Two queries: SQLite answers a lone min() or max() from the index's ends, but not both at once."""
    first = connection.execute(select(func.min(mention_brands.c.created_at))).scalar()
    last = connection.execute(select(func.max(mention_brands.c.created_at))).scalar()
    return _utc(first), _utc(last)


def _utc(moment: Any) -> datetime | None:
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    utc: datetime = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc


def most_reached(connection: Connection, *, model_id: str, start: datetime, end: datetime,
                 brand_names: Sequence[str], label: str = "negative", languages: Sequence[str] = (),
                 limit: int = 6) -> pd.DataFrame:
    """The `label` mentions of any of `brand_names` in [start, end) that reached the most people,
    with their brand (the overview's "most urgent mentions")."""
    engagement = mentions.c.likes + mentions.c.reposts + mentions.c.replies + mentions.c.quotes
    query = (select(brands.c.name.label("brand"), mentions.c.source, mention_brands.c.created_at, mentions.c.language,
                    sentiments.c.score, mentions.c.author_handle, reach_expression().label("reach"), mentions.c.url,
                    mentions.c.text)
             .select_from(mention_brands.join(brands, brands.c.id == mention_brands.c.brand_id)
                          .join(mentions, mentions.c.id == mention_brands.c.mention_id)
                          .join(sentiments, and_(sentiments.c.mention_id == mention_brands.c.mention_id,
                                                 sentiments.c.model_id == model_id)))
             .where(brands.c.name.in_(list(brand_names)), sentiments.c.label == label,
                    mention_brands.c.created_at >= start, mention_brands.c.created_at < end)
             .order_by(reach_expression().desc(), engagement.desc(), mentions.c.id).limit(limit))
    if languages:
        query = query.where(mentions.c.language.in_(list(languages)))
    columns = ["brand", "source", "created_at", "language", "score", "author", "reach", "url", "text"]
    return mention_frame(connection.execute(query).all(), columns)


def recent_texts(connection: Connection, *, model_id: str, brand: str, start: datetime, end: datetime,
                 label: str = "negative", languages: Sequence[str] = (), limit: int = 2000) -> list[str]:
    """The texts of `brand`'s newest `label` mentions in [start, end), at most `limit` (rising terms' input)."""
    query = (_scored_mentions_query(model_id, brand, start, end).where(sentiments.c.label == label)
             .order_by(mention_brands.c.created_at.desc()).limit(limit))
    if languages:
        query = query.where(mentions.c.language.in_(list(languages)))
    inner = query.subquery()
    return [text for (text,) in connection.execute(select(inner.c.text))]


def top_authors(connection: Connection, *, model_id: str, brand: str, start: datetime, end: datetime,
                languages: Sequence[str] = (), limit: int = 10) -> pd.DataFrame:
    """`brand`'s authors in [start, end) by the largest reach of their posts: reach, mentions, negative."""
    reach = func.max(reach_expression())
    negative = func.sum(case((sentiments.c.label == "negative", 1), else_=0))
    query = (select(mentions.c.author_handle.label("author"), reach.label("reach"), func.count().label("mentions"),
                    negative.label("negative"))
             .select_from(_scored_links(model_id).join(mentions, mentions.c.id == mention_brands.c.mention_id))
             .where(brands.c.name == brand, mentions.c.author_handle.is_not(None),
                    mention_brands.c.created_at >= start, mention_brands.c.created_at < end)
             .group_by(mentions.c.author_handle).order_by(reach.desc(), mentions.c.author_handle).limit(limit))
    if languages:
        query = query.where(mentions.c.language.in_(list(languages)))
    frame = pd.DataFrame(connection.execute(query).all(), columns=["author", "reach", "mentions", "negative"])
    frame[["reach", "mentions", "negative"]] = frame[["reach", "mentions", "negative"]].fillna(0).astype("int64")
    return frame
