"""Engagement counts a source did not report (a null metric in the payload) are stored as unknown
(NULL), not as 0: a post with 0 likes and one whose likes nobody told us are different facts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COUNTS = ("likes", "reposts", "replies", "quotes")


def upgrade() -> None:
    with op.batch_alter_table("mentions") as batch:
        for column in COUNTS:
            batch.alter_column(column, existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    for column in COUNTS:
        op.execute(sa.text(f"UPDATE mentions SET {column} = 0 WHERE {column} IS NULL"))
    with op.batch_alter_table("mentions") as batch:
        for column in COUNTS:
            batch.alter_column(column, existing_type=sa.Integer(), nullable=False)
