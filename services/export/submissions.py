"""Отчёты: every report sent (under review, accepted, returned) with links to its files.

The links are the evidence archive's paths (:mod:`services.archive`), so the report unpacked
next to the archive opens each file.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import ActivityKind, EvidenceFile, Submission, SubmissionState, User
from services.archive import ArchiveEntry, evidence_archive_path
from services.export.cells import SheetWriter, headers, state_labels
from services.export.execution import AssignmentRow
from services.export.scope import ExportScope
from services.i18n import Translator
from services.tasks import TaskState

MAX_LINKED_FILES = 10
FILES_IN_ONE_QUERY = 1000
SENT = (SubmissionState.SUBMITTED, SubmissionState.ACCEPTED, SubmissionState.RETURNED)
SUBMISSION_STATE = {
    SubmissionState.SUBMITTED: TaskState.SUBMITTED,
    SubmissionState.ACCEPTED: TaskState.ACCEPTED,
    SubmissionState.RETURNED: TaskState.RETURNED,
}
COLUMNS = (
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
WIDTHS = [30, 24, 18, 8, 50, 12, 17, 16, 36, 36, 8]

# (evidence id, file name, kind, mime type, stored path, fetch state) of a submission's files
FileFacts = tuple[int, str | None, str, str | None, str | None, str]
# Why a file is not in the store: the text beside its name in the report.
ABSENT_KEYS = {
    "fetching": "export-file-fetching",  # the download queue has not fetched it yet
    "lost": "export-file-lost",  # it could not be fetched after the retries
    "missing": "export-file-missing",  # deleted (retention) or lost from the disk
}


@dataclass(frozen=True)
class FileLink:
    """One evidence file: its name, its path in the archive, its path in the bot's store."""

    name: str
    archive_path: str
    stored_path: str | None  # None: not in the bot's store (see ``state``)
    state: str = "stored"  # or a key of :data:`ABSENT_KEYS`


@dataclass
class SubmissionRow:
    """One report sent; ``submitted_at`` in local time."""

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


async def collect_submissions(
    session: AsyncSession, scope: ExportScope, assignments: dict[int, AssignmentRow]
) -> list[SubmissionRow]:
    """The reports sent for ``assignments``, oldest first.

    Also sets each assignment's latest ``submitted_at`` and its ``accepted_at`` (UTC).
    """
    found = (
        await session.execute(
            select(Submission, User.full_name, User.username)
            .outerjoin(User, User.id == Submission.user_id)
            .where(Submission.school_id.in_(scope.school_ids()), Submission.state.in_(SENT))
            .order_by(Submission.submitted_at, Submission.id)
        )
    ).all()
    sent = [row for row in found if row[0].assignment_id in assignments]
    files = await _files(session, [submission.id for submission, _, _ in sent])
    rows = []
    for submission, author, username in sent:
        assignment = assignments[submission.assignment_id]
        links = [_link(scope, assignment, submission.id, facts) for facts in files[submission.id]]
        rows.append(_row(scope, assignment, submission, author, username, links))
        _mark(assignment, submission)
    return rows


async def _files(session: AsyncSession, submission_ids: list[int]) -> dict[int, list[FileFacts]]:
    """The files of each submission, read in batches (a statement's parameters are limited)."""
    by_submission: dict[int, list[FileFacts]] = defaultdict(list)
    for start in range(0, len(submission_ids), FILES_IN_ONE_QUERY):
        batch = submission_ids[start : start + FILES_IN_ONE_QUERY]
        for evidence_id, sub_id, name, kind, mime, stored, downloaded, failed in (
            await session.execute(
                select(
                    EvidenceFile.id,
                    EvidenceFile.submission_id,
                    EvidenceFile.file_name,
                    EvidenceFile.kind,
                    EvidenceFile.mime_type,
                    EvidenceFile.stored_path,
                    EvidenceFile.downloaded_at,
                    EvidenceFile.failed_at,
                )
                .where(EvidenceFile.submission_id.in_(batch))
                .order_by(EvidenceFile.id)
            )
        ).all():
            state = _fetch_state(stored, downloaded, failed)
            by_submission[sub_id].append((evidence_id, name, kind.value, mime, stored, state))
    return by_submission


def _fetch_state(stored: str | None, downloaded: object, failed: object) -> str:
    if stored:
        return "stored"
    if downloaded is not None:
        return "missing"
    return "lost" if failed is not None else "fetching"


def _link(scope: ExportScope, row: AssignmentRow, submission_id: int, facts: FileFacts) -> FileLink:
    evidence_id, name, kind, mime, stored, state = facts
    path = evidence_archive_path(
        scope.folder, row.school, row.number, row.text, submission_id, evidence_id, name, kind, mime
    )
    return FileLink(path.rsplit("/", 1)[-1], path, stored, state)


def _row(
    scope: ExportScope,
    row: AssignmentRow,
    submission: Submission,
    author: str | None,
    username: str | None,
    links: list[FileLink],
) -> SubmissionRow:
    return SubmissionRow(
        school=row.school,
        author=author or "",
        username=f"@{username}" if username else "",
        number=row.number,
        text=row.text,
        kind=row.kind,
        due_on=row.due_on,
        submitted_at=scope.local(submission.submitted_at),
        state=submission.state,
        review_comment=submission.review_comment or "",
        comment=submission.comment or "",
        files=links,
    )


def _mark(row: AssignmentRow, submission: Submission) -> None:
    if submission.submitted_at and (
        row.submitted_at is None or submission.submitted_at > row.submitted_at
    ):
        row.submitted_at = submission.submitted_at
    if submission.state is SubmissionState.ACCEPTED:
        row.accepted_at = submission.reviewed_at


def evidence_entries(rows: list[SubmissionRow]) -> list[ArchiveEntry]:
    """What the evidence archive holds: every stored file of ``rows``, at its linked path."""
    return [
        ArchiveEntry(file.archive_path, file.stored_path)
        for row in rows
        for file in row.files
        if file.stored_path
    ]


def write_submissions(workbook: Workbook, t: Translator, rows: list[SubmissionRow]) -> None:
    """Add the Отчёты sheet: up to :data:`MAX_LINKED_FILES` file links a row."""
    state_label = state_labels(t)
    files_columns = min(MAX_LINKED_FILES, max((len(s.files) for s in rows), default=1))
    sheet = SheetWriter(
        workbook,
        t("export-sheet-reports"),
        headers(t, COLUMNS) + [t("export-col-file", index=i + 1) for i in range(files_columns)],
        WIDTHS + [22] * files_columns,
    )
    for row in rows:
        state = SUBMISSION_STATE.get(row.state)
        cells = [
            sheet.text(row.school),
            sheet.text(row.author),
            sheet.text(row.username),
            sheet.text(row.number),
            sheet.text(row.text, wrap=True),
            sheet.when(row.due_on),
            sheet.when(row.submitted_at),
            sheet.status(state_label[state] if state else "", state),
            sheet.text(row.review_comment, wrap=True),
            sheet.text(row.comment, wrap=True),
            sheet.number(len(row.files)),
        ]
        for file in row.files[:files_columns]:
            if file.stored_path:
                cells.append(sheet.link(file.name, file.archive_path))
            else:
                key = ABSENT_KEYS.get(file.state, "export-file-missing")
                cells.append(sheet.text(t(key, name=file.name)))
        sheet.append(cells)
    sheet.finish()
