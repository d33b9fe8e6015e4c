"""evidence download queue: next try, given up, reported

Revision ID: 0007_evidence_queue
Revises: 0006_plan_state
Create Date: 2026-11-30 20:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_evidence_queue"
down_revision: str | None = "0006_plan_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evidence_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("failure_reported_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_evidence_file_queue", ["downloaded_at", "failed_at", "next_try_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("evidence_file", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_file_queue")
        batch_op.drop_column("failure_reported_at")
        batch_op.drop_column("failed_at")
        batch_op.drop_column("next_try_at")
