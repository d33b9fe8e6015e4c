"""Schools of a municipality: add one, list them with coordinators and progress, pick one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditLog, Municipality, School, SchoolKind, User
from services.clock import local_today
from services.errors import DomainError
from services.names import clean_spaces, name_key, names_match
from services.plans import sync_assignments
from services.progress import SchoolProgress, municipality_counts

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
    """The municipality's school of that name (compared by its key), or ``None``."""
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
    """The municipality's schools, by name."""
    return list(
        (
            await session.scalars(
                select(School)
                .where(School.municipality_id == municipality_id)
                .order_by(School.name_key)
            )
        ).all()
    )


# --------------------------------------------------------------------------------------------
# Use cases: what /addschool, /schools and /invite do, as plain data.


@dataclass(frozen=True, slots=True)
class SchoolAdded:
    """A school just added: ``kind_given`` is False when the name named no kind (it is then
    OTHER); ``activities``: how many activities of the plans it was given."""

    school_id: int
    name: str
    kind: SchoolKind
    kind_given: bool
    activities: int


@dataclass(frozen=True, slots=True)
class SchoolChoice:
    """The municipality's schools as (id, name), by name, and ``found``: the id of the one
    school the wanted name names (``None`` when none or several do, or nothing was asked)."""

    options: list[tuple[int, str]]
    found: int | None


async def _today(session: AsyncSession, municipality_id: int) -> date:
    municipality = await session.get(Municipality, municipality_id)
    if municipality is None:
        raise LookupError(f"no municipality {municipality_id}")
    return local_today(municipality.timezone)


async def add_school_for(
    session: AsyncSession, supervisor: User, name: str, kind: SchoolKind | None
) -> SchoolAdded:
    """Add a school to the supervisor's municipality and give it the plans' activities.

    Raises DomainError("school-name-empty"), ("school-name-too-long") or ("school-exists").
    """
    municipality_id: int = supervisor.municipality_id  # type: ignore[assignment]
    school = await add_school(
        session, municipality_id, name, kind or SchoolKind.OTHER, actor_id=supervisor.id
    )
    today = await _today(session, municipality_id)
    progress = await municipality_counts(session, municipality_id, today, school_id=school.id)
    assigned = progress.schools[0].assigned if progress.schools else 0
    return SchoolAdded(school.id, school.name, school.kind, kind is not None, assigned)


async def schools_overview(session: AsyncSession, supervisor: User) -> list[SchoolProgress]:
    """Every school of the supervisor's municipality with its coordinators and tallies."""
    municipality_id: int = supervisor.municipality_id  # type: ignore[assignment]
    today = await _today(session, municipality_id)
    return (await municipality_counts(session, municipality_id, today)).schools


async def choose_school(session: AsyncSession, municipality_id: int, wanted: str) -> SchoolChoice:
    """The school a typed name means (names compared as people type them, e.g. «№1» = «№ 1»)."""
    schools = await list_schools(session, municipality_id)
    found = [s for s in schools if names_match(s.name, wanted)] if wanted else []
    options = [(s.id, s.name) for s in schools]
    return SchoolChoice(options, found[0].id if len(found) == 1 else None)
