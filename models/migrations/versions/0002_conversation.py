"""conversation state, message links, notifications

Revision ID: 0002_conversation
Revises: 0001_plan_core
Create Date: 2026-11-24 21:31:37.190358
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_conversation"
down_revision: str | None = "0001_plan_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_state",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=255), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_conversation_state")),
    )
    op.create_table(
        "message_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignment.id"],
            name=op.f("fk_message_link_assignment_id_assignment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_link")),
        sa.UniqueConstraint(
            "chat_id",
            "message_id",
            "assignment_id",
            name=op.f("uq_message_link_chat_id_message_id_assignment_id"),
        ),
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_submission_notified_at"), ["notified_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_notified_at"))
        batch_op.drop_column("notified_at")

    op.drop_table("message_link")
    op.drop_table("conversation_state")
