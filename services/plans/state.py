"""A municipality's plans and their state: current or archived; undoing a wrong import.

An archived plan sends no reminders and is out of /status, /overdue and /tasks (see
:mod:`services.plans.live`), but stays in the export. Undoing an import deletes the plan with
its rows, dates and assignments — only when no school has sent anything for it; otherwise the
supervisor is offered the archive, so no school's work is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Activity, ActivityKind, Assignment, DueDate, Plan, Submission, utcnow
from services.errors import DomainError
from services.plans.audit import record_change

CURRENT, ARCHIVED = "current", "archived"


@dataclass(frozen=True)
class PlanSummary:
    """One plan as /plans lists it."""

    plan_id: int
    title: str
    period_start: date
    period_end: date
    activities: int
    schools: int
    assignments: int
    submissions: int  # any report of a school on this plan, drafts included
    state: str

    @property
    def archived(self) -> bool:
        return self.state == ARCHIVED


def _of_plan(plan_id: int):  # type: ignore[no-untyped-def]
    return (
        select(Assignment.id)
        .join(DueDate, DueDate.id == Assignment.due_date_id)
        .join(Activity, Activity.id == DueDate.activity_id)
        .where(Activity.plan_id == plan_id)
    )


async def _summary(session: AsyncSession, plan: Plan) -> PlanSummary:
    activities = await session.scalar(
        select(func.count()).where(
            Activity.plan_id == plan.id,
            Activity.kind == ActivityKind.PLAN,
            Activity.removed_at.is_(None),
        )
    )
    assignments = _of_plan(plan.id).where(Assignment.active.is_(True))
    schools = await session.scalar(
        select(func.count(func.distinct(Assignment.school_id))).where(
            Assignment.id.in_(assignments)
        )
    )
    total = await session.scalar(select(func.count()).select_from(assignments.subquery()))
    submissions = await session.scalar(
        select(func.count()).where(Submission.assignment_id.in_(_of_plan(plan.id)))
    )
    return PlanSummary(
        plan.id,
        plan.title,
        plan.period_start,
        plan.period_end,
        activities or 0,
        schools or 0,
        total or 0,
        submissions or 0,
        CURRENT if plan.archived_at is None else ARCHIVED,
    )


async def list_plans(session: AsyncSession, municipality_id: int) -> list[PlanSummary]:
    """The municipality's plans, current first, newest first within each state."""
    plans = (
        await session.scalars(select(Plan).where(Plan.municipality_id == municipality_id))
    ).all()
    plans = sorted(plans, key=lambda p: (p.archived_at is not None, -p.id))
    return [await _summary(session, plan) for plan in plans]


async def plan_summary(session: AsyncSession, municipality_id: int, plan_id: int) -> PlanSummary:
    """One of the municipality's plans; DomainError("plans-not-found") for any other id."""
    return await _summary(session, await _plan(session, municipality_id, plan_id))


async def _plan(session: AsyncSession, municipality_id: int, plan_id: int) -> Plan:
    plan = await session.get(Plan, plan_id)
    if plan is None or plan.municipality_id != municipality_id:
        raise DomainError("plans-not-found")
    return plan


async def undo_import(
    session: AsyncSession, municipality_id: int, plan_id: int, *, actor_id: int | None
) -> PlanSummary:
    """Delete the plan, its rows, dates and assignments (their reminders with them).

    Raises DomainError("plans-undo-has-submissions") when a school sent anything for it.
    """
    plan = await _plan(session, municipality_id, plan_id)
    summary = await _summary(session, plan)
    if summary.submissions:
        raise DomainError("plans-undo-has-submissions", n=summary.submissions)
    record_change(
        session,
        municipality_id=municipality_id,
        actor_id=actor_id,
        action="plan.undo_import",
        object_type="plan",
        object_id=plan.id,
        before={
            "title": plan.title,
            "source": plan.source_filename,
            "activities": summary.activities,
            "assignments": summary.assignments,
        },
        after=None,
    )
    # The database cascades to sections, rows, dates, assignments, reminder log and links.
    await session.execute(delete(Plan).where(Plan.id == plan.id))
    session.expunge(plan)
    await session.flush()
    return summary


async def set_plan_state(
    session: AsyncSession, municipality_id: int, plan_id: int, state: str, *, actor_id: int | None
) -> PlanSummary:
    """Archive the plan or make it current again; raises DomainError("plans-state-same") when
    it already is in that state."""
    plan = await _plan(session, municipality_id, plan_id)
    before = CURRENT if plan.archived_at is None else ARCHIVED
    if state not in (CURRENT, ARCHIVED):
        raise DomainError("plans-not-found")
    if before == state:
        raise DomainError("plans-state-same")
    plan.archived_at = utcnow() if state == ARCHIVED else None
    record_change(
        session,
        municipality_id=municipality_id,
        actor_id=actor_id,
        action="plan.state",
        object_type="plan",
        object_id=plan.id,
        before=before,
        after=state,
    )
    await session.flush()
    return await _summary(session, plan)
