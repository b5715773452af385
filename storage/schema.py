"""The database schema. Alembic migrations under `storage/migrations` create exactly these tables."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from brandpulse.storage.types import BigId, Json, UTCDateTime

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

brands = Table(
    "brands", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

#: One row per post, whatever the number of brands it mentions: unique on (source, external_id).
mentions = Table(
    "mentions", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("source", String(40), nullable=False),
    Column("external_id", String(300), nullable=False),
    Column("url", Text),
    Column("author_id", String(200)),
    Column("author_handle", String(300)),
    Column("author_reach", BigId),
    Column("text", Text, nullable=False),
    Column("language", String(16)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("likes", Integer),  # NULL: the source did not report it
    Column("reposts", Integer),  # NULL: the source did not report it
    Column("replies", Integer),  # NULL: the source did not report it
    Column("quotes", Integer),  # NULL: the source did not report it
    Column("views", BigId),
    Column("thread_id", String(300)),
    Column("parent_id", String(300)),
    Column("raw", Json),
    UniqueConstraint("source", "external_id"),
    Index(None, "created_at"),
)

#: Which brands a mention belongs to; `created_at` is copied here so per-brand series need no join.
mention_brands = Table(
    "mention_brands", metadata,
    Column("mention_id", BigId, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id", ondelete="CASCADE"), primary_key=True),
    Column("matched_query", Text),
    Column("created_at", UTCDateTime, nullable=False),
    # The dashboard's explorer and overview walk these in time order (benchmarks/dashboard.py).
    Index(None, "brand_id", "created_at", "mention_id"),
    Index(None, "created_at", "mention_id"),
)

#: One score per mention and model: changing the model never overwrites or mixes earlier scores.
sentiments = Table(
    "sentiments", metadata,
    Column("mention_id", BigId, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True),
    Column("model_id", String(200), primary_key=True),
    Column("label", String(10), nullable=False),
    Column("score", Float, nullable=False),
    Column("p_negative", Float, nullable=False),
    Column("p_neutral", Float, nullable=False),
    Column("p_positive", Float, nullable=False),
    Column("scored_at", UTCDateTime, nullable=False),
    # Emotion probabilities (sum to 1); NULL for models without an emotion head (migration 0004).
    Column("p_anger", Float),
    Column("p_joy", Float),
    Column("p_optimism", Float),
    Column("p_sadness", Float),
    Index(None, "model_id", "label"),
    Index(None, "mention_id", "model_id", "label"),  # covering: the explorer reads labels without the table
)

#: The scoring work queue: one row per mention that no model has scored yet. `store_mentions` adds a
#: mention's row in the transaction that stores it, `save_scores` removes it in the transaction that
#: stores its score, so a claim reads the backlog alone instead of scanning every scored mention.
scoring_queue = Table(
    "scoring_queue", metadata,
    Column("mention_id", BigId, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True,
           autoincrement=False),
)

cursors = Table(
    "cursors", metadata,
    Column("source", String(40), primary_key=True),
    Column("brand", String(200), primary_key=True),
    Column("query_name", String(200), primary_key=True),
    Column("value", Json, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

#: Posts read per source and calendar month, for paid APIs' caps (X).
read_budgets = Table(
    "read_budgets", metadata,
    Column("source", String(40), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("used", BigId, nullable=False, default=0),
    Column("updated_at", UTCDateTime, nullable=False),
)

job_runs = Table(
    "job_runs", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("job", String(100), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("status", String(20), nullable=False),
    Column("counts", Json, nullable=False, default=dict),
    Column("error", Text),
    Index(None, "job", "started_at"),
    Index(None, "started_at"),  # recent runs of every job, for metrics
)

alert_state = Table(
    "alert_state", metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("rule", String(200), nullable=False),
    Column("labels", Json, nullable=False),
    Column("state", String(20), nullable=False),
    Column("data", Json, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

#: Small named documents of the alert router (group timers) and other services' state.
service_state = Table(
    "service_state", metadata,
    Column("key", String(200), primary_key=True),
    Column("data", Json, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

silences = Table(
    "silences", metadata,
    Column("id", String(64), primary_key=True),
    Column("matchers", Json, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("comment", Text, nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

#: Notifications are written here in the transaction that fires the alert, then sent and retried.
outbox = Table(
    "outbox", metadata,
    Column("id", String(64), primary_key=True),  # the notification id: enqueueing it twice is a no-op
    Column("receiver", String(200), nullable=False),
    Column("dedup_key", Text, nullable=False),
    Column("payload", Json, nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Index(None, "status", "next_attempt_at"),
)

#: Daily counts of mentions deleted by retention (`storage.retention`), so that long-range series
#: outlive the mentions. Per UTC day, brand, source and language: the row with model_id "" and
#: label "" counts every mention; the other rows count one model's scores per label, with the sum of
#: their scores. Counts are added when a day is pruned again (late arrivals), never replaced.
daily_aggregates = Table(
    "daily_aggregates", metadata,
    Column("day", Date, primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id", ondelete="CASCADE"), primary_key=True,
           autoincrement=False),
    Column("source", String(40), primary_key=True),
    Column("language", String(16), primary_key=True),
    Column("model_id", String(200), primary_key=True),
    Column("label", String(10), primary_key=True),
    Column("mentions", BigId, nullable=False),
    Column("score_sum", Float, nullable=False),
    Index(None, "brand_id", "day"),
)

#: Sentence embeddings of mentions, one per mention and embedding model (complaint themes embed each
#: post once, not once per report). `vector` holds float16 values, little-endian, `dimensions` of them.
mention_embeddings = Table(
    "mention_embeddings", metadata,
    Column("mention_id", BigId, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True,
           autoincrement=False),
    Column("model_id", String(200), primary_key=True),
    Column("dimensions", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False),
)

#: A mention's touchpoint and journey stage (`sentiment.touchpoints`); `classifier` names the taxonomy,
#: examples and settings that made them, so tags made by another setup can be told apart.
mention_tags = Table(
    "mention_tags", metadata,
    Column("mention_id", BigId, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True,
           autoincrement=False),
    Column("touchpoint", String(60), nullable=False),
    Column("stage", String(60), nullable=False),
    Column("touchpoint_confidence", Float, nullable=False),
    Column("stage_confidence", Float, nullable=False),
    Column("classifier", String(100), nullable=False),
    Column("tagged_at", UTCDateTime, nullable=False),
    Index(None, "touchpoint", "stage"),
)

#: Mentions waiting for tags: the scoring job queues each batch it scores, the tag job drains the queue
#: (tagging embeds every text once more, so it runs beside scoring instead of slowing it down).
tag_queue = Table(
    "tag_queue", metadata,
    Column("mention_id", BigId, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True,
           autoincrement=False),
)

#: The response inbox: one case per customer (brand, source, author) while it is not resolved.
#: `opened_at` is when the customer's first post of the case was written, so response times count
#: from the customer's clock, not from when the post was collected.
cases = Table(
    "cases", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("brand_id", Integer, ForeignKey("brands.id", ondelete="CASCADE"), nullable=False),
    Column("source", String(40), nullable=False),
    Column("author", String(300), nullable=False),
    Column("thread_id", String(300)),
    Column("state", String(20), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("touchpoint", String(60)),
    Column("stage", String(60)),
    Column("assignee", String(200)),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("first_response_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "brand_id", "source", "author", "state"),
    Index(None, "state", "opened_at"),
    Index(None, "opened_at"),
)

#: The mentions of a case: the customer's posts and the brand's replies. A mention is in one case at most.
case_mentions = Table(
    "case_mentions", metadata,
    Column("mention_id", BigId, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True,
           autoincrement=False),
    Column("case_id", BigId, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(20), nullable=False),
    Index(None, "case_id"),
)

#: What happened to a case, in order: opened, customer posts, replies, assignments, comments, resolution.
case_events = Table(
    "case_events", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("case_id", BigId, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("note", Text),
    Index(None, "case_id", "at"),
)
