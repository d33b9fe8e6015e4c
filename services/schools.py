"""Schools of a municipality."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditLog, School, SchoolKind
from services.errors import DomainError
from services.names import clean_spaces, name_key
from services.plans import sync_assignments

MAX_NAME = 200

_KIND_WORDS = {
    "шнор": SchoolKind.SHNOR,
    "shnor": SchoolKind.SHNOR,
    "шнсу": SchoolKind.SHNSU,
    "shnsu": SchoolKind.SHNSU,
}


def split_name_and_kind(text: str) -> tuple[str, SchoolKind | None]:
    """«ЧСОШ № 1 ШНОР» → ("ЧСОШ № 1", SHNOR); «… ШНОР ШНСУ» → BOTH; no kind → None."""
    words = clean_spaces(text).split(" ")
    kinds: set[SchoolKind] = set()
    while words and words[-1].strip("[](),").lower() in _KIND_WORDS:
        kinds.add(_KIND_WORDS[words.pop().strip("[](),").lower()])
    name = " ".join(words).strip(" ,")
    if not kinds:
        return name, None
    if len(kinds) == 2:
        return name, SchoolKind.BOTH
    return name, kinds.pop()


async def find_school(session: AsyncSession, municipality_id: int, name: str) -> School | None:
    return await session.scalar(
        select(School).where(
            School.municipality_id == municipality_id, School.name_key == name_key(name)
        )
    )


async def add_school(
    session: AsyncSession,
    municipality_id: int,
    name: str,
    kind: SchoolKind,
    *,
    actor_id: int | None = None,
) -> School:
    name = clean_spaces(name)
    if not name or not re.search(r"\w", name):
        raise DomainError("school-name-empty")
    if len(name) > MAX_NAME:
        raise DomainError("school-name-too-long", limit=MAX_NAME)
    if await find_school(session, municipality_id, name) is not None:
        raise DomainError("school-exists", name=name)
    school = School(municipality_id=municipality_id, name=name, name_key=name_key(name), kind=kind)
    session.add(school)
    await session.flush()
    session.add(
        AuditLog(
            municipality_id=municipality_id,
            user_id=actor_id,
            action="school.added",
            object_type="school",
            object_id=school.id,
            details={"kind": kind.value},
        )
    )
    await sync_assignments(session, municipality_id)
    return school


async def list_schools(session: AsyncSession, municipality_id: int) -> list[School]:
    return list(
        (
            await session.scalars(
                select(School)
                .where(School.municipality_id == municipality_id)
                .order_by(School.name_key)
            )
        ).all()
    )
