"""The supervisor's review: the queue, one submission's card, accept, or return with a comment.

The use cases (:func:`next_for_review`, :func:`reviewable`, :func:`start_return`,
:func:`accept_submission`, :func:`return_submission`) take a session and the supervisor and
return plain data; they flush, never commit. A refusal is a :class:`DomainError`
(``button-not-yours``, ``review-already-done``, ``review-comment-empty``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import (
    Assignment,
    AssignmentStatus,
    AuditLog,
    EvidenceKind,
    Municipality,
    Role,
    School,
    Submission,
    SubmissionState,
    User,
    utcnow,
)
from services.clock import local_today
from services.errors import DomainError
from services.i18n import Texts
from services.progress import coordinator_label
from services.render import activity_title, esc
from services.sending import OutgoingMessage
from services.tasks import TaskItem, get_task_in_municipality
from services.text import clean_text

MAX_REVIEW_COMMENT = 2000
TITLE_CHARS = 300  # how much of an activity's text a review message quotes


def _in_municipality(municipality_id: int):  # type: ignore[no-untyped-def]
    return Submission.school_id.in_(
        select(School.id).where(School.municipality_id == municipality_id)
    )


async def pending_submissions(session: AsyncSession, municipality_id: int) -> list[Submission]:
    """Sent and not yet reviewed, oldest first."""
    return list(
        (
            await session.scalars(
                select(Submission)
                .where(
                    Submission.state == SubmissionState.SUBMITTED, _in_municipality(municipality_id)
                )
                .order_by(Submission.submitted_at, Submission.id)
                .options(selectinload(Submission.files), selectinload(Submission.user))
            )
        ).all()
    )


async def submission_for_review(
    session: AsyncSession, submission_id: int, municipality_id: int
) -> Submission | None:
    """The submission if it belongs to this supervisor's municipality."""
    return await session.scalar(
        select(Submission)
        .where(Submission.id == submission_id, _in_municipality(municipality_id))
        .options(selectinload(Submission.files), selectinload(Submission.user))
    )


def _check_pending(submission: Submission) -> None:
    if submission.state is not SubmissionState.SUBMITTED:
        raise DomainError("review-already-done")


async def _decide(
    session: AsyncSession,
    submission: Submission,
    reviewer: User,
    state: SubmissionState,
    status: AssignmentStatus,
    now: datetime | None,
) -> Assignment:
    _check_pending(submission)
    now = now or utcnow()
    assignment = await session.get(Assignment, submission.assignment_id)
    assert assignment is not None
    submission.state = state
    submission.reviewed_at = now
    submission.reviewer_id = reviewer.id
    assignment.status = status
    assignment.status_at = now
    session.add(
        AuditLog(
            municipality_id=reviewer.municipality_id,
            user_id=reviewer.id,
            action=f"submission.{state.value}",
            object_type="submission",
            object_id=submission.id,
        )
    )
    await session.flush()
    return assignment


async def accept(
    session: AsyncSession, submission: Submission, reviewer: User, now: datetime | None = None
) -> Assignment:
    """Mark the submission and its assignment accepted (flushed).

    Raises DomainError("review-already-done") if it is no longer waiting for review.
    """
    return await _decide(
        session, submission, reviewer, SubmissionState.ACCEPTED, AssignmentStatus.ACCEPTED, now
    )


async def return_for_rework(
    session: AsyncSession,
    submission: Submission,
    reviewer: User,
    comment: str,
    now: datetime | None = None,
) -> Assignment:
    """Back to the school: the activity is open again and the comment says what to fix."""
    _check_pending(submission)
    comment = clean_text(comment).strip()
    if not comment:
        raise DomainError("review-comment-empty")
    submission.review_comment = comment[:MAX_REVIEW_COMMENT]
    return await _decide(
        session, submission, reviewer, SubmissionState.RETURNED, AssignmentStatus.RETURNED, now
    )


async def unnotified_submissions(session: AsyncSession, municipality_id: int) -> list[Submission]:
    """Sent since the supervisors were last told (they are told in batches)."""
    return list(
        (
            await session.scalars(
                select(Submission)
                .where(
                    Submission.state.in_([SubmissionState.SUBMITTED, SubmissionState.ACCEPTED]),
                    Submission.notified_at.is_(None),
                    _in_municipality(municipality_id),
                )
                .order_by(Submission.submitted_at, Submission.id)
                .options(selectinload(Submission.files))
            )
        ).all()
    )


# --------------------------------------------------------------------------------------------
# Use cases: what /review and its buttons do, as plain data.


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """One file of a submission as the reviewer gets it: the messenger's ``file_id``, and the
    bot's own copy (``stored_path``, relative to the evidence store; ``None`` if never stored)."""

    evidence_id: int
    kind: EvidenceKind
    file_id: str
    stored_path: str | None
    file_name: str | None


