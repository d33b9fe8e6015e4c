"""Quick setups for conversation tests: a plan, schools and joined coordinators.

The plan and schools are created through the services (fast, already tested end to end in
test_journey.py); people join through the chat, as they will.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from models import Municipality, Role, School, SchoolKind
from services.invites import create_invite
from services.plan_import.parser import parse_plan
from services.plans import calendar_of, get_or_create_municipality, save_plan
from services.schools import add_school
from tests.conftest import SEEDS, seed_bytes
from tests.fakes import FakeUser
from tests.harness import SUPERVISOR_ID, RunningBot

# Seed 003 is the 2021/2022 school year; tests travel to this moment (Chita, UTC+9).
IN_THE_SCHOOL_YEAR = "2021-09-20 03:00:00+00:00"
TWO_SCHOOLS = {"ЧСОШ № 1": SchoolKind.SHNOR, "КСОШИ № 4": SchoolKind.SHNSU}


@dataclass
class Municipal:
    municipality_id: int
    schools: dict[str, int] = field(default_factory=dict)


async def import_seed(
    running: RunningBot,
    seed: str = "003",
    schools: dict[str, SchoolKind] | None = None,
    *,
    today: date = date(2021, 9, 20),
) -> Municipal:
    """The seed's plan saved for the supervisor's municipality, with the given schools."""
    schools = TWO_SCHOOLS if schools is None else schools
    async with running.sessions() as session:
        municipality = await get_or_create_municipality(
            session, None, running.settings.TIMEZONE, running.texts.get("municipality-default-name")
        )
        result = Municipal(municipality.id)
        for name, kind in schools.items():
            school = await add_school(session, municipality.id, name, kind)
            result.schools[name] = school.id
        data = seed_bytes(seed)
        parsed = parse_plan(SEEDS[seed].name, data, calendar=calendar_of(municipality), today=today)
        await save_plan(session, municipality, parsed, sha256=hashlib.sha256(data).hexdigest())
        await session.commit()
    return result


async def invite_token(running: RunningBot, school_name: str) -> str:
    async with running.sessions() as session:
        school = await session.scalar(select(School).where(School.name == school_name))
        municipality = await session.get(Municipality, school.municipality_id)
        token = await create_invite(
            session, municipality_id=municipality.id, role=Role.COORDINATOR, school_id=school.id
        )
        await session.commit()
    return token


async def join(
    running: RunningBot,
    user_id: int,
    school_name: str,
    *,
    first_name: str = "Анна",
    username: str | None = None,
    language_code: str = "ru",
) -> FakeUser:
    """A coordinator opens their school's invite link; returns them after the welcome."""
    person = running.api.user(
        user_id, first_name=first_name, username=username, language_code=language_code
    )
    token = await invite_token(running, school_name)
    person.send_text(f"/start {token}")
    (welcome,) = await person.wait_sent()
    assert school_name in (welcome.plain_text or ""), welcome.plain_text
    return person


def supervisor(running: RunningBot) -> FakeUser:
    return running.api.user(SUPERVISOR_ID, first_name="Ольга", username="olga_uo")
