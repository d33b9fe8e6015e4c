"""Personal data: a coordinator may ask to be forgotten (/forgetme)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditLog, Invite, Submission, User


async def forget(session: AsyncSession, user: User) -> None:
    """Remove the person's name, username and role; the school's reports stay, unsigned.

    The submissions are the school's official record for the ministry, so they are kept, with
    nobody named as their sender; the person's Telegram id is replaced so they are not linked.
    """
    municipality_id = user.municipality_id
    await session.execute(
        update(Submission).where(Submission.user_id == user.id).values(user_id=None)
    )
    await session.execute(
        update(Submission).where(Submission.reviewer_id == user.id).values(reviewer_id=None)
    )
    await session.execute(
        update(Invite).where(Invite.used_by_id == user.id).values(used_by_id=None)
    )
    await session.execute(
        update(Invite).where(Invite.created_by_id == user.id).values(created_by_id=None)
    )
    session.add(
        AuditLog(
            municipality_id=municipality_id,
            user_id=None,
            action="user.forgotten",
            object_type="user",
            object_id=user.id,
        )
    )
    await session.delete(user)
    await session.flush()
