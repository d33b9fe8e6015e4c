"""A coordinator's confirmation: the draft, its evidence, which activity it is for, sending it.

The draft lives in the database from the first file, so a restart loses nothing; each person
has at most one draft (a unique index), and a file delivered twice is stored once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import (
    Assignment,
    AssignmentStatus,
    AuditLog,
    EvidenceFile,
    EvidenceKind,
    MessageLink,
    Submission,
    SubmissionState,
    User,
    utcnow,
)
from services.errors import DomainError
from services.messenger import MB, TELEGRAM, MessengerLimits
from services.tasks import TaskItem, get_task, school_tasks
from services.text import clean_line, clean_text

_DONE = re.compile(
    r"(?<![\w])(?:выполнен[оаы]?|выполнил[аи]?|готов[оа]?|сделан[оа]?|исполнен[оа]?|done|ready)(?![\w])",
    re.IGNORECASE,
)
_NUMBER_HINT = re.compile(
    r"^\s*(?:(?:№|п\.|пункт|мероприятие)\s*)?(\d{1,2}(?:\.\d{1,2})*)\.?(?=\s|$|[,:;!])",
    re.IGNORECASE,
)
MAX_COMMENT = 3000


@dataclass(frozen=True)
class Caption:
    """A caption or text read: whether it says «done», the comment, the activity number."""

    done: bool
    comment: str
    number_hint: str | None


def parse_caption(text: str | None) -> Caption:
    """«Выполнено! Протокол педсовета» → done, comment «Протокол педсовета»;
    «выполнено 3» / «п. 2.1 готово» → the activity number as a hint."""
    text = clean_text(text).strip()
    done = bool(_DONE.search(text))
    rest = _DONE.sub(" ", text, count=1) if done else text
    rest = re.sub(r"\s+", " ", rest).strip(" \t!.,;:—-")
    hint = None
    match = _NUMBER_HINT.match(rest)
    if match and (done or not rest[match.end() :].strip()):
        hint = match.group(1)
        rest = rest[match.end() :].strip(" \t!.,;:—-")
    return Caption(done=done, comment=rest, number_hint=hint)


@dataclass(frozen=True)
class EvidenceInput:
    """A file as the messenger describes it (ids, name, type, size in bytes)."""

    kind: EvidenceKind
    file_id: str
    file_unique_id: str
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None
    media_group_id: str | None = None
    message_id: int | None = None


async def current_draft(session: AsyncSession, user_id: int) -> Submission | None:
    """The person's open draft with its files loaded, or ``None``."""
    return await session.scalar(
        select(Submission)
        .where(Submission.user_id == user_id, Submission.state == SubmissionState.DRAFT)
        .options(selectinload(Submission.files))
    )


async def get_or_create_draft(session: AsyncSession, user: User) -> tuple[Submission, bool]:
    """(the coordinator's draft, whether it was made now); ``DomainError("not-a-coordinator")``
    for someone without a school."""
    draft = await current_draft(session, user.id)
    if draft is not None:
        return draft, False
    if user.school_id is None:
        raise DomainError("not-a-coordinator")
    draft = Submission(school_id=user.school_id, user_id=user.id, state=SubmissionState.DRAFT)
    try:
        async with session.begin_nested():
            session.add(draft)
            await session.flush()
    except IntegrityError:
        # Another update of the same album created it a moment ago.
        existing = await current_draft(session, user.id)
        if existing is None:
            raise
        return existing, False
    await session.refresh(draft, ["files"])
    return draft, True


def _assignable(task: TaskItem) -> None:
    if task.status is AssignmentStatus.SUBMITTED:
        raise DomainError("draft-already-submitted", number=task.number)
    if task.status is AssignmentStatus.ACCEPTED:
        raise DomainError("draft-already-accepted", number=task.number)


def check_attachable(task: TaskItem, draft: Submission | None) -> None:
    """Refuse to point ``draft`` (``None``: a draft not made yet) at ``task``: the activity is
    already sent or accepted, or the draft has files for another activity (``DomainError``)."""
    _assignable(task)
    if draft is not None and draft.assignment_id not in (None, task.assignment_id) and draft.files:
        raise DomainError("draft-busy")


async def attach_task(session: AsyncSession, draft: Submission, task: TaskItem) -> TaskItem:
    """Say which activity a draft is for; ``task`` is one of the draft's school's activities."""
    check_attachable(task, draft)
    draft.assignment_id = task.assignment_id
    await session.flush()
    return task


async def attach_assignment(
    session: AsyncSession, draft: Submission, assignment_id: int, today: date
) -> TaskItem:
    """Say which activity a draft is for; only the draft's own school's activities qualify
    (``DomainError("task-not-found")`` otherwise)."""
    task = await get_task(session, assignment_id, draft.school_id, today)
    if task is None:
        raise DomainError("task-not-found")
    return await attach_task(session, draft, task)


def check_size(evidence: EvidenceInput, limits: MessengerLimits = TELEGRAM) -> None:
    """Refuse a file the bot may not download (``DomainError("evidence-too-large")``, with its
    size and the limit in MB)."""
    if evidence.size is not None and evidence.size > limits.download_bytes:
        raise DomainError(
            "evidence-too-large",
            size_mb=round(evidence.size / MB, 1),
            limit_mb=limits.download_mb,
        )