@dataclass(frozen=True, slots=True)
class ReviewCard:
    """The submission at the head of the queue. ``pending``: how many wait, this one included;
    ``task``: its activity (``None`` if the plan no longer has it); ``author``: the sender's
    label, ``None`` if unknown; ``submitted_at`` in UTC, shown in ``timezone``."""

    submission_id: int
    pending: int
    school: str
    task: TaskItem | None
    author: str | None
    submitted_at: datetime | None
    timezone: str
    comment: str | None
    files: tuple[EvidenceRef, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision made (flushed, not committed). ``done_key`` is what the supervisor is told
    (with ``activity``); ``notices`` are the school's messages, each in its reader's language:
    (chat id, message) for every coordinator who must hear of it."""

    submission_id: int
    task: TaskItem | None
    done_key: str
    notices: tuple[tuple[int, OutgoingMessage], ...]


async def _municipality(session: AsyncSession, supervisor: User) -> Municipality:
    municipality = await session.get(Municipality, supervisor.municipality_id)
    if municipality is None:
        raise LookupError(f"user {supervisor.id} has no municipality")
    return municipality


async def _task_of(
    session: AsyncSession, submission: Submission, municipality: Municipality
) -> TaskItem | None:
    today = local_today(municipality.timezone)
    return await get_task_in_municipality(session, submission.assignment_id, municipality.id, today)


def _evidence(submission: Submission) -> tuple[EvidenceRef, ...]:
    return tuple(
        EvidenceRef(f.id, f.kind, f.file_id, f.stored_path, f.file_name) for f in submission.files
    )


async def next_for_review(
    session: AsyncSession, supervisor: User, *, after_id: int | None = None
) -> ReviewCard | None:
    """The oldest submission waiting for review (the first after ``after_id`` if there is one,
    else from the start of the queue); ``None`` when nothing waits."""
    municipality = await _municipality(session, supervisor)
    pending = await pending_submissions(session, municipality.id)
    if after_id is not None:
        pending = [s for s in pending if s.id > after_id] or pending
    if not pending:
        return None
    submission = pending[0]
    school = await session.get(School, submission.school_id)
    return ReviewCard(
        submission_id=submission.id,
        pending=len(pending),
        school=school.name if school else "",
        task=await _task_of(session, submission, municipality),
        author=coordinator_label(submission.user) if submission.user else None,
        submitted_at=submission.submitted_at,
        timezone=municipality.timezone,
        comment=submission.comment,
        files=_evidence(submission),
    )


async def reviewable(session: AsyncSession, supervisor: User, submission_id: int) -> Submission:
    """The submission, if it is of the supervisor's municipality.

    Raises DomainError("button-not-yours") otherwise (another municipality, or no such one).
    """
    submission = await submission_for_review(
        session,
        submission_id,
        supervisor.municipality_id,  # type: ignore[arg-type]
    )
    if submission is None:
        raise DomainError("button-not-yours")
    return submission


async def start_return(session: AsyncSession, supervisor: User, submission_id: int) -> int:
    """Check that the submission may be returned; its id, for the comment that follows.

    Raises DomainError("button-not-yours") or DomainError("review-already-done").
    """
    submission = await reviewable(session, supervisor, submission_id)
    _check_pending(submission)
    return submission.id


async def _school_coordinators(session: AsyncSession, submission: Submission) -> list[User]:
    """The sender, or every coordinator of the school if the sender has left it."""
    if submission.user is not None and submission.user.school_id == submission.school_id:
        return [submission.user]
    return list(
        (
            await session.scalars(
                select(User).where(
                    User.school_id == submission.school_id, User.role == Role.COORDINATOR
                )
            )
        ).all()
    )


async def _decision(
    session: AsyncSession,
    texts: Texts,
    supervisor: User,
    submission: Submission,
    keys: tuple[str, str],
    **params: str,
) -> Decision:
    """The decision's plain data: the school's notices (``keys[1]``, with the activity in the
    sender's language) to every reachable coordinator, and the supervisor's ``keys[0]``."""
    task = await _task_of(session, submission, await _municipality(session, supervisor))
    school_t = texts.for_locale(submission.user.locale if submission.user else None)
    activity = activity_title(school_t, task, TITLE_CHARS) if task else ""
    notices = tuple(
        (
            coordinator.chat_id,
            OutgoingMessage(
                texts.for_locale(coordinator.locale)(keys[1], activity=activity, **params)
            ),
        )
        for coordinator in await _school_coordinators(session, submission)
        if coordinator.chat_id is not None and not coordinator.blocked
    )
    return Decision(submission.id, task, keys[0], notices)


async def accept_submission(
    session: AsyncSession,
    texts: Texts,
    supervisor: User,
    submission_id: int,
    now: datetime | None = None,
) -> Decision:
    """Accept: the activity is done. Raises DomainError("button-not-yours") or
    DomainError("review-already-done")."""
    submission = await reviewable(session, supervisor, submission_id)
    await accept(session, submission, supervisor, now)
    return await _decision(
        session, texts, supervisor, submission, ("review-accepted", "review-told-accepted")
    )


async def return_submission(
    session: AsyncSession,
    texts: Texts,
    supervisor: User,
    submission_id: int,
    comment: str,
    now: datetime | None = None,
) -> Decision:
    """Return with ``comment`` (cut to MAX_REVIEW_COMMENT characters): the activity is open again.

    Raises DomainError("button-not-yours"), ("review-already-done") or ("review-comment-empty").
    """
    submission = await reviewable(session, supervisor, submission_id)
    await return_for_rework(session, submission, supervisor, comment, now)
    return await _decision(
        session,
        texts,
        supervisor,
        submission,
        ("review-returned", "review-told-returned"),
        comment=esc(submission.review_comment),
    )
