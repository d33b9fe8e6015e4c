"""Importing a plan, once for the bot and the CLI alike: a preview, then the confirmed save.

:func:`preview_import` reads and understands the file once and compares it with the plan already
saved; :func:`apply_import` saves that very result (the file is never parsed a second time),
adding the schools the plan names when asked. Both take the caller's session; the caller owns
the transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Municipality, Role, School, SchoolKind
from services.clock import local_today
from services.errors import DomainError
from services.invites import create_invite
from services.messenger import MB
from services.names import names_match
from services.plan_import.model import ImportProblem, ParsedActivity, ParsedPlan, ProposedSchool
from services.plan_import.parser import parse_plan
from services.plan_import.readers import SUPPORTED
from services.plans import PlanChanges, SaveResult, calendar_of, plan_changes, save_plan
from services.schools import add_school, list_schools

# Formats the reader explains itself («save it as .docx»), so they are worth downloading.
EXPLAINED = (".doc", ".xls", ".pdf", ".rtf", ".odt")


@dataclass
class ImportPreview:
    """What a plan file says and what saving it would do.

    ``parsed``: the plan as understood; ``changes``: against the plan of the same title already
    saved; ``new_schools``: schools the plan names that the municipality does not have yet;
    ``sha256``: hex digest of the file.
    """

    parsed: ParsedPlan
    changes: PlanChanges
    new_schools: list[ProposedSchool]
    sha256: str
    # The municipality's name the decree gives, when the municipality has none yet.
    proposed_name: str | None = None

    @property
    def problems(self) -> list[ParsedActivity]:
        """The rows that need a person's attention."""
        return self.parsed.needing_attention


@dataclass
class AddedSchool:
    """A school the import added; ``invite_token`` is its coordinator's invite when one was made."""

    name: str
    kind: SchoolKind
    invite_token: str | None = None


@dataclass
class ImportApplied:
    """What the confirmed import did."""

    saved: SaveResult
    activities: int
    needing_attention: int
    added_schools: list[AddedSchool] = field(default_factory=list)

    @property
    def created(self) -> bool:
        return self.saved.created


def check_upload(file_name: str, size: int | None, max_bytes: int) -> None:
    """Refuse, before downloading, a file that cannot be a plan or is larger than ``max_bytes``.

    Raises ImportProblem("import-unsupported" | "import-too-large").
    """
    suffix = PurePath(file_name).suffix.lower()
    if suffix not in SUPPORTED and suffix not in EXPLAINED:
        raise ImportProblem("import-unsupported", suffix=suffix or "—")
    if size and size > max_bytes:
        raise ImportProblem(
            "import-too-large", size_mb=round(size / MB, 1), limit_mb=max_bytes // MB
        )


async def new_schools(
    session: AsyncSession, municipality_id: int, proposed: list[ProposedSchool]
) -> list[ProposedSchool]:
    """The proposed schools whose names match none of the municipality's schools."""
    known = [school.name for school in await list_schools(session, municipality_id)]
    return [s for s in proposed if not any(names_match(s.name, name) for name in known)]


async def preview_import(
    session: AsyncSession,
    municipality: Municipality,
    file_name: str,
    data: bytes,
    *,
    today: date | None = None,
    unnamed: Collection[str] = (),
) -> ImportPreview:
    """Read and understand a plan file once; nothing is written.

    ``today`` (default: the municipality's today) places a plan whose title gives no period.
    ``unnamed``: the names that mean the municipality has no name yet (the default one); then
    the name the decree gives is proposed. Raises ImportProblem when the file cannot be imported.
    """
    today = today or local_today(municipality.timezone)
    parsed = parse_plan(file_name, data, calendar=calendar_of(municipality), today=today)
    return ImportPreview(
        parsed=parsed,
        changes=await plan_changes(session, municipality, parsed),
        new_schools=await new_schools(session, municipality.id, parsed.proposed_schools),
        sha256=hashlib.sha256(data).hexdigest(),
        proposed_name=await _proposed_name(session, municipality, parsed, unnamed),
    )


async def _proposed_name(
    session: AsyncSession, municipality: Municipality, parsed: ParsedPlan, unnamed: Collection[str]
) -> str | None:
    """The decree's municipality name, when ours has none yet and no other one bears it."""
    name = parsed.municipality_name
    if not name or municipality.name not in unnamed:
        return None
    taken = await session.scalar(select(Municipality.id).where(Municipality.name == name))
    return None if taken else name


async def apply_import(
    session: AsyncSession,
    municipality: Municipality,
    parsed: ParsedPlan,
    *,
    sha256: str,
    add_schools: bool = False,
    invite_coordinators: bool = False,
    actor_id: int | None = None,
    unnamed: Collection[str] = (),
) -> ImportApplied:
    """Save the plan a preview showed (creating it or updating it in place).

    With ``add_schools`` the schools it names that are still new are added first (so they get
    their assignments), each with a coordinator invite when ``invite_coordinators``. A
    municipality with no name yet (its name in ``unnamed``) takes the one the decree gives.
    """
    name = await _proposed_name(session, municipality, parsed, unnamed)
    if name is not None:
        municipality.name = name
    added: list[AddedSchool] = []
    if add_schools:
        for proposed in await new_schools(session, municipality.id, parsed.proposed_schools):
            school = await _add_school(session, municipality, proposed, actor_id)
            if school is None:
                continue
            token = None
            if invite_coordinators:
                token = await create_invite(
                    session,
                    municipality_id=municipality.id,
                    role=Role.COORDINATOR,
                    school_id=school.id,
                    actor_id=actor_id,
                )
            added.append(AddedSchool(school.name, proposed.kind, token))
    saved = await save_plan(session, municipality, parsed, sha256=sha256, actor_id=actor_id)
    return ImportApplied(saved, len(parsed.activities), len(parsed.needing_attention), added)


async def _add_school(
    session: AsyncSession,
    municipality: Municipality,
    proposed: ProposedSchool,
    actor_id: int | None,
) -> School | None:
    """Add one proposed school; None when it cannot be (an empty or too long name, a twin)."""
    try:
        return await add_school(
            session, municipality.id, proposed.name, proposed.kind, actor_id=actor_id
        )
    except DomainError:
        return None
