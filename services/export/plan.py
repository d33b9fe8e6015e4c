"""План: the plan as imported, one row per activity and due date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Activity, ActivityKind, DueDate, DueKind, Plan, Section
from services.export.cells import SheetWriter, headers
from services.export.scope import ExportScope
from services.i18n import Translator

COLUMNS = (
    "export-col-number",
    "export-col-section",
    "export-col-activity",
    "export-col-executors",
    "export-col-phrase",
    "export-col-due",
    "export-col-window-start",
    "export-col-result",
    "export-col-targets",
)
WIDTHS = [8, 26, 60, 30, 26, 12, 12, 40, 26]


@dataclass
class PlanRow:
    """One activity with one of its due dates (``due_on`` ``None``: no date yet)."""

    number: str
    section: str
    text: str
    executors: str
    phrase: str
    due_on: date | None
    starts_on: date | None
    result: str
    target: str
    kind: ActivityKind


async def collect_plan(session: AsyncSession, scope: ExportScope) -> list[PlanRow]:
    """Every live activity and date of the municipality's plans, in plan order."""
    sections = dict(
        (
            await session.execute(
                select(Section.id, Section.title)
                .join(Plan, Plan.id == Section.plan_id)
                .where(Plan.municipality_id == scope.municipality_id)
            )
        ).all()
    )
    rows = await session.execute(
        select(Activity, DueDate)
        .join(Plan, Plan.id == Activity.plan_id)
        .outerjoin(DueDate, (DueDate.activity_id == Activity.id) & DueDate.removed_at.is_(None))
        .where(Plan.municipality_id == scope.municipality_id, Activity.removed_at.is_(None))
        .order_by(Plan.id, Activity.position, DueDate.seq)
    )
    return [
        _plan_row(scope, activity, due, sections)
        for activity, due in rows.all()
        if scope.options.keeps_plan_row(due.due_on if due is not None else None)
    ]


def _plan_row(
    scope: ExportScope, activity: Activity, due: DueDate | None, sections: dict[int, str]
) -> PlanRow:
    targets = scope.target_labels.get(activity.target.value, activity.target.value)
    if activity.addressed_schools:
        targets = ", ".join(activity.addressed_schools)
    is_report = activity.kind is ActivityKind.HALF_YEAR_REPORT
    return PlanRow(
        number=activity.number,
        section=sections.get(activity.section_id, "") if activity.section_id else "",
        text=scope.half_year_title if is_report else activity.text,
        executors=activity.executors,
        phrase=activity.deadline_phrase,
        due_on=due.due_on if due is not None and due.kind is not DueKind.NEEDS_DATE else None,
        starts_on=due.starts_on if due is not None else None,
        result=activity.expected_result,
        target=targets,
        kind=activity.kind,
    )


def write_plan(workbook: Workbook, t: Translator, rows: list[PlanRow]) -> None:
    """Add the План sheet."""
    sheet = SheetWriter(workbook, t("export-sheet-plan"), headers(t, COLUMNS), WIDTHS)
    for row in rows:
        sheet.append(
            [
                sheet.text(row.number),
                sheet.text(row.section, wrap=True),
                sheet.text(row.text, wrap=True),
                sheet.text(row.executors, wrap=True),
                sheet.text(row.phrase, wrap=True),
                sheet.when(row.due_on),
                sheet.when(row.starts_on),
                sheet.text(row.result, wrap=True),
                sheet.text(row.target, wrap=True),
            ]
        )
    sheet.finish()
