"""Исполнение: one row per assignment (a school × a due date) with its state and dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Activity, ActivityKind, Assignment, AssignmentStatus, DueDate
from services.export.cells import SheetWriter, headers, state_labels
from services.export.scope import ExportScope
from services.i18n import Translator
from services.plans.live import kept_in_export
from services.tasks import TaskState, number_key, task_state

COLUMNS = (
    "export-col-school",
    "export-col-number",
    "export-col-activity",
    "export-col-due",
    "export-col-status",
    "export-col-submitted-at",
    "export-col-accepted-at",
    "export-col-days-late",
)
WIDTHS = [34, 8, 60, 12, 16, 17, 17, 12]


@dataclass
class AssignmentRow:
    """One assignment; ``submitted_at``/``accepted_at`` in local time once settled."""

    assignment_id: int
    school_id: int
    school: str
    number: str
    text: str
    kind: ActivityKind
    due_on: date | None
    starts_on: date | None
    status: AssignmentStatus
    state: TaskState
    submitted_at: datetime | None = None
    accepted_at: datetime | None = None
    days_late: int | None = None


async def collect_assignments(
    session: AsyncSession, scope: ExportScope, school_names: dict[int, str]
) -> dict[int, AssignmentRow]:
    """The covered active assignments by id (dates still unset: see :func:`settle`)."""
    query = (
        select(
            Assignment.id,
            Assignment.school_id,
            Assignment.status,
            DueDate.due_on,
            DueDate.starts_on,
            Activity.number,
            Activity.text,
            Activity.kind,
            DueDate.outside_plan,
        )
        .join(DueDate, DueDate.id == Assignment.due_date_id)
        .join(Activity, Activity.id == DueDate.activity_id)
        .where(
            Assignment.school_id.in_(scope.school_ids()),
            kept_in_export(),
        )
    )
    rows: dict[int, AssignmentRow] = {}
    for aid, sid, status, due_on, starts_on, number, text, kind, outside in (
        await session.execute(query)
    ).all():
        if not scope.options.keeps_assignment(due_on):
            continue
        is_report = kind is ActivityKind.HALF_YEAR_REPORT
        rows[aid] = AssignmentRow(
            aid,
            sid,
            school_names[sid],
            number,
            scope.half_year_title if is_report else text,
            kind,
            due_on,
            starts_on,
            status,
            task_state(status, due_on, scope.today, outside_plan=outside),
        )
    return rows


def settle(rows: dict[int, AssignmentRow], scope: ExportScope) -> list[AssignmentRow]:
    """Days late and local times, once the submissions set the moments; sorted by school,
    due date and number.

    Days late: from the due date to the report sent (unless it was returned), else to today.
    """
    for row in rows.values():
        if row.due_on is not None:
            if row.submitted_at is not None and row.status is not AssignmentStatus.RETURNED:
                late = (row.submitted_at.astimezone(scope.zone).date() - row.due_on).days
            else:
                late = (scope.today - row.due_on).days
            row.days_late = late if late > 0 else 0
        row.submitted_at = scope.local(row.submitted_at)
        row.accepted_at = scope.local(row.accepted_at)
    return sorted(
        rows.values(), key=lambda a: (a.school, a.due_on or date.max, number_key(a.number))
    )


def write_execution(workbook: Workbook, t: Translator, rows: list[AssignmentRow]) -> None:
    """Add the Исполнение sheet."""
    state_label = state_labels(t)
    sheet = SheetWriter(workbook, t("export-sheet-work"), headers(t, COLUMNS), WIDTHS)
    for row in rows:
        sheet.append(
            [
                sheet.text(row.school),
                sheet.text(row.number),
                sheet.text(row.text, wrap=True),
                sheet.when(row.due_on),
                sheet.status(state_label[row.state], row.state),
                sheet.when(row.submitted_at),
                sheet.when(row.accepted_at),
                sheet.number(row.days_late),
            ]
        )
    sheet.finish()
