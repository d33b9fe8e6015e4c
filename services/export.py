"""The Excel report for the ministry: Сводка, План, Исполнение, Отчёты, Просрочено.

Data are read with plain queries into rows, then the workbook is written in openpyxl's
write-only mode (streamed, so a region of 80,000 assignments fits in little memory; the writing
runs in a worker thread, off the event loop). Text that people typed never becomes a formula:
every text cell is stored as a string, and one starting with = + - @ or a tab is also marked
«quote prefix», so editing it in Excel or LibreOffice keeps it text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Activity,
    ActivityKind,
    Assignment,
    AssignmentStatus,
    DueDate,
    DueKind,
    EvidenceFile,
    Municipality,
    Plan,
    Role,
    School,
    Section,
    Submission,
    SubmissionState,
    User,
)
from services.archive import archive_folder, evidence_archive_path
from services.i18n import Translator
from services.tasks import TaskState, number_key, task_state

RISKY_START = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
STATE_FILLS = {
    TaskState.ACCEPTED: "C6EFCE",
    TaskState.SUBMITTED: "FFEB9C",
    TaskState.OVERDUE: "FFC7CE",
    TaskState.RETURNED: "FCE4D6",
}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
MAX_LINKED_FILES = 10


def safe_sheet_name(name: str) -> str:
    cleaned = SHEET_NAME_BAD.sub(" ", name).strip("' ") or "Sheet"
    return cleaned[:31]


@dataclass
class ExportOptions:
    school_id: int | None = None
    period: tuple[date, date] | None = None  # due dates inside it


@dataclass
class AssignmentRow:
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


@dataclass(frozen=True)
class FileLink:
    name: str
    archive_path: str
    stored_path: str | None  # None: not in the bot's store (the download failed)


@dataclass
class SubmissionRow:
    school: str
    author: str
    username: str
    number: str
    text: str
    kind: ActivityKind
    due_on: date | None
    submitted_at: datetime | None
    state: SubmissionState
    review_comment: str
    comment: str
    files: list[FileLink] = field(default_factory=list)


@dataclass
class PlanRow:
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


@dataclass
class SchoolRow:
    school_id: int
    name: str
    kind: str
    coordinators: str
    assigned: int = 0
    submitted: int = 0
    accepted: int = 0
    returned: int = 0
    overdue: int = 0

    @property
    def percent(self) -> float:
        return self.accepted / self.assigned if self.assigned else 0.0


@dataclass
class ExportData:
    municipality: str
    timezone: str
    today: date
    archive_folder: str
    schools: list[SchoolRow]
    plan: list[PlanRow]
    assignments: list[AssignmentRow]
    submissions: list[SubmissionRow]

    @property
    def overdue(self) -> list[AssignmentRow]:
        late = [a for a in self.assignments if a.state is TaskState.OVERDUE]
        return sorted(late, key=lambda a: (-(a.days_late or 0), a.school, number_key(a.number)))


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """Excel has no time zones: the municipality's local time, without the zone."""
    return moment.astimezone(zone).replace(tzinfo=None) if moment else None


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
    options = options or ExportOptions()
    target_labels = target_labels or {}
    municipality = await session.get(Municipality, municipality_id)
    assert municipality is not None
    zone = ZoneInfo(municipality.timezone)
    folder = archive_folder(folder_label, municipality.name, today)

    school_query = select(School.id, School.name, School.kind).where(
        School.municipality_id == municipality_id
    )
    if options.school_id is not None:
        school_query = school_query.where(School.id == options.school_id)
    # Filters are subqueries, never long lists of ids: a region has 80,000 assignments and a
    # statement may carry at most 32,767 parameters (PostgreSQL's protocol).
    school_ids = select(School.id).where(School.municipality_id == municipality_id)
    if options.school_id is not None:
        school_ids = school_ids.where(School.id == options.school_id)
    schools = {
        sid: SchoolRow(sid, name, kind.value, "")
        for sid, name, kind in (await session.execute(school_query.order_by(School.name_key))).all()
    }
    coordinators: dict[int, list[str]] = defaultdict(list)
    for name, username, school_id in (
        await session.execute(
            select(User.full_name, User.username, User.school_id).where(
                User.role == Role.COORDINATOR, User.school_id.in_(school_ids)
            )
        )
    ).all():
        coordinators[school_id].append(f"{name} (@{username})" if username else name)
    for sid, row in schools.items():
        row.coordinators = ", ".join(coordinators[sid])

    # The plan, every activity and every date.
    plan_rows: list[PlanRow] = []
    sections = dict(
        (
            await session.execute(
                select(Section.id, Section.title)
                .join(Plan, Plan.id == Section.plan_id)
                .where(Plan.municipality_id == municipality_id)
            )
        ).all()
    )
    activity_rows = (
        await session.execute(
            select(Activity, DueDate)
            .join(Plan, Plan.id == Activity.plan_id)
            .outerjoin(DueDate, (DueDate.activity_id == Activity.id) & DueDate.removed_at.is_(None))
            .where(Plan.municipality_id == municipality_id, Activity.removed_at.is_(None))
            .order_by(Plan.id, Activity.position, DueDate.seq)
        )
    ).all()
    for activity, due in activity_rows:
        dated = due is not None and due.due_on is not None
        if options.period and dated and not options.period[0] <= due.due_on <= options.period[1]:
            continue
        is_report = activity.kind is ActivityKind.HALF_YEAR_REPORT
        targets = target_labels.get(activity.target.value, activity.target.value)
        if activity.addressed_schools:
            targets = ", ".join(activity.addressed_schools)
        plan_rows.append(
            PlanRow(
                number=activity.number,
                section=sections.get(activity.section_id, "") if activity.section_id else "",
                text=half_year_title if is_report else activity.text,
                executors=activity.executors,
                phrase=activity.deadline_phrase,
                due_on=due.due_on
                if due is not None and due.kind is not DueKind.NEEDS_DATE
                else None,
                starts_on=due.starts_on if due is not None else None,
                result=activity.expected_result,
                target=targets,
                kind=activity.kind,
            )
        )

    # Assignments (school × due date) and the latest submission of each.
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
        )
        .join(DueDate, DueDate.id == Assignment.due_date_id)
        .join(Activity, Activity.id == DueDate.activity_id)
        .where(
            Assignment.school_id.in_(school_ids),
            Assignment.active.is_(True),
            DueDate.removed_at.is_(None),
            Activity.removed_at.is_(None),
        )
    )
    assignments: dict[int, AssignmentRow] = {}
    for aid, sid, status, due_on, starts_on, number, text, kind in (
        await session.execute(query)
    ).all():
        if (
            options.period
            and due_on is not None
            and not options.period[0] <= due_on <= options.period[1]
        ):
            continue
        if options.period and due_on is None:
            continue
        assignments[aid] = AssignmentRow(
            aid,
            sid,
            schools[sid].name,
            number,
            half_year_title if kind is ActivityKind.HALF_YEAR_REPORT else text,
            kind,
            due_on,
            starts_on,
            status,
            task_state(status, due_on, today),
        )

    submissions: list[SubmissionRow] = []
    files_by_submission: dict[int, list[tuple[int, str | None, str, str | None, str | None]]] = (
        defaultdict(list)
    )
    submission_rows = [
        row
        for row in (
            await session.execute(
                select(Submission, User.full_name, User.username)
                .outerjoin(User, User.id == Submission.user_id)
                .where(
                    Submission.school_id.in_(school_ids),
                    Submission.state.in_(
                        [
                            SubmissionState.SUBMITTED,
                            SubmissionState.ACCEPTED,
                            SubmissionState.RETURNED,
                        ]
                    ),
                )
                .order_by(Submission.submitted_at, Submission.id)
            )
        ).all()
        if row[0].assignment_id in assignments
    ]
    submission_ids = [s.id for s, _, _ in submission_rows]
    for start in range(0, len(submission_ids), 1000):
        for evidence_id, sub_id, name, kind, mime, stored in (
            await session.execute(
                select(
                    EvidenceFile.id,
                    EvidenceFile.submission_id,
                    EvidenceFile.file_name,
                    EvidenceFile.kind,
                    EvidenceFile.mime_type,
                    EvidenceFile.stored_path,
                )
                .where(EvidenceFile.submission_id.in_(submission_ids[start : start + 1000]))
                .order_by(EvidenceFile.id)
            )
        ).all():
            files_by_submission[sub_id].append((evidence_id, name, kind.value, mime, stored))

    for submission, author, username in submission_rows:
        row = assignments[submission.assignment_id]
        links = []
        for evidence_id, name, kind, mime, stored in files_by_submission[submission.id]:
            path = evidence_archive_path(
                folder,
                row.school,
                row.number,
                row.text,
                submission.id,
                evidence_id,
                name,
                kind,
                mime,
            )
            links.append(FileLink(path.rsplit("/", 1)[-1], path, stored))
        submissions.append(
            SubmissionRow(
                school=row.school,
                author=author or "",
                username=f"@{username}" if username else "",
                number=row.number,
                text=row.text,
                kind=row.kind,
                due_on=row.due_on,
                submitted_at=_local(submission.submitted_at, zone),
                state=submission.state,
                review_comment=submission.review_comment or "",
                comment=submission.comment or "",
                files=links,
            )
        )
        if submission.submitted_at and (
            row.submitted_at is None or submission.submitted_at > row.submitted_at
        ):
            row.submitted_at = submission.submitted_at
        if submission.state is SubmissionState.ACCEPTED:
            row.accepted_at = submission.reviewed_at

    for row in assignments.values():
        if row.due_on is not None:
            if row.submitted_at is not None and row.status is not AssignmentStatus.RETURNED:
                late = (row.submitted_at.astimezone(zone).date() - row.due_on).days
            else:
                late = (today - row.due_on).days
            row.days_late = late if late > 0 else 0
        row.submitted_at = _local(row.submitted_at, zone)
        row.accepted_at = _local(row.accepted_at, zone)
        school = schools[row.school_id]
        school.assigned += 1
        if row.state is TaskState.ACCEPTED:
            school.accepted += 1
        elif row.state is TaskState.SUBMITTED:
            school.submitted += 1
        elif row.state is TaskState.OVERDUE:
            school.overdue += 1
        if row.status is AssignmentStatus.RETURNED:
            school.returned += 1

    ordered = sorted(
        assignments.values(), key=lambda a: (a.school, a.due_on or date.max, number_key(a.number))
    )
    return ExportData(
        municipality=municipality.name,
        timezone=municipality.timezone,
        today=today,
        archive_folder=folder,
        schools=list(schools.values()),
        plan=plan_rows,
        assignments=ordered,
        submissions=submissions,
    )


