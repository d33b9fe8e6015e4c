"""The supervisor's review: accept a submission, or return it with a comment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import (
    Assignment,
    AssignmentStatus,
    AuditLog,
    School,
    Submission,
    SubmissionState,
    User,
    utcnow,
)
from services.errors import DomainError

MAX_REVIEW_COMMENT = 2000


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
    comment = (comment or "").strip()
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