async def add_evidence(
    session: AsyncSession, draft: Submission, evidence: EvidenceInput
) -> tuple[EvidenceFile | None, bool]:
    """Keep a file in the draft. Returns (file, created); (existing, False) for a repeat (a
    repeat of a file the download queue gave up is queued again)."""
    check_size(evidence)
    existing = await session.scalar(
        select(EvidenceFile).where(
            EvidenceFile.submission_id == draft.id,
            EvidenceFile.file_unique_id == evidence.file_unique_id,
        )
    )
    if existing is not None:
        if existing.failed_at is not None and existing.downloaded_at is None:
            # Sent again after the download queue gave it up: queued afresh, with the new id.
            existing.file_id, existing.failed_at, existing.next_try_at = (
                evidence.file_id,
                None,
                None,
            )
            existing.download_attempts, existing.failure_reported_at = 0, None
            await session.flush()
        return existing, False
    row = EvidenceFile(
        submission_id=draft.id,
        kind=evidence.kind,
        file_id=evidence.file_id,
        file_unique_id=evidence.file_unique_id,
        file_name=clean_line(evidence.file_name)[:255] or None,
        mime_type=evidence.mime_type,
        size=evidence.size,
        media_group_id=evidence.media_group_id,
        message_id=evidence.message_id,
    )
    session.add(row)
    await session.flush()
    await session.refresh(draft, ["files"])
    return row, True


def add_comment(draft: Submission, text: str) -> None:
    """Append a line to the draft's comment (at most ``MAX_COMMENT`` characters in all)."""
    text = clean_text(text).strip()
    if not text:
        return
    combined = f"{draft.comment}\n{text}" if draft.comment else text
    draft.comment = combined[:MAX_COMMENT]


async def guess_assignment(
    session: AsyncSession,
    school_id: int,
    today: date,
    *,
    reply_to: tuple[int, int] | None = None,
    number_hint: str | None = None,
) -> tuple[int | None, list[TaskItem]]:
    """Which activity a file is for, when it is certain; else the candidates to ask about.

    Replying to a card or a reminder means what it names; «выполнено 3» means activity 3;
    a school with a single open activity means that one.
    """
    tasks = [t for t in await school_tasks(session, school_id, today) if t.is_open]
    if reply_to is not None:
        linked = set(
            (
                await session.scalars(
                    select(MessageLink.assignment_id).where(
                        MessageLink.chat_id == reply_to[0], MessageLink.message_id == reply_to[1]
                    )
                )
            ).all()
        )
        named = [t for t in tasks if t.assignment_id in linked]
        if len(named) == 1:
            return named[0].assignment_id, named
        if named:
            return None, named
    if number_hint:
        numbered = [t for t in tasks if t.number == number_hint]
        if len(numbered) == 1:
            return numbered[0].assignment_id, numbered
    if len(tasks) == 1:
        return tasks[0].assignment_id, tasks
    return None, tasks


async def finish_draft(
    session: AsyncSession, draft: Submission, now: datetime | None = None
) -> Submission:
    """Send the draft for review: it becomes a submission and its activity «submitted».

    Raises ``DomainError``: no activity, nothing in it, the activity already sent or accepted,
    or ``button-not-yours`` when the activity is no longer the school's.
    """
    if draft.assignment_id is None:
        raise DomainError("draft-no-activity")
    if not draft.files and not draft.comment:
        raise DomainError("draft-empty")
    assignment = await session.get(Assignment, draft.assignment_id)
    if assignment is None or assignment.school_id != draft.school_id:
        # Only the Send button sends a draft: an activity gone from the school is a stale button.
        raise DomainError("button-not-yours")
    if assignment.status in (AssignmentStatus.SUBMITTED, AssignmentStatus.ACCEPTED):
        raise DomainError(f"draft-already-{assignment.status.value}", number="")
    now = now or utcnow()
    draft.state = SubmissionState.SUBMITTED
    draft.submitted_at = now
    assignment.status = AssignmentStatus.SUBMITTED
    assignment.status_at = now
    session.add(
        AuditLog(
            user_id=draft.user_id,
            action="submission.submitted",
            object_type="submission",
            object_id=draft.id,
            details={"assignment_id": assignment.id, "files": len(draft.files)},
        )
    )
    await session.flush()
    return draft


async def cancel_draft(session: AsyncSession, draft: Submission) -> list[EvidenceFile]:
    """Drop the draft; returns its files so the caller can remove them from the store."""
    files = list(draft.files)
    draft.state = SubmissionState.CANCELLED
    await session.flush()
    return files


async def link_message(
    session: AsyncSession, chat_id: int, message_id: int, assignment_ids: list[int]
) -> None:
    """Remember that a message sent to ``chat_id`` names these activities: a reply to it means
    them (see :func:`guess_assignment`)."""
    for assignment_id in dict.fromkeys(assignment_ids):
        exists = await session.scalar(
            select(MessageLink.id).where(
                MessageLink.chat_id == chat_id,
                MessageLink.message_id == message_id,
                MessageLink.assignment_id == assignment_id,
            )
        )
        if exists is None:
            session.add(
                MessageLink(chat_id=chat_id, message_id=message_id, assignment_id=assignment_id)
            )
    await session.flush()
