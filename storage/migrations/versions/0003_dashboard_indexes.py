"""Indexes for the dashboard's explorer and overview at a million mentions (benchmarks/dashboard.py):
mentions per brand and overall in time order, and the label of a mention's score without the table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mention_brands") as batch:
        batch.drop_index("ix_mention_brands_brand_id_created_at")
        batch.create_index("ix_mention_brands_brand_id_created_at_mention_id", ["brand_id", "created_at", "mention_id"])
        batch.create_index("ix_mention_brands_created_at_mention_id", ["created_at", "mention_id"])
    with op.batch_alter_table("sentiments") as batch:
        batch.create_index("ix_sentiments_mention_id_model_id_label", ["mention_id", "model_id", "label"])


def downgrade() -> None:
    with op.batch_alter_table("sentiments") as batch:
        batch.drop_index("ix_sentiments_mention_id_model_id_label")
    with op.batch_alter_table("mention_brands") as batch:
        batch.drop_index("ix_mention_brands_created_at_mention_id")
        batch.drop_index("ix_mention_brands_brand_id_created_at_mention_id")
        batch.create_index("ix_mention_brands_brand_id_created_at", ["brand_id", "created_at"])
