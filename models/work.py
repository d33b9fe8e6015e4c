"""What schools do: assignments, submissions and their evidence files."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import (
    AssignmentStatus,
    Base,
    EvidenceKind,
    SubmissionState,
    UTCDateTime,
    enum_column,
    utcnow,
)
from models.people import School, User
from models.plan import DueDate


class Assignment(Base):
    """One school's duty for one due date of an activity."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("school_id", "due_date_id"),
        Index("ix_assignment_due_status", "due_date_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    due_date_id: Mapped[int] = mapped_column(ForeignKey("due_date.id", ondelete="CASCADE"))
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus, "assignment_status"), default=AssignmentStatus.OPEN
    )
    status_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # False when a supervisor took the school off this row (kept so a re-import keeps it off).
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # True when a supervisor added or removed it by hand, rather than the plan's executors.
    manual: Mapped[bool] = mapped_column(Boolean, default=False)

    school: Mapped[School] = relationship()
    due_date: Mapped[DueDate] = relationship()
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="assignment", order_by="Submission.id"
    )


class Submission(Base):
    """A coordinator's confirmation: a draft from the first file until it is sent."""

    __tablename__ = "submission"
    __table_args__ = (
        Index("ix_submission_assignment_state", "assignment_id", "state"),
        # One open draft per person: every new file goes to it.
        Index(
            "uq_submission_one_draft",
            "user_id",
            unique=True,
            sqlite_where=text("state = 'draft'"),
            postgresql_where=text("state = 'draft'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL while the bot still asks which activity a draft is for.
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignment.id", ondelete="CASCADE")
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[SubmissionState] = mapped_column(
        enum_column(SubmissionState, "submission_state"), default=SubmissionState.DRAFT
    )
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_comment: Mapped[str | None] = mapped_column(Text)
    # When supervisors were told about it (notifications go out in batches).
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    assignment: Mapped[Assignment | None] = relationship(back_populates="submissions")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    files: Mapped[list[EvidenceFile]] = relationship(
        back_populates="submission", order_by="EvidenceFile.id", cascade="all, delete-orphan"
    )


class EvidenceFile(Base):
    """A photo or document attached to a submission, kept by file id and in the own store."""

    __tablename__ = "evidence_file"
    __table_args__ = (
        UniqueConstraint("submission_id", "file_unique_id"),
        # The download queue: files neither downloaded nor given up, by their next try.
        Index("ix_evidence_file_queue", "downloaded_at", "failed_at", "next_try_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[EvidenceKind] = mapped_column(enum_column(EvidenceKind, "evidence_kind"))
    file_id: Mapped[str] = mapped_column(String(255))
    file_unique_id: Mapped[str] = mapped_column(String(128))
    file_name: Mapped[str | None] = mapped_column(String(255))
    mime_type: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    # Path inside the evidence store (DATA_DIR/evidence), once downloaded.
    stored_path: Mapped[str | None] = mapped_column(String(512))
    media_group_id: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    download_attempts: Mapped[int] = mapped_column(Integer, default=0)
    download_error: Mapped[str | None] = mapped_column(String(255))
    # The download queue (scheduler/evidence.py): the next try (NULL: at once; also the lease of
    # a try under way), when it was given up after the retries, when a digest reported that.
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failure_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    submission: Mapped[Submission] = relationship(back_populates="files")
