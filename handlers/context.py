"""Small lookups handlers share: the sender's municipality and today's date there."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from models import Municipality, User
from services.clock import local_today


async def municipality_of(session: AsyncSession, user: User) -> Municipality:
    municipality = await session.get(Municipality, user.municipality_id)
    if municipality is None:
        raise LookupError(f"user {user.id} has no municipality")
    return municipality


async def coordinator_today(session: AsyncSession, user: User) -> date:
    return local_today((await municipality_of(session, user)).timezone)


supervisor_today = coordinator_today
