"""A school's activities as its coordinator sees them: what is due when, and in what state."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Activity,
    ActivityKind,
    Assignment,
    AssignmentStatus,
    DueDate,
    DueKind,
    Plan,
    Submission,
    SubmissionState,
    User,
)
from services.errors import DomainError
from services.plans.live import live_assignment
from services.users import today_for


class TaskState(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


@dataclass(frozen=True)
class TaskItem:
    assignment_id: int
    school_id: int
    activity_id: int
    activity_kind: ActivityKind
    number: str
    text: str
    deadline_phrase: str
    expected_result: str
    due_kind: DueKind
    due_on: date | None
    starts_on: date | None
    status: AssignmentStatus
    state: TaskState

    @property
    def is_open(self) -> bool:
        """Still to be done: open, overdue, or returned for rework."""
        return self.status in (AssignmentStatus.OPEN, AssignmentStatus.RETURNED)

    def days_left(self, today: date) -> int | None:
        return None if self.due_on is None else (self.due_on - today).days


def number_key(number: str) -> tuple[int | str, ...]:
    """«2.10» after «2.9»: numbers compare part by part."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.#]", number) if p)


def task_state(
    status: AssignmentStatus, due_on: date | None, today: date, *, outside_plan: bool = False
) -> TaskState:
    """Where a task stands; a date outside the plan (``outside_plan``) is never overdue."""
    if status is AssignmentStatus.ACCEPTED:
        return TaskState.ACCEPTED
    if status is AssignmentStatus.SUBMITTED:
        return TaskState.SUBMITTED
    if due_on is not None and due_on < today and not outside_plan:
        return TaskState.OVERDUE
    if status is AssignmentStatus.RETURNED:
        return TaskState.RETURNED
    return TaskState.OPEN


def _query() -> Select:
    return (
        select(Assignment, DueDate, Activity)
        .join(DueDate, DueDate.id == Assignment.due_date_id)
        .join(Activity, Activity.id == DueDate.activity_id)
        .where(live_assignment())
    )


def _item(assignment: Assignment, due: DueDate, activity: Activity, today: date) -> TaskItem:
    return TaskItem(
        assignment_id=assignment.id,
        school_id=assignment.school_id,
        activity_id=activity.id,
        activity_kind=activity.kind,
        number=activity.number,
        text=activity.text,
        deadline_phrase=activity.deadline_phrase,
        expected_result=activity.expected_result,
        due_kind=due.kind,
        due_on=due.due_on,
        starts_on=due.starts_on,
        status=assignment.status,
        state=task_state(assignment.status, due.due_on, today, outside_plan=due.outside_plan),
    )


def sort_key(item: TaskItem) -> tuple:
    """Work still to do first, nearest deadline first; undated rows after; done ones last."""
    if item.is_open:
        rank = 0 if item.due_on is not None else 1
    else:
        rank = 2 if item.status is AssignmentStatus.SUBMITTED else 3
    far = date.max
    return (rank, item.due_on or far, number_key(item.number), item.assignment_id)


async def school_tasks(session: AsyncSession, school_id: int, today: date) -> list[TaskItem]:
    """The school's activities in :func:`sort_key` order, their states as of ``today``."""
    rows = await session.execute(_query().where(Assignment.school_id == school_id))
    items = [_item(a, d, act, today) for a, d, act in rows.all()]
    return sorted(items, key=sort_key)


async def get_task(
    session: AsyncSession, assignment_id: int, school_id: int, today: date
) -> TaskItem | None:
    """The task if it belongs to this school (every button re-checks this)."""
    row = (
        await session.execute(
            _query().where(Assignment.id == assignment_id, Assignment.school_id == school_id)
        )
    ).first()
    return _item(*row, today) if row else None


async def get_task_in_municipality(
    session: AsyncSession, assignment_id: int, municipality_id: int, today: date
) -> TaskItem | None:
    row = (
        await session.execute(
            _query()
            .join(Plan, Plan.id == Activity.plan_id)
            .where(Assignment.id == assignment_id, Plan.municipality_id == municipality_id)
        )
    ).first()
    return _item(*row, today) if row else None


async def tasks_for_schools(
    session: AsyncSession, school_ids: list[int], today: date
) -> dict[int, list[TaskItem]]:
    result: dict[int, list[TaskItem]] = {school_id: [] for school_id in school_ids}
    if not school_ids:
        return result
    rows = await session.execute(_query().where(Assignment.school_id.in_(school_ids)))
    for assignment, due, activity in rows.all():
        result[assignment.school_id].append(_item(assignment, due, activity, today))
    for items in result.values():
        items.sort(key=sort_key)
    return result


async def tasks_by_ids(
    session: AsyncSession, assignment_ids: list[int], today: date
) -> dict[int, TaskItem]:
    found: dict[int, TaskItem] = {}
    for start in range(0, len(assignment_ids), 500):
        chunk = assignment_ids[start : start + 500]
        rows = await session.execute(_query().where(Assignment.id.in_(chunk)))
        for assignment, due, activity in rows.all():
            found[assignment.id] = _item(assignment, due, activity, today)
    return found


async def button_task(
    session: AsyncSession, school_id: int, assignment_id: int, today: date
) -> TaskItem:
    """The school's activity a button names; ``DomainError("button-not-yours")`` when it is not
    the school's (another school's button, or one made up)."""
    task = await get_task(session, assignment_id, school_id, today)
    if task is None:
        raise DomainError("button-not-yours")
    return task


@dataclass(frozen=True)
class SchoolTasks:
    """A coordinator's /tasks: the school's activities (nearest deadline first) on ``today``."""

    today: date
    tasks: list[TaskItem]


async def coordinator_tasks(session: AsyncSession, user: User) -> SchoolTasks:
    """The coordinator's school's activities as of today in their municipality."""
    today = await today_for(session, user)
    return SchoolTasks(today, await school_tasks(session, user.school_id, today))  # type: ignore[arg-type]


@dataclass(frozen=True)
class TaskCard:
    """One activity's card: the task, today, and the supervisor's comment if it was returned."""

    task: TaskItem
    today: date
    returned_comment: str | None


async def coordinator_task_card(session: AsyncSession, user: User, assignment_id: int) -> TaskCard:
    """The card of one of the coordinator's school's activities (``button-not-yours`` else)."""
    today = await today_for(session, user)
    task = await button_task(session, user.school_id, assignment_id, today)  # type: ignore[arg-type]
    returned = await session.scalar(
        select(Submission.review_comment)
        .where(
            Submission.assignment_id == task.assignment_id,
            Submission.state == SubmissionState.RETURNED,
        )
        .order_by(Submission.id.desc())
        .limit(1)
    )
    return TaskCard(task, today, returned)
