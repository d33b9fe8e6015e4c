"""A new date for any row of a plan, dated or not: what it would do, then doing it.

Before the date is saved the supervisor sees what it does: whether the day is already past and
how many schools' open work on that date becomes overdue at once. A wrong date is corrected the
same way; the audit log keeps every change (before → after).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import Activity, ActivityKind, Assignment, AssignmentStatus, DueDate, Plan
from services.errors import DomainError
from services.plans.due_dates import set_due_date
from services.plans.live import live_activity

OPEN = (AssignmentStatus.OPEN, AssignmentStatus.RETURNED)


@dataclass(frozen=True)
class Redate:
    """What a new date for one due date of a row does."""

    due_date_id: int
    number: str
    phrase: str
    before: date | None
    after: date
    past: bool  # the new date is before today
    overdue_now: int  # schools whose open work becomes overdue at once (0 unless past)

    @property
    def warns(self) -> bool:
        return self.past or self.overdue_now > 0


async def row_for_dating(session: AsyncSession, municipality_id: int, activity_id: int) -> Activity:
    """A row of a current plan of the municipality with its live dates loaded; DomainError
    ("plan-row-not-found") for any other id."""
    activity = await session.scalar(
        select(Activity)
        .join(Plan, Plan.id == Activity.plan_id)
        .where(
            Activity.id == activity_id,
            Plan.municipality_id == municipality_id,
            Activity.kind == ActivityKind.PLAN,
            live_activity(),
        )
        .options(selectinload(Activity.due_dates))
    )
    if activity is None:
        raise DomainError("plan-row-not-found")
    return activity


def live_dates(activity: Activity) -> list[DueDate]:
    return [d for d in activity.due_dates if d.removed_at is None]


async def live_due(session: AsyncSession, municipality_id: int, due_date_id: int) -> DueDate:
    """A live date of a current plan's row of the municipality; DomainError otherwise."""
    due = await session.scalar(
        select(DueDate)
        .join(Activity, Activity.id == DueDate.activity_id)
        .join(Plan, Plan.id == Activity.plan_id)
        .where(
            DueDate.id == due_date_id,
            DueDate.removed_at.is_(None),
            Plan.municipality_id == municipality_id,
            Activity.kind == ActivityKind.PLAN,
            live_activity(),
        )
    )
    if due is None:
        raise DomainError("plan-row-not-found")
    return due


async def preview_redate(
    session: AsyncSession, municipality_id: int, due_date_id: int, day: date, today: date
) -> Redate:
    """What dating ``due_date_id`` to ``day`` would do; nothing is changed."""
    due = await live_due(session, municipality_id, due_date_id)
    activity = await session.get(Activity, due.activity_id)
    assert activity is not None
    overdue = 0
    if day < today:
        overdue = (
            await session.scalar(
                select(func.count(func.distinct(Assignment.school_id))).where(
                    Assignment.due_date_id == due.id,
                    Assignment.active.is_(True),
                    Assignment.status.in_(OPEN),
                )
            )
        ) or 0
    return Redate(
        due.id, activity.number, activity.deadline_phrase, due.due_on, day, day < today, overdue
    )


async def redate(
    session: AsyncSession,
    municipality_id: int,
    due_date_id: int,
    day: date,
    today: date,
    *,
    actor_id: int | None,
) -> Redate:
    """Give the due date the new day (kept over a re-import of the same phrase); audited."""
    change = await preview_redate(session, municipality_id, due_date_id, day, today)
    await set_due_date(session, municipality_id, due_date_id, day, actor_id=actor_id)
    return change
