"""Planning: which reminder each open assignment is owed today, and who is there to hear it.

For every open (or returned) assignment whose due date is known, the owed reminder is the latest
point that has come (:func:`services.reminders.latest_point`) and is not in the reminder log
yet. Reads only; nothing here writes or commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Activity,
    Assignment,
    AssignmentStatus,
    DueDate,
    Municipality,
    Plan,
    ReminderLog,
    Role,
    School,
    User,
)
from models.db import in_parts
from scheduler.reminders.claims import Key
from services.plans.live import live_assignment
from services.reminders import Point, ReminderRules, latest_point
from services.tasks import TaskItem, tasks_by_ids

LOG_LOOKUP_CHUNK = 500  # assignment ids per reminder-log lookup


@dataclass
class Owed:
    """One reminder owed today: the assignment, its school and the reminder point."""

    assignment_id: int
    school_id: int
    point: Point

    @property
    def key(self) -> Key:
        """The reminder log's unique key of this reminder."""
        return (self.assignment_id, self.point.kind, self.point.on)


@dataclass(frozen=True)
class Coordinator:
    """A coordinator who can be written to (has a chat, has not blocked the bot)."""

    chat_id: int
    name: str
    school_id: int
    locale: str | None


@dataclass
class Day:
    """Everything a pass needs about its municipality's day, read in one transaction.

    ``owed`` in the database's order; ``tasks`` the owed assignments as the coordinator sees
    them, by assignment id; ``schools`` the municipality's school names by id; ``coordinators``
    ordered by user id.
    """

    municipality_id: int
    today: date
    rules: ReminderRules
    owed: list[Owed]
    tasks: dict[int, TaskItem]
    schools: dict[int, str]
    coordinators: list[Coordinator]
    by_school: dict[int, list[Owed]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_school = defaultdict(list)
        for item in self.owed:
            self.by_school[item.school_id].append(item)


def rules_of(municipality: Municipality) -> ReminderRules:
    """The municipality's reminder offsets and overdue rhythm."""
    return ReminderRules.of(
        municipality.reminder_offsets,
        municipality.overdue_first_days,
        municipality.overdue_every_days,
    )


async def plan_day(
    session: AsyncSession, municipality_id: int, today: date, rules: ReminderRules
) -> Day:
    """What is owed in the municipality on ``today`` (its local date), and to whom."""
    owed = await owed_reminders(session, municipality_id, today, rules)
    tasks = await tasks_by_ids(session, [o.assignment_id for o in owed], today)
    schools = {
        s.id: s.name
        for s in (
            await session.scalars(select(School).where(School.municipality_id == municipality_id))
        ).all()
    }
    return Day(
        municipality_id,
        today,
        rules,
        owed,
        tasks,
        schools,
        await reachable_coordinators(session, municipality_id),
    )


async def owed_reminders(
    session: AsyncSession, municipality_id: int, today: date, rules: ReminderRules
) -> list[Owed]:
    """Each open assignment's latest reminder point up to ``today`` not yet in the log."""
    query = (
        select(Assignment.id, Assignment.school_id, DueDate.due_on)
        .join(DueDate, DueDate.id == Assignment.due_date_id)
        .join(Activity, Activity.id == DueDate.activity_id)
        .join(Plan, Plan.id == Activity.plan_id)
        .where(
            Plan.municipality_id == municipality_id,
            live_assignment(),
            Assignment.status.in_([AssignmentStatus.OPEN, AssignmentStatus.RETURNED]),
            DueDate.due_on.is_not(None),
            DueDate.outside_plan.is_(False),  # a date outside the plan is never reminded of
        )
    )
    candidates = []
    async for part in in_parts(session, query):  # a region has 60,000 open assignments
        for assignment_id, school_id, due_on in part:
            point = latest_point(due_on, today, rules)
            if point is not None:
                candidates.append(Owed(assignment_id, school_id, point))
    done = await _logged_keys(session, [c.assignment_id for c in candidates])
    return [c for c in candidates if c.key not in done]


async def _logged_keys(session: AsyncSession, assignment_ids: list[int]) -> set[Key]:
    """The reminder log's keys of these assignments (claimed, sent or failed)."""
    done: set[Key] = set()
    for start in range(0, len(assignment_ids), LOG_LOOKUP_CHUNK):
        logged = await session.execute(
            select(ReminderLog.assignment_id, ReminderLog.kind, ReminderLog.for_date).where(
                ReminderLog.assignment_id.in_(assignment_ids[start : start + LOG_LOOKUP_CHUNK])
            )
        )
        done.update((a, k, d) for a, k, d in logged.all())
    return done


async def reachable_coordinators(session: AsyncSession, municipality_id: int) -> list[Coordinator]:
    """The municipality's coordinators with a chat who have not blocked the bot, by user id."""
    users = (
        await session.scalars(
            select(User)
            .where(
                User.municipality_id == municipality_id,
                User.role == Role.COORDINATOR,
                User.chat_id.is_not(None),
                User.blocked_at.is_(None),
            )
            .order_by(User.id)
        )
    ).all()
    return [Coordinator(u.chat_id, u.full_name, u.school_id, u.locale) for u in users]  # type: ignore[arg-type]
