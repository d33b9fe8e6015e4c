"""Which schools a row is for: a supervisor adds or takes off schools by hand.

A school taken off keeps its assignments (``active`` false, ``manual`` true): a re-import keeps it
off, its reports stay in the export (:func:`services.plans.live.kept_in_export`), and adding it
back brings its work back as it was. A school added gets the row's every live date, marked
``manual`` so a re-import keeps it on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Assignment, DueDate, School, SchoolKind, Target
from services.plans.audit import record_change
from services.plans.redating import live_dates, row_for_dating

PRESETS = {"shnor": Target.SHNOR, "shnsu": Target.SHNSU, "all": Target.ALL_SCHOOLS}


@dataclass(frozen=True)
class SchoolOption:
    school_id: int
    name: str
    kind: SchoolKind


@dataclass
class RowSchools:
    """A row's schools: every school of the municipality and which of them the row is for."""

    activity_id: int
    number: str
    schools: list[SchoolOption]
    chosen: set[int] = field(default_factory=set)

    def preset(self, name: str) -> set[int]:
        """The ids of «all ШНОР», «all ШНСУ» or «all»."""
        target = PRESETS[name]
        return {s.school_id for s in self.schools if s.kind.matches(target)}


@dataclass(frozen=True)
class SchoolsChange:
    number: str
    added: list[str]
    removed: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


async def row_schools(session: AsyncSession, municipality_id: int, activity_id: int) -> RowSchools:
    """The row's schools now (those with an active assignment on one of its live dates)."""
    activity = await row_for_dating(session, municipality_id, activity_id)
    schools = (
        await session.scalars(
            select(School)
            .where(School.municipality_id == municipality_id)
            .order_by(School.name_key)
        )
    ).all()
    dues = [d.id for d in live_dates(activity)]
    chosen = set(
        (
            await session.scalars(
                select(Assignment.school_id).where(
                    Assignment.due_date_id.in_(dues), Assignment.active.is_(True)
                )
            )
        ).all()
    )
    options = [SchoolOption(s.id, s.name, s.kind) for s in schools]
    return RowSchools(activity.id, activity.number, options, chosen)


async def set_row_schools(
    session: AsyncSession,
    municipality_id: int,
    activity_id: int,
    chosen: set[int],
    *,
    actor_id: int | None,
) -> SchoolsChange:
    """Make the row be for exactly ``chosen`` (ids of other municipalities' schools are
    ignored); returns the names added and taken off. Audited when something changed."""
    current = await row_schools(session, municipality_id, activity_id)
    names = {s.school_id: s.name for s in current.schools}
    chosen = {sid for sid in chosen if sid in names}
    activity = await row_for_dating(session, municipality_id, activity_id)
    dues = [d.id for d in live_dates(activity)]
    existing = {
        (a.school_id, a.due_date_id): a
        for a in (
            await session.scalars(select(Assignment).where(Assignment.due_date_id.in_(dues)))
        ).all()
    }
    for school_id in names:
        for due_id in dues:
            assignment = existing.get((school_id, due_id))
            wanted = school_id in chosen
            if assignment is None and wanted:
                session.add(
                    Assignment(school_id=school_id, due_date_id=due_id, active=True, manual=True)
                )
            elif assignment is not None and assignment.active != wanted:
                assignment.active, assignment.manual = wanted, True
    added = sorted(names[s] for s in chosen - current.chosen)
    removed = sorted(names[s] for s in current.chosen - chosen)
    if added or removed:
        record_change(
            session,
            municipality_id=municipality_id,
            actor_id=actor_id,
            action="activity.schools",
            object_type="activity",
            object_id=activity_id,
            before=sorted(names[s] for s in current.chosen),
            after=sorted(names[s] for s in chosen),
        )
    await session.flush()
    return SchoolsChange(current.number, added, removed)


async def school_counts(session: AsyncSession, activity_ids: list[int]) -> dict[int, int]:
    """How many schools each row is for (active assignments on its live dates)."""
    rows = await session.execute(
        select(DueDate.activity_id, func.count(func.distinct(Assignment.school_id)))
        .join(Assignment, Assignment.due_date_id == DueDate.id)
        .where(
            DueDate.activity_id.in_(activity_ids),
            DueDate.removed_at.is_(None),
            Assignment.active.is_(True),
        )
        .group_by(DueDate.activity_id)
    )
    return {activity_id: count for activity_id, count in rows.all()}
