"""The municipality a plan belongs to, and its calendar (default yearly date, half-year dates,
school quarter ends)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Municipality
from services.dates import Calendar
from services.names import clean_spaces


def calendar_of(municipality: Municipality) -> Calendar:
    """The dates the municipality's deadline phrases resolve against."""
    return Calendar.from_strings(
        municipality.yearly_default, municipality.half_year_dates, municipality.quarter_ends
    )


async def get_or_create_municipality(
    session: AsyncSession, name: str | None, timezone: str, default_name: str
) -> Municipality:
    """The named municipality; without a name, the only one there is (or a new default)."""
    if name:
        name = clean_spaces(name)
        found = await session.scalar(select(Municipality).where(Municipality.name == name))
        if found is None:
            found = Municipality(name=name, timezone=timezone)
            session.add(found)
            await session.flush()
        return found
    existing = (await session.scalars(select(Municipality).order_by(Municipality.id))).all()
    if existing:
        return existing[0]
    created = Municipality(name=default_name, timezone=timezone)
    session.add(created)
    await session.flush()
    return created
