"""Сводка: one row per school with its tallies, a total, and a bar chart of the share done.

The tallies are :func:`services.progress.municipality_counts`, the very numbers /status shows.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from sqlalchemy.ext.asyncio import AsyncSession

from services.export.cells import SheetWriter, headers
from services.export.scope import ExportScope
from services.i18n import Translator
from services.progress import Progress, SchoolProgress, municipality_counts

COLUMNS = (
    "export-col-school",
    "export-col-kind",
    "export-col-coordinator",
    "export-col-assigned",
    "export-col-submitted",
    "export-col-accepted",
    "export-col-returned",
    "export-col-overdue",
    "export-col-percent",
)
WIDTHS = [40, 14, 34, 12, 12, 12, 14, 12, 12]
PERCENT_COLUMN = 9


async def collect_summary(session: AsyncSession, scope: ExportScope) -> list[SchoolProgress]:
    """The covered schools in name order, each with its tallies over the covered assignments."""
    progress = await municipality_counts(
        session,
        scope.municipality_id,
        scope.today,
        school_id=scope.options.school_id,
        period=scope.options.period,
    )
    return progress.schools


def _tallies(sheet: SheetWriter, school: SchoolProgress) -> list[object]:
    return [
        sheet.number(school.assigned),
        sheet.number(school.submitted),
        sheet.number(school.accepted),
        sheet.number(school.returned),
        sheet.number(school.overdue),
        sheet.number(round(school.share_done, 4), "0%"),
    ]


def write_summary(workbook: Workbook, t: Translator, schools: list[SchoolProgress]) -> None:
    """Add the Сводка sheet: a row per school, the total, and the chart beside them."""
    sheet = SheetWriter(workbook, t("export-sheet-summary"), headers(t, COLUMNS), WIDTHS)
    for school in schools:
        kind = school.kind
        sheet.append(
            [
                sheet.text(school.name, wrap=True),
                sheet.text(t(f"school-kind-{kind.value}")),
                sheet.text(", ".join(school.coordinators), wrap=True),
                *_tallies(sheet, school),
            ]
        )
    last_school_row = sheet.rows
    total = Progress(schools, {}).total
    sheet.append(
        [sheet.text(t("export-total")), sheet.text(""), sheet.text(""), *_tallies(sheet, total)]
    )
    sheet.finish()
    if schools:
        _chart(sheet, t, len(schools), last_school_row)


def _chart(sheet: SheetWriter, t: Translator, schools: int, last_school_row: int) -> None:
    chart = BarChart()
    chart.type = "bar"
    chart.title = t("export-chart-title")
    chart.y_axis.title = "%"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.y_axis.numFmt = "0%"
    chart.legend = None
    chart.height = max(7.5, 0.6 * schools + 3)
    chart.width = 18
    values = Reference(sheet.sheet, min_col=PERCENT_COLUMN, min_row=1, max_row=last_school_row)
    labels = Reference(sheet.sheet, min_col=1, min_row=2, max_row=last_school_row)
    chart.add_data(values, titles_from_data=True)
    chart.set_categories(labels)
    sheet.sheet.add_chart(chart, "K2")
