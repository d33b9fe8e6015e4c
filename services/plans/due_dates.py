"""The due dates of a plan's rows: written from the deadline phrases, dated by hand where the
plan gives none, the half-year report every school writes, and re-dating after the
municipality's calendar changed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import (
    Activity,
    ActivityKind,
    Assignment,
    AuditLog,
    DueDate,
    DueKind,
    Municipality,
    Plan,
    Submission,
    Target,
    utcnow,
)
from services.dates import Calendar, Deadline, Due, PeriodKind, PlanPeriod, parse_deadline
from services.errors import DomainError
from services.plans.assignments import sync_assignments
from services.plans.municipality import calendar_of

HALF_YEAR_KEY = "half_year_report"


async def submission_counts(session: AsyncSession, plan_id: int) -> dict[int, int]:
    """Submissions per due date id of a plan (every state, abandoned drafts too)."""
    rows = await session.execute(
        select(Assignment.due_date_id, func.count(Submission.id))
        .join(Submission, Submission.assignment_id == Assignment.id)
        .join(DueDate, DueDate.id == Assignment.due_date_id)
        .join(Activity, Activity.id == DueDate.activity_id)
        .where(Activity.plan_id == plan_id)
        .group_by(Assignment.due_date_id)
    )
    return {due_date_id: count for due_date_id, count in rows.all()}


def save_due_dates(
    activity: Activity, deadline: Deadline, counts: dict[int, int], now: datetime
) -> None:
    """Write ``deadline``'s dates onto the row, matched by their order.

    A date that is no longer wanted is dropped, or kept marked removed when ``counts`` (due date
    id → submissions) says something was submitted for it. Dates a supervisor set by hand stay
    while the phrase is the same.
    """
    same_phrase = activity.deadline_phrase == deadline.phrase
    activity.deadline_phrase = deadline.phrase
    current = sorted(activity.due_dates, key=lambda d: d.seq)
    if same_phrase and any(d.set_manually for d in current):
        return  # a supervisor dated this row by hand and the plan still says the same
    wanted = deadline.dues
    for seq, due in enumerate(wanted, start=1):
        existing = next((d for d in current if d.seq == seq), None)
        if existing is None:
            existing = DueDate(seq=seq)
            activity.due_dates.append(existing)
        existing.kind = due.kind
        existing.due_on = due.due_on
        existing.starts_on = due.starts_on
        existing.is_default = due.is_default
        existing.outside_plan = due.outside
        existing.set_manually = False
        existing.removed_at = None
    for extra in current:
        if extra.seq <= len(wanted):
            continue
        if counts.get(extra.id, 0):
            extra.removed_at = extra.removed_at or now
        else:
            activity.due_dates.remove(extra)


async def _half_year_activity(session: AsyncSession, plan: Plan) -> Activity:
    activity = await session.scalar(
        select(Activity)
        .where(Activity.plan_id == plan.id, Activity.kind == ActivityKind.HALF_YEAR_REPORT)
        .options(selectinload(Activity.due_dates))
    )
    if activity is None:
        activity = Activity(
            plan_id=plan.id,
            kind=ActivityKind.HALF_YEAR_REPORT,
            number="",
            key=HALF_YEAR_KEY,
            position=0,
            text="",
            target=Target.ALL_SCHOOLS,
            due_dates=[],
        )
        session.add(activity)
        await session.flush()
    return activity


async def ensure_half_year_report(
    session: AsyncSession,
    plan: Plan,
    municipality: Municipality,
    counts: dict[int, int] | None = None,
) -> Activity:
    """Every school reports «по итогам полугодия» on the municipality's half-year dates
    (15 January and 10 June by default) in each year of the plan; its text comes from locales/.
    """
    counts = counts or {}
    activity = await _half_year_activity(session, plan)
    activity.key, activity.position = HALF_YEAR_KEY, 0
    activity.deadline_phrase = ""
    activity.removed_at = None
    wanted = calendar_of(municipality).half_year_days(plan.period_start, plan.period_end)
    current = sorted(activity.due_dates, key=lambda d: d.seq)
    for seq, day in enumerate(wanted, start=1):
        due = next((d for d in current if d.seq == seq), None)
        if due is None:
            due = DueDate(seq=seq)
            activity.due_dates.append(due)
        due.kind, due.due_on, due.starts_on = DueKind.HALF_YEAR, day, None
        due.is_default, due.set_manually, due.removed_at = False, False, None
    for extra in current[len(wanted) :]:
        if counts.get(extra.id, 0):
            extra.removed_at = extra.removed_at or utcnow()
        else:
            activity.due_dates.remove(extra)
    await session.flush()
    return activity


async def find_due_date(
    session: AsyncSession, municipality_id: int, due_date_id: int
) -> DueDate | None:
    """The due date with this id in one of the municipality's plans, or None."""
    return await session.scalar(
        select(DueDate)
        .join(Activity, Activity.id == DueDate.activity_id)
        .join(Plan, Plan.id == Activity.plan_id)
        .where(DueDate.id == due_date_id, Plan.municipality_id == municipality_id)
    )


