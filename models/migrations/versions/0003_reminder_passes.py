"""reminder passes

Revision ID: 0003_reminder_passes
Revises: 0002_conversation
Create Date: 2026-11-24 21:45:13.819892
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_reminder_passes"
down_revision: str | None = "0002_conversation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminder_pass",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("messages_sent", sa.Integer(), nullable=False),
        sa.Column("digest_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_reminder_pass_municipality_id_municipality"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_pass")),
        sa.UniqueConstraint(
            "municipality_id",
            "local_date",
            name=op.f("uq_reminder_pass_municipality_id_local_date"),
        ),
    )


def downgrade() -> None:
    op.drop_table("reminder_pass")
