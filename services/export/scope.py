"""What one export covers: the municipality, optionally one school and one period, and today."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from models import School


@dataclass
class ExportOptions:
    """``school_id``: one school only; ``period`` (first, last day): due dates inside it only."""

    school_id: int | None = None
    period: tuple[date, date] | None = None  # due dates inside it

    def keeps_plan_row(self, due_on: date | None) -> bool:
        """A plan row stays if undated or due inside the period (or there is no period)."""
        return self.period is None or due_on is None or self.period[0] <= due_on <= self.period[1]

    def keeps_assignment(self, due_on: date | None) -> bool:
        """An assignment stays if due inside the period (an undated one only without a period)."""
        if self.period is None:
            return True
        return due_on is not None and self.period[0] <= due_on <= self.period[1]


@dataclass(frozen=True)
class ExportScope:
    """One collection's fixed inputs; texts (``half_year_title``…) already translated."""

    municipality_id: int
    municipality: str
    zone: ZoneInfo
    today: date
    folder: str  # the evidence archive's top folder, which the report's links start with
    options: ExportOptions
    half_year_title: str = ""
    target_labels: dict[str, str] = field(default_factory=dict)

    def school_ids(self) -> Select:
        """The schools covered, as a subquery.

        Filters are subqueries, never long lists of ids: a region has 80,000 assignments and a
        statement may carry at most 32,767 parameters (PostgreSQL's protocol).
        """
        query = select(School.id).where(School.municipality_id == self.municipality_id)
        if self.options.school_id is not None:
            query = query.where(School.id == self.options.school_id)
        return query

    def local(self, moment: datetime | None) -> datetime | None:
        """Excel has no time zones: the municipality's local time, without the zone."""
        return moment.astimezone(self.zone).replace(tzinfo=None) if moment else None