async def set_due_date(
    session: AsyncSession,
    municipality_id: int,
    due_date_id: int,
    day: date,
    *,
    actor_id: int | None = None,
) -> DueDate:
    """A supervisor dates a row the plan left undated («По графику»). A re-import of the same
    phrase keeps it. Raises DomainError("plan-row-not-found") for another municipality's row."""
    due = await find_due_date(session, municipality_id, due_date_id)
    if due is None:
        raise DomainError("plan-row-not-found")
    before = due.due_on.isoformat() if due.due_on else None
    if due.kind in (DueKind.NEEDS_DATE, DueKind.WINDOW):  # a single day now
        due.kind = DueKind.DATE
    due.due_on = day
    due.starts_on = None
    due.is_default = False
    due.outside_plan = False  # a date the supervisor chose is one to remind of
    due.set_manually = True
    session.add(
        AuditLog(
            municipality_id=municipality_id,
            user_id=actor_id,
            action="due_date.set",
            object_type="due_date",
            object_id=due.id,
            details={"date": day.isoformat(), "before": before, "after": day.isoformat()},
        )
    )
    await session.flush()
    return due


async def apply_calendar(session: AsyncSession, municipality: Municipality) -> int:
    """After the municipality's dates changed (default yearly date, half-year reports), re-date
    the rows they decide: «ежегодно» with no month, «2 раза в год», the half-year report.
    Dates a supervisor set by hand stay. Returns how many activities were re-dated."""
    cal = calendar_of(municipality)
    plans = (
        await session.scalars(
            select(Plan)
            .where(Plan.municipality_id == municipality.id)
            .options(selectinload(Plan.activities).selectinload(Activity.due_dates))
        )
    ).all()
    changed = 0
    for plan in plans:
        counts = await submission_counts(session, plan.id)
        await ensure_half_year_report(session, plan, municipality, counts)
        changed += _redate_plan(plan, cal, counts)
    await session.flush()
    await sync_assignments(session, municipality.id)
    return changed


def _dates_of(dues: Iterable[Due | DueDate]) -> list[tuple[DueKind, date | None, date | None]]:
    return [(d.kind, d.due_on, d.starts_on) for d in dues]


def _redate_plan(plan: Plan, cal: Calendar, counts: dict[int, int]) -> int:
    """Re-date the rows of one plan the calendar decides; returns how many."""
    period = PlanPeriod(plan.period_start, plan.period_end, PeriodKind(plan.period_kind))
    changed = 0
    for activity in plan.activities:
        if activity.kind is not ActivityKind.PLAN or activity.removed_at is not None:
            continue
        dues = [d for d in activity.due_dates if d.removed_at is None]
        if any(d.set_manually for d in dues):
            continue
        deadline = parse_deadline(activity.deadline_phrase, period, cal)
        if _dates_of(deadline.dues) == _dates_of(dues):
            continue  # the calendar does not decide this row (or decides it as before)
        activity.deadline_phrase = ""  # so the phrase counts as new and dates are rewritten
        save_due_dates(activity, deadline, counts, utcnow())
        changed += 1
    return changed
