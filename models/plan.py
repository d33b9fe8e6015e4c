"""The roadmap itself: municipality, plan, sections, activities and their due dates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from models.base import ActivityKind, Base, DueKind, Target, UTCDateTime, enum_column, utcnow

DEFAULT_HALF_YEAR_DATES = ["01-15", "06-10"]
DEFAULT_QUARTER_ENDS = ["10-31", "12-31", "03-31", "05-31"]
DEFAULT_REMINDER_OFFSETS = [7, 3, 1, 0]


class Municipality(Base):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # Local time of the daily reminder pass; NULL means the REMINDER_TIME setting.
    reminder_time: Mapped[str | None] = mapped_column(String(5))
    # "MM-DD" of the half-year analytical reports (15 January, 10 June by default).
    half_year_dates: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_HALF_YEAR_DATES)
    )
    # "MM-DD" of the ends of the school quarters (четверти), September first; NULL = defaults.
    quarter_ends: Mapped[list[str] | None] = mapped_column(
        JSON, default=lambda: list(DEFAULT_QUARTER_ENDS)
    )
    # Days before a due date on which a reminder goes out (0 = on the day).
    reminder_offsets: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_REMINDER_OFFSETS)
    )
    overdue_first_days: Mapped[int] = mapped_column(Integer, default=1)
    overdue_every_days: Mapped[int] = mapped_column(Integer, default=7)
    # "MM-DD" used for «ежегодно» rows that name no month.
    yearly_default: Mapped[str] = mapped_column(String(5), default="12-20")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    plans: Mapped[list[Plan]] = relationship(back_populates="municipality")


class Plan(Base):
    __tablename__ = "plan"
    __table_args__ = (
        UniqueConstraint("municipality_id", "title_key"),
        CheckConstraint("period_start <= period_end", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(Text)
    # Normalised title: a corrected file of the same plan updates it instead of adding one.
    title_key: Mapped[str] = mapped_column(String(255))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    period_kind: Mapped[str] = mapped_column(String(16))
    source_filename: Mapped[str] = mapped_column(String(255))
    source_sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when a supervisor archived the plan: no reminders, not in /status or /tasks, kept in
    # the export. NULL: the plan is current.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    municipality: Mapped[Municipality] = relationship(back_populates="plans")
    sections: Mapped[list[Section]] = relationship(
        back_populates="plan", order_by="Section.position", cascade="all, delete-orphan"
    )
    activities: Mapped[list[Activity]] = relationship(
        back_populates="plan", order_by="Activity.position", cascade="all, delete-orphan"
    )

    @property
    def is_current(self) -> bool:
        return self.archived_at is None


class Section(Base):
    __tablename__ = "section"
    __table_args__ = (UniqueConstraint("plan_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)

    plan: Mapped[Plan] = relationship(back_populates="sections")


class Activity(Base):
    __tablename__ = "activity"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int | None] = mapped_column(
        ForeignKey("section.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[ActivityKind] = mapped_column(
        enum_column(ActivityKind, "activity_kind"), default=ActivityKind.PLAN
    )
    # The row's number as printed («1.1.» → "1.1"); ``key`` is unique within the plan.
    number: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(48))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    executors: Mapped[str] = mapped_column(Text, default="")
    deadline_phrase: Mapped[str] = mapped_column(Text, default="")
    expected_result: Mapped[str] = mapped_column(Text, default="")
    task: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    target: Mapped[Target] = mapped_column(enum_column(Target, "activity_target"))
    # School names from an «Адресность» column; empty means every school of ``target``.
    addressed_schools: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Set when a corrected plan no longer has this row but submissions were made for it.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    plan: Mapped[Plan] = relationship(back_populates="activities")
    section: Mapped[Section | None] = relationship()
    due_dates: Mapped[list[DueDate]] = relationship(
        back_populates="activity", order_by="DueDate.seq", cascade="all, delete-orphan"
    )


class DueDate(Base):
    """One date by which an activity is due (an «ежегодно» row has one per year)."""

    __tablename__ = "due_date"
    __table_args__ = (
        UniqueConstraint("activity_id", "seq"),
        CheckConstraint("(kind = 'needs_date') = (due_on IS NULL)", name="date_unless_needs_date"),
        CheckConstraint("starts_on IS NULL OR starts_on <= due_on", name="window_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[DueKind] = mapped_column(enum_column(DueKind, "due_kind"))
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    starts_on: Mapped[date | None] = mapped_column(Date)
    # True when the date is the municipality's default (an «ежегодно» row naming no month).
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # True when a supervisor set this date; a re-import of the same phrase keeps it.
    set_manually: Mapped[bool] = mapped_column(Boolean, default=False)
    # True for an explicit date outside the plan (before its approval, after its period): shown
    # for attention, never reminded of, never overdue.
    outside_plan: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    activity: Mapped[Activity] = relationship(back_populates="due_dates")
