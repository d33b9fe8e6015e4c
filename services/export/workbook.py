"""The Excel report for the ministry: Сводка, План, Исполнение, Отчёты, Просрочено.

Data are read with plain queries into rows (:func:`collect`), then the workbook is written in
openpyxl's write-only mode (:func:`write_workbook`: streamed, so a region of 80,000 assignments
fits in little memory; blocking, so it runs off the event loop). Each sheet is one module of
this package holding its rows and its writer; a new sheet adds a module and a line to both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession

from models import Municipality, Target
from services.archive import ArchiveEntry, archive_folder
from services.export.execution import AssignmentRow, collect_assignments, settle, write_execution
from services.export.overdue import overdue_rows, write_overdue
from services.export.plan import PlanRow, collect_plan, write_plan
from services.export.scope import ExportOptions, ExportScope
from services.export.submissions import (
    SubmissionRow,
    collect_submissions,
    evidence_entries,
    write_submissions,
)
from services.export.summary import collect_summary, write_summary
from services.i18n import Translator
from services.progress import SchoolProgress
from services.text import safe_file_name


@dataclass
class ExportData:
    """Everything one report shows, collected in one read (times already local)."""

    municipality: str
    timezone: str
    today: date
    archive_folder: str
    schools: list[SchoolProgress]
    plan: list[PlanRow]
    assignments: list[AssignmentRow]
    submissions: list[SubmissionRow]

    @property
    def overdue(self) -> list[AssignmentRow]:
        """The Просрочено sheet's rows."""
        return overdue_rows(self.assignments)


async def collect(
    session: AsyncSession,
    municipality_id: int,
    today: date,
    options: ExportOptions | None = None,
    *,
    half_year_title: str = "",
    target_labels: dict[str, str] | None = None,
    folder_label: str = "evidence",
) -> ExportData:
    """Read what the report shows. ``today``: the municipality's date (lateness counts to it)."""
    municipality = await session.get(Municipality, municipality_id)
    assert municipality is not None
    scope = ExportScope(
        municipality_id=municipality_id,
        municipality=municipality.name,
        zone=ZoneInfo(municipality.timezone),
        today=today,
        folder=archive_folder(folder_label, municipality.name, today),
        options=options or ExportOptions(),
        half_year_title=half_year_title,
        target_labels=target_labels or {},
    )
    schools = await collect_summary(session, scope)
    plan = await collect_plan(session, scope)
    names = {school.school_id: school.name for school in schools}
    assignments = await collect_assignments(session, scope, names)
    submissions = await collect_submissions(session, scope, assignments)
    return ExportData(
        municipality=municipality.name,
        timezone=municipality.timezone,
        today=today,
        archive_folder=scope.folder,
        schools=schools,
        plan=plan,
        assignments=settle(assignments, scope),
        submissions=submissions,
    )


async def collect_for(
    session: AsyncSession,
    t: Translator,
    municipality_id: int,
    today: date,
    options: ExportOptions | None = None,
) -> ExportData:
    """:func:`collect` with the texts of ``t`` (the half-year report's title, who rows go to)."""
    return await collect(
        session,
        municipality_id,
        today,
        options,
        half_year_title=t("half-year-report-title"),
        target_labels={target.value: t(f"target-{target.value}") for target in Target},
        folder_label=t("export-archive-folder"),
    )


def write_workbook(data: ExportData, t: Translator, path: Path) -> Path:
    """Write the report (blocking: run it in a thread). Returns ``path``."""
    workbook = Workbook(write_only=True)
    write_summary(workbook, t, data.schools)
    write_plan(workbook, t, data.plan)
    write_execution(workbook, t, data.assignments)
    write_submissions(workbook, t, data.submissions)
    write_overdue(workbook, t, data.overdue)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def archive_entries(data: ExportData) -> list[ArchiveEntry]:
    """The evidence archive's content: every stored file the report links to."""
    return evidence_entries(data.submissions)


def export_file_name(t: Translator, municipality: str, today: date, suffix: str = ".xlsx") -> str:
    """The report's file name («Дорожная карта — <municipality> — <date>.xlsx»), made safe."""
    return safe_file_name(
        t("export-file-name", municipality=municipality, date=t.date(today)) + suffix,
        "roadmap" + suffix,
        120,
    )
