"""One-time invite links: a coordinator for a school, or another supervisor.

Tokens are random, stored only as their SHA-256, used once, and expire after 14 days. A new link
for the same school voids the old one. Redemption is a single conditional UPDATE, so two people
opening the same link at the same moment cannot both get in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditLog, Invite, Municipality, Role, School, User, utcnow
from services.errors import DomainError
from services.messenger import TELEGRAM, MessengerLimits

INVITE_TTL = timedelta(days=14)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_token() -> str:
    """A random URL-safe token of 32 characters."""
    return secrets.token_urlsafe(24)  # 32 characters, fits a /start payload (≤ 64)


def hash_token(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Redeemed:
    role: Role
    municipality: Municipality
    school: School | None
    rebound_from: str | None = None  # the school a coordinator was bound to before


async def create_invite(
    session: AsyncSession,
    *,
    municipality_id: int,
    role: Role,
    school_id: int | None = None,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> str:
    """Make a link and void the open ones for the same school (or supervisor links)."""
    now = now or utcnow()
    await session.execute(
        update(Invite)
        .where(
            Invite.municipality_id == municipality_id,
            Invite.role == role,
            Invite.school_id.is_(None) if school_id is None else Invite.school_id == school_id,
            Invite.used_at.is_(None),
            Invite.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    token = new_token()
    invite = Invite(
        municipality_id=municipality_id,
        school_id=school_id,
        role=role,
        token_hash=hash_token(token),
        created_by_id=actor_id,
        created_at=now,
        expires_at=now + INVITE_TTL,
    )
    session.add(invite)
    await session.flush()
    session.add(
        AuditLog(
            municipality_id=municipality_id,
            user_id=actor_id,
            action="invite.created",
            object_type="invite",
            object_id=invite.id,
            details={"role": role.value, "school_id": school_id},
        )
    )
    return token


async def redeem_invite(
    session: AsyncSession, token: str, user: User, *, now: datetime | None = None
) -> Redeemed:
    now = now or utcnow()
    if not _TOKEN_RE.match(token or ""):
        raise DomainError("invite-unknown")
    invite = await session.scalar(select(Invite).where(Invite.token_hash == hash_token(token)))
    if invite is None:
        raise DomainError("invite-unknown")
    if invite.used_at is not None:
        if invite.used_by_id == user.id:
            raise DomainError("invite-already-yours")
        raise DomainError("invite-used")
    if invite.revoked_at is not None:
        raise DomainError("invite-revoked")
    if invite.expires_at <= now:
        raise DomainError("invite-expired")
    if invite.role is Role.COORDINATOR and user.role is Role.SUPERVISOR:
        raise DomainError("invite-supervisor-not-school")

    claimed = await session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None), Invite.revoked_at.is_(None))
        .values(used_at=now, used_by_id=user.id)
    )
    if claimed.rowcount != 1:
        raise DomainError("invite-used")

    municipality = await session.get(Municipality, invite.municipality_id)
    assert municipality is not None
    school = await session.get(School, invite.school_id) if invite.school_id else None
    rebound_from = None
    if invite.role is Role.COORDINATOR:
        if user.role is Role.COORDINATOR and user.school_id not in (None, invite.school_id):
            previous = await session.get(School, user.school_id)
            rebound_from = previous.name if previous else None
        user.role = Role.COORDINATOR
        user.school_id = invite.school_id
    else:
        user.role = Role.SUPERVISOR
        user.school_id = None
    user.municipality_id = invite.municipality_id
    await session.flush()
    session.add(
        AuditLog(
            municipality_id=invite.municipality_id,
            user_id=user.id,
            action="invite.redeemed",
            object_type="invite",
            object_id=invite.id,
            details={"role": invite.role.value, "school_id": invite.school_id},
        )
    )
    return Redeemed(invite.role, municipality, school, rebound_from)


# --------------------------------------------------------------------------------------------
# Use cases: a supervisor asks for a link.


@dataclass(frozen=True, slots=True)
class InviteLink:
    """A fresh one-time link: ``school`` is the school's name (``None`` for a supervisor's
    link); ``days``: how long it stays valid."""

    link: str
    school: str | None
    days: int


async def school_invite(
    session: AsyncSession,
    supervisor: User,
    school_id: int,
    bot_username: str,
    *,
    messenger: MessengerLimits = TELEGRAM,
) -> InviteLink:
    """A new coordinator link for a school of the supervisor's municipality (the school's
    older open links are void). Raises DomainError("button-not-yours") for any other school."""
    school = await session.get(School, school_id)
    if school is None or school.municipality_id != supervisor.municipality_id:
        raise DomainError("button-not-yours")
    token = await create_invite(
        session,
        municipality_id=school.municipality_id,
        role=Role.COORDINATOR,
        school_id=school.id,
        actor_id=supervisor.id,
    )
    return InviteLink(messenger.start_link(bot_username, token), school.name, INVITE_TTL.days)


async def supervisor_invite(
    session: AsyncSession,
    supervisor: User,
    bot_username: str,
    *,
    messenger: MessengerLimits = TELEGRAM,
) -> InviteLink:
    """A new link for another supervisor of the same municipality (older open ones are void)."""
    token = await create_invite(
        session,
        municipality_id=supervisor.municipality_id,  # type: ignore[arg-type]
        role=Role.SUPERVISOR,
        actor_id=supervisor.id,
    )
    return InviteLink(messenger.start_link(bot_username, token), None, INVITE_TTL.days)
