"""update inbox

Revision ID: 0004_update_inbox
Revises: 0003_reminder_passes
Create Date: 2026-11-24 22:32:59.148818
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_update_inbox"
down_revision: str | None = "0003_reminder_passes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "update_inbox",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_update_inbox")),
    )
    with op.batch_alter_table("update_inbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_update_inbox_pending", ["processed_at", "update_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("update_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_update_inbox_pending")

    op.drop_table("update_inbox")
