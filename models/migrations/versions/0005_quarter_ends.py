"""school quarter ends per municipality; due dates outside the plan

Revision ID: 0005_quarter_ends
Revises: 0004_update_inbox
Create Date: 2026-11-30 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_quarter_ends"
down_revision: str | None = "0004_update_inbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quarter_ends", sa.JSON(), nullable=True))
    with op.batch_alter_table("due_date", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("outside_plan", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("due_date", schema=None) as batch_op:
        batch_op.drop_column("outside_plan")
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.drop_column("quarter_ends")
