"""plan core schema

Revision ID: 0001_plan_core
Revises:
Create Date: 2026-11-24 21:11:54.296489
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_plan_core"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "municipality",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("reminder_time", sa.String(length=5), nullable=True),
        sa.Column("half_year_dates", sa.JSON(), nullable=False),
        sa.Column("reminder_offsets", sa.JSON(), nullable=False),
        sa.Column("overdue_first_days", sa.Integer(), nullable=False),
        sa.Column("overdue_every_days", sa.Integer(), nullable=False),
        sa.Column("yearly_default", sa.String(length=5), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipality")),
        sa.UniqueConstraint("name", name=op.f("uq_municipality_name")),
    )
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_key", sa.String(length=255), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("period_kind", sa.String(length=16), nullable=False),
        sa.Column("source_filename", sa.String(length=255), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("period_start <= period_end", name=op.f("ck_plan_period_order")),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_plan_municipality_id_municipality"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
        sa.UniqueConstraint(
            "municipality_id", "title_key", name=op.f("uq_plan_municipality_id_title_key")
        ),
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("name_key", sa.String(length=255), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "shnor",
                "shnsu",
                "both",
                "other",
                name="school_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_school_municipality_id_municipality"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school")),
        sa.UniqueConstraint(
            "municipality_id", "name_key", name=op.f("uq_school_municipality_id_name_key")
        ),
    )
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_school_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "section",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_section_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_section")),
        sa.UniqueConstraint("plan_id", "position", name=op.f("uq_section_plan_id_position")),
    )
    with op.batch_alter_table("section", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_section_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("platform_user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "supervisor",
                "coordinator",
                name="user_role",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IS NULL OR role <> 'coordinator' OR school_id IS NOT NULL",
            name=op.f("ck_users_coordinator_has_school"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_users_municipality_id_municipality"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_users_school_id_school"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint(
            "platform", "platform_user_id", name=op.f("uq_users_platform_platform_user_id")
        ),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_users_school_id"), ["school_id"], unique=False)

    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "plan",
                "half_year_report",
                name="activity_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=48), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("executors", sa.Text(), nullable=False),
        sa.Column("deadline_phrase", sa.Text(), nullable=False),
        sa.Column("expected_result", sa.Text(), nullable=False),
        sa.Column("task", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column(
            "target",
            sa.Enum(
                "all",
                "shnor",
                "shnsu",
                "shnor_shnsu",
                "department",
                name="activity_target",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("addressed_schools", sa.JSON(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_activity_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["section.id"],
            name=op.f("fk_activity_section_id_section"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
        sa.UniqueConstraint("plan_id", "key", name=op.f("uq_activity_plan_id_key")),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_section_id"), ["section_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=True),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_audit_log_municipality_id_municipality"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_log_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "supervisor",
                "coordinator",
                name="invite_role",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role <> 'coordinator' OR school_id IS NOT NULL",
            name=op.f("ck_invite_coordinator_invite_school"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_invite_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_invite_municipality_id_municipality"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_invite_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["used_by_id"],
            ["users.id"],
            name=op.f("fk_invite_used_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invite_token_hash")),
    )
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invite_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(
            "ix_invite_school_open", ["school_id", "used_at", "revoked_at"], unique=False
        )

    op.create_table(
        "due_date",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "date",
                "window",
                "yearly",
                "half_year",
                "ongoing",
                "needs_date",
                name="due_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("set_manually", sa.Boolean(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(kind = 'needs_date') = (due_on IS NULL)",
            name=op.f("ck_due_date_date_unless_needs_date"),
        ),
        sa.CheckConstraint(
            "starts_on IS NULL OR starts_on <= due_on", name=op.f("ck_due_date_window_order")
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_due_date_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_due_date")),
        sa.UniqueConstraint("activity_id", "seq", name=op.f("uq_due_date_activity_id_seq")),
    )
    with op.batch_alter_table("due_date", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_due_date_activity_id"), ["activity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_due_date_due_on"), ["due_on"], unique=False)

    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("due_date_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "submitted",
                "accepted",
                "returned",
                name="assignment_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["due_date_id"],
            ["due_date.id"],
            name=op.f("fk_assignment_due_date_id_due_date"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_assignment_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
        sa.UniqueConstraint(
            "school_id", "due_date_id", name=op.f("uq_assignment_school_id_due_date_id")
        ),
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index("ix_assignment_due_status", ["due_date_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignment_school_id"), ["school_id"], unique=False)

    op.create_table(
        "reminder_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("for_date", sa.Date(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "claimed",
                "sent",
                "failed",
                name="reminder_state",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignment.id"],
            name=op.f("fk_reminder_log_assignment_id_assignment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_log")),
        sa.UniqueConstraint(
            "assignment_id",
            "kind",
            "for_date",
            name=op.f("uq_reminder_log_assignment_id_kind_for_date"),
        ),
    )
    op.create_table(
        "submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "submitted",
                "accepted",
                "returned",
                "cancelled",
                name="submission_state",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignment.id"],
            name=op.f("fk_submission_assignment_id_assignment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_submission_reviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_submission_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_submission_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission")),
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index(
            "ix_submission_assignment_state", ["assignment_id", "state"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_submission_school_id"), ["school_id"], unique=False)
        batch_op.create_index(
            "uq_submission_one_draft",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("state = 'draft'"),
            postgresql_where=sa.text("state = 'draft'"),
        )

    op.create_table(
        "evidence_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "photo",
                "document",
                "video",
                name="evidence_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("file_id", sa.String(length=255), nullable=False),
        sa.Column("file_unique_id", sa.String(length=128), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("mime_type", sa.String(length=128), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("stored_path", sa.String(length=512), nullable=True),
        sa.Column("media_group_id", sa.String(length=64), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("downloaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("download_attempts", sa.Integer(), nullable=False),
        sa.Column("download_error", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_evidence_file_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_file")),
        sa.UniqueConstraint(
            "submission_id",
            "file_unique_id",
            name=op.f("uq_evidence_file_submission_id_file_unique_id"),
        ),
    )
    with op.batch_alter_table("evidence_file", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_file_submission_id"), ["submission_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("evidence_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_file_submission_id"))

    op.drop_table("evidence_file")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_submission_one_draft",
            sqlite_where=sa.text("state = 'draft'"),
            postgresql_where=sa.text("state = 'draft'"),
        )
        batch_op.drop_index(batch_op.f("ix_submission_school_id"))
        batch_op.drop_index("ix_submission_assignment_state")

    op.drop_table("submission")
    op.drop_table("reminder_log")
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_school_id"))
        batch_op.drop_index("ix_assignment_due_status")

    op.drop_table("assignment")
    with op.batch_alter_table("due_date", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_due_date_due_on"))
        batch_op.drop_index(batch_op.f("ix_due_date_activity_id"))

    op.drop_table("due_date")
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_index("ix_invite_school_open")
        batch_op.drop_index(batch_op.f("ix_invite_municipality_id"))

    op.drop_table("invite")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_section_id"))
        batch_op.drop_index(batch_op.f("ix_activity_plan_id"))

    op.drop_table("activity")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_school_id"))
        batch_op.drop_index(batch_op.f("ix_users_municipality_id"))

    op.drop_table("users")
    with op.batch_alter_table("section", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_section_plan_id"))

    op.drop_table("section")
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_municipality_id"))

    op.drop_table("school")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_municipality_id"))

    op.drop_table("plan")
    op.drop_table("municipality")
