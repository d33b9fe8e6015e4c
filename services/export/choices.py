"""What a supervisor can limit an export to: one school of theirs, one half-year of their plans."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Plan, School
from services.errors import DomainError
from services.export.periods import from_ymd, half_years
from services.export.scope import ExportOptions

WHOLE = ("all", "archive")  # everything: the report, or the evidence archive


async def schools_to_choose(session: AsyncSession, municipality_id: int) -> list[tuple[int, str]]:
    """(id, name) of the municipality's schools, in name order."""
    rows = await session.execute(
        select(School.id, School.name)
        .where(School.municipality_id == municipality_id)
        .order_by(School.name_key)
    )
    return [(school_id, name) for school_id, name in rows.all()]


async def periods_to_choose(session: AsyncSession, municipality_id: int) -> list[tuple[date, date]]:
    """The half-years the municipality's plans cover, oldest first, as (first, last day)."""
    rows = (
        await session.execute(
            select(Plan.period_start, Plan.period_end).where(
                Plan.municipality_id == municipality_id
            )
        )
    ).all()
    return sorted({half for start, end in rows for half in half_years(start, end)})


async def export_options(
    session: AsyncSession, municipality_id: int, scope: str, value: int = 0
) -> ExportOptions:
    """The options for a chosen ``scope``: ``"all"``/``"archive"`` (everything), ``"school"``
    (``value``: a school id), ``"period"`` (``value``: the half-year's first day as YYYYMMDD).

    Raises DomainError «button-not-yours» for a school of another municipality, «button-stale»
    for a half-year no plan covers any more or an unknown scope.
    """
    if scope in WHOLE:
        return ExportOptions()
    if scope == "school":
        school = await session.get(School, value)
        if school is None or school.municipality_id != municipality_id:
            raise DomainError("button-not-yours")
        return ExportOptions(school_id=school.id)
    if scope == "period":
        first = from_ymd(value)
        match = [p for p in await periods_to_choose(session, municipality_id) if p[0] == first]
        if match:
            return ExportOptions(period=match[0])
    raise DomainError("button-stale")
