"""People: who they are, what role they have, which language they read."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditLog, Municipality, Role, User, utcnow
from services.clock import local_today
from services.text import clean_line

TELEGRAM = "telegram"
LAST_SEEN_GRANULARITY = timedelta(hours=1)


async def get_user(
    session: AsyncSession, platform_user_id: int, platform: str = TELEGRAM
) -> User | None:
    """The person with this messenger id, or ``None``."""
    return await session.scalar(
        select(User).where(User.platform == platform, User.platform_user_id == platform_user_id)
    )


async def touch_user(
    session: AsyncSession,
    *,
    platform_user_id: int,
    chat_id: int | None,
    full_name: str,
    username: str | None,
    platform: str = TELEGRAM,
) -> User:
    """Find or create the person behind an incoming update and note that they are reachable."""
    user = await get_user(session, platform_user_id, platform)
    now = utcnow()
    if user is None:
        user = User(platform=platform, platform_user_id=platform_user_id, created_at=now)
        session.add(user)
    if chat_id is not None:
        user.chat_id = chat_id
    user.full_name = clean_line(full_name)[:255]
    user.username = (username or None) and username[:64]
    if user.last_seen_at is None or now - user.last_seen_at > LAST_SEEN_GRANULARITY:
        user.last_seen_at = now  # not on every message: that would be a write per update
    user.blocked_at = None  # they wrote to us, so they have not blocked the bot
    await session.flush()
    return user


async def make_supervisor(
    session: AsyncSession,
    platform_user_id: int,
    municipality_id: int,
    *,
    actor_id: int | None = None,
    platform: str = TELEGRAM,
) -> User:
    """Make the person (created if need be) a supervisor of the municipality."""
    user = await get_user(session, platform_user_id, platform)
    if user is None:
        user = User(platform=platform, platform_user_id=platform_user_id, chat_id=platform_user_id)
        session.add(user)
    user.role = Role.SUPERVISOR
    user.municipality_id = municipality_id
    user.school_id = None
    await session.flush()
    session.add(
        AuditLog(
            municipality_id=municipality_id,
            user_id=actor_id,
            action="user.supervisor",
            object_type="user",
            object_id=user.id,
        )
    )
    return user


async def set_locale(session: AsyncSession, user: User, locale: str) -> None:
    """The language the person reads (a locale code the catalogs have)."""
    user.locale = locale
    await session.flush()


async def municipality_of(session: AsyncSession, user: User) -> Municipality:
    """The person's municipality; LookupError for someone who has none (a stranger)."""
    municipality = await session.get(Municipality, user.municipality_id)
    if municipality is None:
        raise LookupError(f"user {user.id} has no municipality")
    return municipality


async def today_for(session: AsyncSession, user: User) -> date:
    """Today's date in the person's municipality (its time zone); LookupError as above."""
    return local_today((await municipality_of(session, user)).timezone)
