"""Who has done what: progress per school and over the municipality, and what is overdue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Activity, Assignment, AssignmentStatus, DueDate, Role, School, SchoolKind, User
from services.tasks import TaskItem, TaskState, number_key, tasks_for_schools


@dataclass
class SchoolProgress:
    school_id: int
    name: str
    kind: SchoolKind
    coordinators: list[str] = field(default_factory=list)
    assigned: int = 0
    accepted: int = 0
    submitted: int = 0  # waiting for the supervisor's review
    returned: int = 0
    overdue: int = 0
    due: int = 0  # open and not yet late (dated or not)
    needs_date: int = 0

    @property
    def percent_done(self) -> int:
        return round(100 * self.accepted / self.assigned) if self.assigned else 0

    def add(self, task: TaskItem) -> None:
        self.assigned += 1
        if task.state is TaskState.ACCEPTED:
            self.accepted += 1
        elif task.state is TaskState.SUBMITTED:
            self.submitted += 1
        elif task.state is TaskState.OVERDUE:
            self.overdue += 1
        else:
            self.due += 1
            if task.state is TaskState.RETURNED:
                self.returned += 1
            if task.due_on is None:
                self.needs_date += 1


@dataclass
class Progress:
    schools: list[SchoolProgress]
    tasks: dict[int, list[TaskItem]]

    @property
    def total(self) -> SchoolProgress:
        total = SchoolProgress(school_id=0, name="", kind=SchoolKind.OTHER)
        for school in self.schools:
            for name in ("assigned", "accepted", "submitted", "returned", "overdue", "due"):
                setattr(total, name, getattr(total, name) + getattr(school, name))
            total.needs_date += school.needs_date
        return total


def coordinator_label(user: User) -> str:
    return f"{user.full_name} (@{user.username})" if user.username else user.full_name


async def municipality_progress(
    session: AsyncSession, municipality_id: int, today: date, *, school_id: int | None = None
) -> Progress:
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
    session: AsyncSession, municipality_id: int, today: date, *, school_id: int | None = None
) -> Progress:
    """The same per-school numbers as :func:`municipality_progress`, counted by the database
    (no task objects): what /status and /schools need at region scale."""
    progress = await municipality_progress_schools(session, municipality_id, school_id)
    by_id = {school.school_id: school for school in progress}
    is_late = case((DueDate.due_on < today, literal_column("1")), else_=literal_column("0")).label(
        "late"
    )
    undated = case(
        (DueDate.due_on.is_(None), literal_column("1")), else_=literal_column("0")
    ).label("undated")
    rows = await session.execute(
        select(Assignment.school_id, Assignment.status, is_late, undated, func.count())
        .join(DueDate, DueDate.id == Assignment.due_date_id)
        .join(Activity, Activity.id == DueDate.activity_id)
        .where(
            Assignment.school_id.in_(
                select(School.id).where(School.municipality_id == municipality_id)
            ),
            Assignment.active.is_(True),
            Activity.removed_at.is_(None),
            DueDate.removed_at.is_(None),
        )
        .group_by(Assignment.school_id, Assignment.status, is_late, undated)
    )
    for sid, status, is_late, undated, count in rows.all():
        school = by_id.get(sid)
        if school is None:
            continue
        school.assigned += count
        if status is AssignmentStatus.ACCEPTED:
            school.accepted += count
        elif status is AssignmentStatus.SUBMITTED:
            school.submitted += count
        elif is_late:
            school.overdue += count
        else:
            school.due += count
            if status is AssignmentStatus.RETURNED:
                school.returned += count
            if undated:
                school.needs_date += count
    return Progress(progress, {})


async def municipality_progress_schools(
    session: AsyncSession, municipality_id: int, school_id: int | None = None
) -> list[SchoolProgress]:
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
