"""Who the person is to the bot, for /start: their greeting, and joining by an invite link."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from models import Municipality, Role, School, User
from services.errors import DomainError
from services.invites import Redeemed, redeem_invite
from services.tasks import TaskItem, school_tasks
from services.users import today_for


@dataclass(frozen=True)
class Greeting:
    """What /start says: ``role`` ``None`` for a stranger (or a role without its place);
    ``place`` is the municipality of a supervisor or the school of a coordinator; a
    coordinator also gets how many activities are open and the nearest dated one."""

    role: Role | None
    name: str = ""
    place: str = ""
    open_tasks: int = 0
    nearest: TaskItem | None = None


async def coordinator_greeting(session: AsyncSession, user: User) -> Greeting:
    """A coordinator's greeting: their school and what is still to do there today."""
    school = await session.get(School, user.school_id)
    assert school is not None
    today = await today_for(session, user)
    open_tasks = [task for task in await school_tasks(session, school.id, today) if task.is_open]
    nearest = next((task for task in open_tasks if task.due_on is not None), None)
    return Greeting(Role.COORDINATOR, user.full_name, school.name, len(open_tasks), nearest)


async def greeting_of(session: AsyncSession, user: User | None) -> Greeting:
    """The greeting of ``user`` (``None``: someone the bot could not identify)."""
    if user is not None and user.role is Role.SUPERVISOR and user.municipality_id:
        municipality = await session.get(Municipality, user.municipality_id)
        return Greeting(Role.SUPERVISOR, user.full_name, municipality.name if municipality else "")
    if user is not None and user.role is Role.COORDINATOR and user.school_id:
        return await coordinator_greeting(session, user)
    return Greeting(None)


@dataclass(frozen=True)
class Joined:
    """An invite link opened: ``redeemed`` when it let the person in, else ``refusal`` (the
    locale key saying why: unknown, used, replaced, expired…)."""

    redeemed: Redeemed | None
    refusal: str | None = None


async def join_with_invite(session: AsyncSession, token: str, user: User) -> Joined:
    """Redeem an invite token for ``user``.

    A refused link is an answer, not a failure: the person is told why and how to join, and
    their first contact (their row, made for this update) is kept — so the refusal is returned
    rather than raised (nothing of the invite was written when it is refused).
    """
    try:
        return Joined(await redeem_invite(session, token, user))
    except DomainError as error:
        return Joined(None, error.key)
