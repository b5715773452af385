"""Scoring queue (the backlog without scanning scored mentions), daily aggregates (retention), and an
index on job_runs.started_at (metrics read the recent runs of every job).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from brandpulse.storage.types import BigId

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scoring_queue",
        sa.Column("mention_id", BigId, autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mentions.id"], name=op.f("fk_scoring_queue_mention_id_mentions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("mention_id", name=op.f("pk_scoring_queue")),
    )
    # Every mention no model has scored yet joins the queue.
    op.execute(
        "INSERT INTO scoring_queue (mention_id) SELECT id FROM mentions "
        "WHERE NOT EXISTS (SELECT 1 FROM sentiments WHERE sentiments.mention_id = mentions.id)"
    )
    op.create_table(
        "daily_aggregates",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("brand_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("model_id", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=10), nullable=False),
        sa.Column("mentions", BigId, nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_daily_aggregates_brand_id_brands"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("day", "brand_id", "source", "language", "model_id", "label",
                                name=op.f("pk_daily_aggregates")),
    )
    with op.batch_alter_table("daily_aggregates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_daily_aggregates_brand_id_day"), ["brand_id", "day"], unique=False)
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_runs_started_at"), ["started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_runs_started_at"))
    with op.batch_alter_table("daily_aggregates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_daily_aggregates_brand_id_day"))
    op.drop_table("daily_aggregates")
    op.drop_table("scoring_queue")
