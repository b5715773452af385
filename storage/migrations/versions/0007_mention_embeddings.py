"""Sentence embeddings of mentions per embedding model, cached for the complaint themes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from brandpulse.storage.types import BigId

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mention_embeddings",
        sa.Column("mention_id", BigId, autoincrement=False, nullable=False),
        sa.Column("model_id", sa.String(length=200), nullable=False),
        sa.Column("dimensions", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"], name=op.f("fk_mention_embeddings_mention_id_mentions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id", "model_id", name=op.f("pk_mention_embeddings")),
    )


def downgrade() -> None:
    op.drop_table("mention_embeddings")
