"""The export: the Excel report (Сводка, План, Исполнение, Отчёты, Просрочено) and the evidence
archive, as one use case (:func:`run_export`).

One module per sheet, each holding its rows and its writer (``summary``, ``plan``,
``execution``, ``submissions``, ``overdue``) behind one workbook builder (``workbook``); cell
safety and styles in ``cells``; what an export covers in ``scope`` and ``choices``; the
half-years in ``periods``.
"""

from services.export.cells import SheetWriter, safe_sheet_name
from services.export.choices import export_options, periods_to_choose, schools_to_choose
from services.export.execution import AssignmentRow
from services.export.periods import from_ymd, half_years, ymd
from services.export.plan import PlanRow
from services.export.run import ExportRequest, ExportResult, run_export
from services.export.scope import ExportOptions
from services.export.submissions import FileLink, SubmissionRow
from services.export.workbook import (
    ExportData,
    archive_entries,
    collect,
    collect_for,
    export_file_name,
    write_workbook,
)

__all__ = [
    "AssignmentRow",
    "ExportData",
    "ExportOptions",
    "ExportRequest",
    "ExportResult",
    "FileLink",
    "PlanRow",
    "SheetWriter",
    "SubmissionRow",
    "archive_entries",
    "collect",
    "collect_for",
    "export_file_name",
    "export_options",
    "from_ymd",
    "half_years",
    "periods_to_choose",
    "run_export",
    "safe_sheet_name",
    "schools_to_choose",
    "write_workbook",
    "ymd",
]
