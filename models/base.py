"""Declarative base, the UTC timestamp type and the enumerations stored in the database."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls: type[StrEnum], name: str) -> Enum:
    """A portable enum: VARCHAR plus a CHECK constraint, storing the enum's values."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


class DueKind(StrEnum):
    DATE = "date"
    WINDOW = "window"
    YEARLY = "yearly"
    HALF_YEAR = "half_year"
    ONGOING = "ongoing"
    NEEDS_DATE = "needs_date"


class Target(StrEnum):
    """Who an activity goes to, as the plan's executors say."""

    ALL_SCHOOLS = "all"
    SHNOR = "shnor"
    SHNSU = "shnsu"
    SHNOR_SHNSU = "shnor_shnsu"
    DEPARTMENT = "department"

    @property
    def for_schools(self) -> bool:
        return self is not Target.DEPARTMENT


class SchoolKind(StrEnum):
    SHNOR = "shnor"
    SHNSU = "shnsu"
    BOTH = "both"
    OTHER = "other"

    def matches(self, target: Target) -> bool:
        if target is Target.ALL_SCHOOLS:
            return True
        if target is Target.SHNOR:
            return self in (SchoolKind.SHNOR, SchoolKind.BOTH)
        if target is Target.SHNSU:
            return self in (SchoolKind.SHNSU, SchoolKind.BOTH)
        if target is Target.SHNOR_SHNSU:
            return self is not SchoolKind.OTHER
        return False


class ActivityKind(StrEnum):
    PLAN = "plan"  # a row of the approved plan
    HALF_YEAR_REPORT = "half_year_report"  # «аналитические материалы по итогам полугодия»


class Role(StrEnum):
    SUPERVISOR = "supervisor"
    COORDINATOR = "coordinator"


class AssignmentStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class SubmissionState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    CANCELLED = "cancelled"


class EvidenceKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    VIDEO = "video"


class ReminderState(StrEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
