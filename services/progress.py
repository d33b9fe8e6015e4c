"""Who has done what: progress per school and over the municipality, and what is overdue.

The tallies are defined once, in :meth:`SchoolProgress.tally`; /status, /schools, the status
picture (``services/charts.py``) and the export's Сводка all count through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Activity, Assignment, AssignmentStatus, DueDate, Role, School, SchoolKind, User
from services.plans.live import live_assignment
from services.tasks import TaskItem, TaskState, number_key, tasks_for_schools

TALLIES = ("assigned", "accepted", "submitted", "returned", "overdue", "due", "needs_date")


@dataclass
class SchoolProgress:
    """One school's tallies of its active assignments (a school × a due date of a live activity).

    ``accepted`` (done), ``submitted`` (waiting for the supervisor's review), ``overdue`` and
    ``due`` (in work) split ``assigned``; ``needs_date`` is the part of ``due`` without a date;
    ``returned`` cuts across them (see :meth:`tally`). ``coordinators``: «Name (@username)».
    """

    school_id: int
    name: str
    kind: SchoolKind
    coordinators: list[str] = field(default_factory=list)
    assigned: int = 0
    accepted: int = 0
    submitted: int = 0  # waiting for the supervisor's review
    returned: int = 0  # sent back for rework, late or not (also counted in overdue or due)
    overdue: int = 0
    due: int = 0  # open and not yet late (dated or not)
    needs_date: int = 0

    @property
    def percent_done(self) -> int:
        """Accepted of assigned, in whole percent (0 when nothing is assigned)."""
        return round(100 * self.accepted / self.assigned) if self.assigned else 0

    @property
    def share_done(self) -> float:
        """Accepted of assigned, as a fraction 0..1 (0 when nothing is assigned)."""
        return self.accepted / self.assigned if self.assigned else 0.0

    def tally(self, status: AssignmentStatus, *, late: bool, undated: bool, n: int = 1) -> None:
        """Count ``n`` assignments of ``status``: the one definition of every tally.

        ``late``: its due date is before today; ``undated``: it has no due date yet.

        - accepted (done): the supervisor accepted its report;
        - submitted (pending review): a report waits for the supervisor;
        - overdue: still to do (open or returned) and late;
        - due (in work): still to do and not late; ``needs_date`` if it has no date;
        - returned: the supervisor sent the report back and nothing new came yet — whether
          or not it is late, so a returned and overdue item counts as returned *and* overdue.
        """
        self.assigned += n
        if status is AssignmentStatus.RETURNED:
            self.returned += n
        if status is AssignmentStatus.ACCEPTED:
            self.accepted += n
        elif status is AssignmentStatus.SUBMITTED:
            self.submitted += n
        elif late:
            self.overdue += n
        else:
            self.due += n
            if undated:
                self.needs_date += n

    def add(self, task: TaskItem) -> None:
        """Count one task (see :meth:`tally`)."""
        self.tally(task.status, late=task.state is TaskState.OVERDUE, undated=task.due_on is None)


@dataclass
class Progress:
    """Schools in name order; ``tasks``: each school's task items (empty when counted in SQL)."""

    schools: list[SchoolProgress]
    tasks: dict[int, list[TaskItem]]

    @property
    def total(self) -> SchoolProgress:
        """Every tally summed over the schools."""
        total = SchoolProgress(school_id=0, name="", kind=SchoolKind.OTHER)
        for school in self.schools:
            for name in TALLIES:
                setattr(total, name, getattr(total, name) + getattr(school, name))
        return total


def coordinator_label(user: User) -> str:
    """«Name (@username)», or the name alone."""
    return f"{user.full_name} (@{user.username})" if user.username else user.full_name


async def municipality_progress(
    session: AsyncSession, municipality_id: int, today: date, *, school_id: int | None = None
) -> Progress:
    """Each school's tallies and task items, task by task (one school with ``school_id``)."""
    query = select(School).where(School.municipality_id == municipality_id)
    if school_id is not None:
        query = query.where(School.id == school_id)
    schools = (await session.scalars(query.order_by(School.name_key))).all()
    ids = [s.id for s in schools]
    coordinators: dict[int, list[str]] = {school_id: [] for school_id in ids}
    if ids:
        users = await session.scalars(
            select(User)
            .where(User.school_id.in_(ids), User.role == Role.COORDINATOR)
            .order_by(User.id)
        )
        for user in users:
            coordinators[user.school_id].append(coordinator_label(user))  # type: ignore[index]
    tasks = await tasks_for_schools(session, ids, today)
    result = []
    for school in schools:
        progress = SchoolProgress(school.id, school.name, school.kind, coordinators[school.id])
        for task in tasks[school.id]:
            progress.add(task)
        result.append(progress)
    return Progress(result, tasks)


async def municipality_counts(
    session: AsyncSession,
    municipality_id: int,
    today: date,
    *,
    school_id: int | None = None,
    period: tuple[date, date] | None = None,
) -> Progress:
    """The same per-school numbers as :func:`municipality_progress`, counted by the database
    (no task objects): what /status, /schools and the export's Сводка need at region scale.

    ``period`` (first, last day, inclusive): only assignments due inside it (undated ones left
    out), as the export of one half-year counts them. Schools come in name order.
    """
    progress = await municipality_progress_schools(session, municipality_id, school_id)
    by_id = {school.school_id: school for school in progress}
    for sid, status, late, undated, count in await _count_rows(
        session, municipality_id, today, school_id, period
    ):
        school = by_id.get(sid)
        if school is not None:
            school.tally(status, late=bool(late), undated=bool(undated), n=count)
    return Progress(progress, {})


async def _count_rows(
    session: AsyncSession,
    municipality_id: int,
    today: date,
    school_id: int | None,
    period: tuple[date, date] | None,
) -> list[tuple[int, AssignmentStatus, int, int, int]]:
    """(school id, status, late 0/1, undated 0/1, how many) over the active assignments."""
    # A date outside the plan («4 квартал 2006» in a 2021–2024 plan) is never overdue.
    late_when = and_(DueDate.due_on < today, DueDate.outside_plan.is_(False))
    is_late = case((late_when, literal_column("1")), else_=literal_column("0")).label("late")
    undated = case(
        (DueDate.due_on.is_(None), literal_column("1")), else_=literal_column("0")
    ).label("undated")
    schools = select(School.id).where(School.municipality_id == municipality_id)
    if school_id is not None:
        schools = schools.where(School.id == school_id)
    query = (
        select(Assignment.school_id, Assignment.status, is_late, undated, func.count())
        .join(DueDate, DueDate.id == Assignment.due_date_id)
        .join(Activity, Activity.id == DueDate.activity_id)
        .where(
            Assignment.school_id.in_(schools),
            live_assignment(),
        )
        .group_by(Assignment.school_id, Assignment.status, is_late, undated)
    )
    if period is not None:
        query = query.where(DueDate.due_on.between(*period))
    return [tuple(row) for row in (await session.execute(query)).all()]  # type: ignore[misc]


async def municipality_progress_schools(
    session: AsyncSession, municipality_id: int, school_id: int | None = None
) -> list[SchoolProgress]:
    """The schools (one with ``school_id``) in name order with their coordinators, tallies 0."""
    query = select(School).where(School.municipality_id == municipality_id)
    if school_id is not None:
        query = query.where(School.id == school_id)
    schools = (await session.scalars(query.order_by(School.name_key))).all()
    coordinators: dict[int, list[str]] = {school.id: [] for school in schools}
    if schools:
        users = await session.scalars(
            select(User)
            .where(
                User.school_id.in_([s.id for s in schools])
                if school_id
                else User.municipality_id == municipality_id,
                User.role == Role.COORDINATOR,
            )
            .order_by(User.id)
        )
        for user in users:
            if user.school_id in coordinators:
                coordinators[user.school_id].append(coordinator_label(user))
    return [SchoolProgress(s.id, s.name, s.kind, coordinators[s.id]) for s in schools]


def overdue_by_school(
    progress: Progress, today: date
) -> list[tuple[SchoolProgress, list[TaskItem]]]:
    """Schools with overdue work, the most overdue first; each school's oldest item first."""
    rows = []
    for school in progress.schools:
        late = [t for t in progress.tasks[school.school_id] if t.state is TaskState.OVERDUE]
        if late:
            late.sort(key=lambda t: (t.due_on or today, number_key(t.number)))
            rows.append((school, late))
    rows.sort(key=lambda row: (-len(row[1]), row[1][0].due_on or today))
    return rows


SCHOOL_SECTIONS = (TaskState.OVERDUE, TaskState.SUBMITTED, TaskState.OPEN)


def school_sections(tasks: list[TaskItem]) -> list[tuple[TaskState, list[TaskItem]]]:
    """One school's tasks for its details: overdue, under review, then in work (open or
    returned and not late — the ``due`` tally); empty sections left out, order kept."""
    sections = []
    for state in SCHOOL_SECTIONS:
        items = [
            task
            for task in tasks
            if task.state is state or (state is TaskState.OPEN and task.state is TaskState.RETURNED)
        ]
        if items:
            sections.append((state, items))
    return sections
