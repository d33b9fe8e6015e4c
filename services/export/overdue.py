"""Просрочено: the overdue assignments, the most days late first."""

from __future__ import annotations

from openpyxl import Workbook

from services.export.cells import SheetWriter, headers, state_labels
from services.export.execution import AssignmentRow
from services.i18n import Translator
from services.tasks import TaskState, number_key

COLUMNS = (
    "export-col-school",
    "export-col-number",
    "export-col-activity",
    "export-col-due",
    "export-col-days-late",
    "export-col-status",
)
WIDTHS = [34, 8, 60, 12, 12, 16]


def overdue_rows(assignments: list[AssignmentRow]) -> list[AssignmentRow]:
    """The overdue ones (state «overdue», as /overdue and the tallies count them), the most
    days late first, then by school and number."""
    late = [a for a in assignments if a.state is TaskState.OVERDUE]
    return sorted(late, key=lambda a: (-(a.days_late or 0), a.school, number_key(a.number)))


def write_overdue(workbook: Workbook, t: Translator, rows: list[AssignmentRow]) -> None:
    """Add the Просрочено sheet."""
    state_label = state_labels(t)
    sheet = SheetWriter(workbook, t("export-sheet-overdue"), headers(t, COLUMNS), WIDTHS)
    for row in rows:
        sheet.append(
            [
                sheet.text(row.school),
                sheet.text(row.number),
                sheet.text(row.text, wrap=True),
                sheet.when(row.due_on),
                sheet.number(row.days_late),
                sheet.status(state_label[row.state], row.state),
            ]
        )
    sheet.finish()
