"""Customer experience: touchpoint and journey-stage tags per mention (and the queue of mentions
waiting for them), and the response inbox
(cases, the mentions in them, and what happened to them).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from brandpulse.storage.types import BigId, UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mention_tags",
        sa.Column("mention_id", BigId, autoincrement=False, nullable=False),
        sa.Column("touchpoint", sa.String(length=60), nullable=False),
        sa.Column("stage", sa.String(length=60), nullable=False),
        sa.Column("touchpoint_confidence", sa.Float(), nullable=False),
        sa.Column("stage_confidence", sa.Float(), nullable=False),
        sa.Column("classifier", sa.String(length=100), nullable=False),
        sa.Column("tagged_at", UTCDateTime, nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"], name=op.f("fk_mention_tags_mention_id_mentions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id", name=op.f("pk_mention_tags")),
    )
    op.create_index(op.f("ix_mention_tags_touchpoint_stage"), "mention_tags", ["touchpoint", "stage"])
    op.create_table(
        "tag_queue",
        sa.Column("mention_id", BigId, autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"], name=op.f("fk_tag_queue_mention_id_mentions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id", name=op.f("pk_tag_queue")),
    )
    op.create_table(
        "cases",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("author", sa.String(length=300), nullable=False),
        sa.Column("thread_id", sa.String(length=300), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("touchpoint", sa.String(length=60), nullable=True),
        sa.Column("stage", sa.String(length=60), nullable=True),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("opened_at", UTCDateTime, nullable=False),
        sa.Column("first_response_at", UTCDateTime, nullable=True),
        sa.Column("resolved_at", UTCDateTime, nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.ForeignKeyConstraint(["brand_id"], ["brands.id"], name=op.f("fk_cases_brand_id_brands"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index(op.f("ix_cases_brand_id_source_author_state"), "cases", ["brand_id", "source", "author", "state"])
    op.create_index(op.f("ix_cases_state_opened_at"), "cases", ["state", "opened_at"])
    op.create_index(op.f("ix_cases_opened_at"), "cases", ["opened_at"])
    op.create_table(
        "case_mentions",
        sa.Column("mention_id", BigId, autoincrement=False, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_mentions_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"], name=op.f("fk_case_mentions_mention_id_mentions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id", name=op.f("pk_case_mentions")),
    )
    op.create_index(op.f("ix_case_mentions_case_id"), "case_mentions", ["case_id"])
    op.create_table(
        "case_events",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    op.create_index(op.f("ix_case_events_case_id_at"), "case_events", ["case_id", "at"])


def downgrade() -> None:
    op.drop_table("case_events")
    op.drop_table("case_mentions")
    op.drop_table("cases")
    op.drop_table("tag_queue")
    op.drop_table("mention_tags")