class SheetWriter:
    """A write-only sheet with a styled, frozen header, autofilter and column widths.

    Assigning a style to an openpyxl cell hashes the style object; at region scale (a million
    cells) that dominates. Each distinct style is built once on a prototype cell, and new cells
    share its style array: a write-only cell is written once and never restyled, so nothing
    mutates it (the workbook comes out byte for byte the same as with a copy per cell).
    """

    def __init__(
        self, workbook: Workbook, title: str, headers: list[str], widths: list[int]
    ) -> None:
        self.sheet = workbook.create_sheet(safe_sheet_name(title))
        for index, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        self.sheet.freeze_panes = "A2"
        self.columns = len(headers)
        self.rows = 1
        self._styles: dict[str, Any] = {}
        self.sheet.append([self._styled(text, "header") for text in headers])

    def _style(self, name: str) -> Any:
        style = self._styles.get(name)
        if style is None:
            prototype = WriteOnlyCell(self.sheet)
            if name == "header":
                prototype.font, prototype.fill, prototype.alignment = HEADER_FONT, HEADER_FILL, WRAP
            elif name == "wrap":
                prototype.alignment = WRAP
            elif name == "top":
                prototype.alignment = TOP
            elif name == "quoted":
                prototype.alignment, prototype.quotePrefix = TOP, True
            elif name == "quoted-wrap":
                prototype.alignment, prototype.quotePrefix = WRAP, True
            elif name == "date":
                prototype.number_format, prototype.alignment = DATE_FORMAT, TOP
            elif name == "datetime":
                prototype.number_format, prototype.alignment = DATETIME_FORMAT, TOP
            elif name == "link":
                prototype.font, prototype.alignment = Font(color="0563C1", underline="single"), TOP
            elif name.startswith("fill:"):
                prototype.fill, prototype.alignment = PatternFill("solid", fgColor=name[5:]), TOP
            elif name.startswith("format:"):
                prototype.number_format, prototype.alignment = name[7:], TOP
            style = prototype._style
            self._styles[name] = style
        return style

    def _styled(self, value: Any, style: str, *, as_text: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=value)
        if as_text:
            cell.data_type = "s"
        cell._style = self._style(style)
        return cell

    def text(self, value: str | None, *, wrap: bool = False) -> WriteOnlyCell | None:
        """User text stays text: stored as a string, quote-prefixed if it looks like a formula."""
        if not value:
            return None
        risky = value.startswith(RISKY_START)
        style = ("quoted" if risky else "top") if not wrap else ("quoted-wrap" if risky else "wrap")
        return self._styled(value, style, as_text=True)

    def number(self, value: float | int | None, number_format: str | None = None) -> Any:
        if number_format is None or value is None:
            return value
        return self._styled(value, f"format:{number_format}")

    def when(self, value: date | datetime | None) -> WriteOnlyCell | None:
        if value is None:
            return None
        return self._styled(value, "datetime" if isinstance(value, datetime) else "date")

    def status(self, label: str, state: TaskState | None) -> WriteOnlyCell | None:
        color = STATE_FILLS.get(state) if state else None
        if not color:
            return self.text(label)
        return self._styled(label, f"fill:{color}", as_text=True)

    def link(self, label: str, target: str | None) -> WriteOnlyCell | None:
        if not target:
            return self.text(label)
        cell = self._styled(label, "link", as_text=True)
        cell.hyperlink = quote(target)
        return cell

    def append(self, cells: list[Any]) -> None:
        self.sheet.append(cells)
        self.rows += 1

    def finish(self) -> None:
        if self.rows > 1:
            self.sheet.auto_filter.ref = f"A1:{get_column_letter(self.columns)}{self.rows}"


