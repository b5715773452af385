"""Emotion probabilities per score (anger, joy, optimism, sadness), for the angry-customer rule and the
anger share in reports; NULL for scores of models without an emotion head (and for older scores).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

EMOTION_COLUMNS = ("p_anger", "p_joy", "p_optimism", "p_sadness")


def upgrade() -> None:
    with op.batch_alter_table("sentiments") as batch:
        for name in EMOTION_COLUMNS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sentiments") as batch:
        for name in reversed(EMOTION_COLUMNS):
            batch.drop_column(name)
