"""Personal data: a coordinator may ask to be forgotten (/forgetme)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditLog, Invite, Role, Submission, User
from services.errors import DomainError


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


async def forget_me(session: AsyncSession, user: User | None, confirming_for: int) -> int | None:
    """/forgetme confirmed by its button (made for the user id ``confirming_for``).

    Returns the chat the person wrote from (its command menu is to be reset). Raises
    ``DomainError("button-not-yours")`` when the button is someone else's or the person is no
    longer a coordinator; nothing is changed then.
    """
    if user is None or user.id != confirming_for or user.role is not Role.COORDINATOR:
        raise DomainError("button-not-yours")
    chat_id = user.chat_id
    await forget(session, user)
    return chat_id