SUBMISSION_STATE = {
    SubmissionState.SUBMITTED: TaskState.SUBMITTED,
    SubmissionState.ACCEPTED: TaskState.ACCEPTED,
    SubmissionState.RETURNED: TaskState.RETURNED,
}


def write_workbook(data: ExportData, t: Translator, path: Path) -> Path:
    """Write the report (blocking: run it in a thread). Returns ``path``."""
    workbook = Workbook(write_only=True)
    state_label = {state: t(f"task-state-{state.value}") for state in TaskState}

    # Сводка
    summary = SheetWriter(
        workbook,
        t("export-sheet-summary"),
        [
            t(key)
            for key in (
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
        ],
        [40, 14, 34, 12, 12, 12, 14, 12, 12],
    )
    total = SchoolRow(0, t("export-total"), "", "")
    for school in data.schools:
        summary.append(
            [
                summary.text(school.name, wrap=True),
                summary.text(t(f"school-kind-{school.kind}")),
                summary.text(school.coordinators, wrap=True),
                summary.number(school.assigned),
                summary.number(school.submitted),
                summary.number(school.accepted),
                summary.number(school.returned),
                summary.number(school.overdue),
                summary.number(round(school.percent, 4), "0%"),
            ]
        )
        for name in ("assigned", "submitted", "accepted", "returned", "overdue"):
            setattr(total, name, getattr(total, name) + getattr(school, name))
    last_school_row = summary.rows
    summary.append(
        [
            summary.text(total.name),
            summary.text(""),
            summary.text(""),
            summary.number(total.assigned),
            summary.number(total.submitted),
            summary.number(total.accepted),
            summary.number(total.returned),
            summary.number(total.overdue),
            summary.number(round(total.percent, 4), "0%"),
        ]
    )
    summary.finish()
    if data.schools:
        chart = BarChart()
        chart.type = "bar"
        chart.title = t("export-chart-title")
        chart.y_axis.title = "%"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.y_axis.numFmt = "0%"
        chart.legend = None
        chart.height = max(7.5, 0.6 * len(data.schools) + 3)
        chart.width = 18
        values = Reference(summary.sheet, min_col=9, min_row=1, max_row=last_school_row)
        labels = Reference(summary.sheet, min_col=1, min_row=2, max_row=last_school_row)
        chart.add_data(values, titles_from_data=True)
        chart.set_categories(labels)
        summary.sheet.add_chart(chart, "K2")

    # План
    plan = SheetWriter(
        workbook,
        t("export-sheet-plan"),
        [
            t(key)
            for key in (
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
        ],
        [8, 26, 60, 30, 26, 12, 12, 40, 26],
    )
    for row in data.plan:
        plan.append(
            [
                plan.text(row.number),
                plan.text(row.section, wrap=True),
                plan.text(row.text, wrap=True),
                plan.text(row.executors, wrap=True),
                plan.text(row.phrase, wrap=True),
                plan.when(row.due_on),
                plan.when(row.starts_on),
                plan.text(row.result, wrap=True),
                plan.text(row.target, wrap=True),
            ]
        )
    plan.finish()

    # Исполнение
    work = SheetWriter(
        workbook,
        t("export-sheet-work"),
        [
            t(key)
            for key in (
                "export-col-school",
                "export-col-number",
                "export-col-activity",
                "export-col-due",
                "export-col-status",
                "export-col-submitted-at",
                "export-col-accepted-at",
                "export-col-days-late",
            )
        ],
        [34, 8, 60, 12, 16, 17, 17, 12],
    )
    for row in data.assignments:
        work.append(
            [
                work.text(row.school),
                work.text(row.number),
                work.text(row.text, wrap=True),
                work.when(row.due_on),
                work.status(state_label[row.state], row.state),
                work.when(row.submitted_at),
                work.when(row.accepted_at),
                work.number(row.days_late),
            ]
        )
    work.finish()

    # Отчёты
    files_columns = min(MAX_LINKED_FILES, max((len(s.files) for s in data.submissions), default=1))
    reports = SheetWriter(
        workbook,
        t("export-sheet-reports"),
        [
            t(key)
            for key in (
                "export-col-school",
                "export-col-author",
                "export-col-telegram",
                "export-col-number",
                "export-col-activity",
                "export-col-due",
                "export-col-sent-at",
                "export-col-status",
                "export-col-review-comment",
                "export-col-comment",
                "export-col-files",
            )
        ]
        + [t("export-col-file", index=i + 1) for i in range(files_columns)],
        [30, 24, 18, 8, 50, 12, 17, 16, 36, 36, 8] + [22] * files_columns,
    )
    for row in data.submissions:
        state = SUBMISSION_STATE.get(row.state)
        cells = [
            reports.text(row.school),
            reports.text(row.author),
            reports.text(row.username),
            reports.text(row.number),
            reports.text(row.text, wrap=True),
            reports.when(row.due_on),
            reports.when(row.submitted_at),
            reports.status(state_label[state] if state else "", state),
            reports.text(row.review_comment, wrap=True),
            reports.text(row.comment, wrap=True),
            reports.number(len(row.files)),
        ]
        for file in row.files[:files_columns]:
            if file.stored_path:
                cells.append(reports.link(file.name, file.archive_path))
            else:
                cells.append(reports.text(t("export-file-missing", name=file.name)))
        reports.append(cells)
    reports.finish()

    # Просрочено
    late = SheetWriter(
        workbook,
        t("export-sheet-overdue"),
        [
            t(key)
            for key in (
                "export-col-school",
                "export-col-number",
                "export-col-activity",
                "export-col-due",
                "export-col-days-late",
                "export-col-status",
            )
        ],
        [34, 8, 60, 12, 12, 16],
    )
    for row in data.overdue:
        late.append(
            [
                late.text(row.school),
                late.text(row.number),
                late.text(row.text, wrap=True),
                late.when(row.due_on),
                late.number(row.days_late),
                late.status(state_label[row.state], row.state),
            ]
        )
    late.finish()

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def export_file_name(t: Translator, municipality: str, today: date, suffix: str = ".xlsx") -> str:
    from services.evidence import safe_file_name

    return safe_file_name(
        t("export-file-name", municipality=municipality, date=t.date(today)) + suffix,
        "roadmap" + suffix,
        120,
    )


def archive_entries(data: ExportData):  # type: ignore[no-untyped-def]
    from services.archive import ArchiveEntry

    return [
        ArchiveEntry(file.archive_path, file.stored_path)
        for row in data.submissions
        for file in row.files
        if file.stored_path
    ]


async def collect_for(
    session: AsyncSession,
    t: Translator,
    municipality_id: int,
    today: date,
    options: ExportOptions | None = None,
) -> ExportData:
    """collect() with the texts of ``t`` (the half-year report's title, who rows go to)."""
    from models import Target

    return await collect(
        session,
        municipality_id,
        today,
        options,
        half_year_title=t("half-year-report-title"),
        target_labels={target.value: t(f"target-{target.value}") for target in Target},
        folder_label=t("export-archive-folder"),
    )


def half_years(start: date, end: date) -> list[tuple[date, date]]:
    """The half-years of the school years a period covers: 1.09–31.12 and 1.01–31.08."""
    found = []
    year = start.year - 1
    while date(year, 9, 1) <= end:
        for first, last in (
            (date(year, 9, 1), date(year, 12, 31)),
            (date(year + 1, 1, 1), date(year + 1, 8, 31)),
        ):
            if last >= start and first <= end:
                found.append((first, last))
        year += 1
    return found
