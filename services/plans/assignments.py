"""Keeping assignments in step with the plans: every school gets the due dates meant for it."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Activity, Assignment, DueDate, Plan, School, Submission
from services.names import names_match

DELETE_CHUNK = 1000


async def sync_assignments(session: AsyncSession, municipality_id: int) -> tuple[int, int]:
    """Give every school the due dates of the rows meant for it; take away what no longer is.

    Assignments a supervisor changed by hand are left as they are, and an assignment with
    submissions is never deleted. Returns (created, removed).
    """
    wanted = await _wanted(session, municipality_id)
    existing = (
        await session.scalars(
            select(Assignment)
            .join(School, School.id == Assignment.school_id)
            .where(School.municipality_id == municipality_id)
        )
    ).all()
    have = {(a.school_id, a.due_date_id): a for a in existing}
    created = 0
    for school_id, due_date_id in wanted - have.keys():
        session.add(Assignment(school_id=school_id, due_date_id=due_date_id))
        created += 1
    stale = [a for key, a in have.items() if key not in wanted and not a.manual]
    removed = await _remove_unsubmitted(session, stale)
    await session.flush()
    return created, removed


async def _wanted(session: AsyncSession, municipality_id: int) -> set[tuple[int, int]]:
    """(school id, due date id) for every live due date of a row meant for that school."""
    schools = (
        await session.scalars(select(School).where(School.municipality_id == municipality_id))
    ).all()
    rows = await session.execute(
        select(DueDate.id, Activity.target, Activity.addressed_schools)
        .join(Activity, Activity.id == DueDate.activity_id)
        .join(Plan, Plan.id == Activity.plan_id)
        .where(
            Plan.municipality_id == municipality_id,
            Activity.removed_at.is_(None),
            DueDate.removed_at.is_(None),
        )
    )
    wanted: set[tuple[int, int]] = set()
    for due_date_id, target, addressed in rows.all():
        if not target.for_schools:
            continue
        for school in schools:
            if not school.kind.matches(target):
                continue
            if addressed and not any(names_match(school.name, name) for name in addressed):
                continue
            wanted.add((school.id, due_date_id))
    return wanted


async def _remove_unsubmitted(session: AsyncSession, stale: list[Assignment]) -> int:
    """Delete the stale assignments nobody submitted anything for; returns how many."""
    removed = 0
    for start in range(0, len(stale), DELETE_CHUNK):
        chunk = stale[start : start + DELETE_CHUNK]
        with_submissions = set(
            (
                await session.scalars(
                    select(Submission.assignment_id).where(
                        Submission.assignment_id.in_([a.id for a in chunk])
                    )
                )
            ).all()
        )
        doomed = [a.id for a in chunk if a.id not in with_submissions]
        if doomed:
            await session.execute(delete(Assignment).where(Assignment.id.in_(doomed)))
            removed += len(doomed)
    return removed
