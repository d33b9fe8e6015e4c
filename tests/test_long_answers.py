"""Long answers always arrive (issue 12, item 3): every list command at 300 schools and 60
activities, in Russian and English. Before, /schools with some ninety schools was refused with
«message is too long» and the supervisor got silence.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date

import pytest
import time_machine

from models import SchoolKind
from services.chunks import split_text, units
from services.plan_import.parser import parse_plan
from services.plans import calendar_of, get_or_create_municipality, save_plan
from services.schools import add_school
from tests.conftest import SEEDS, seed_bytes
from tests.fakes import render_text
from tests.harness import RunningBot, running_bot
from tests.journeys import invite_token, supervisor

AFTER_THE_DEADLINES = "2021-12-20 03:00:00+00:00"
SCHOOLS = 300
ACTIVITIES = 60
ANNA = 2001


def school_name(number: int) -> str:
    kind = "ШНОР" if number % 2 else "ШНСУ"
    return f"МБОУ «Средняя общеобразовательная школа № {number}» с. Чара ({kind})"


async def big_municipality(running: RunningBot) -> None:
    """300 schools and the seed's 20 activities three times over: 60."""
    async with running.sessions() as session:
        municipality = await get_or_create_municipality(
            session, None, running.settings.TIMEZONE, running.texts.get("municipality-default-name")
        )
        for number in range(1, SCHOOLS + 1):
            kind = SchoolKind.SHNOR if number % 2 else SchoolKind.SHNSU
            await add_school(session, municipality.id, school_name(number), kind)
        data = seed_bytes("003")
        parsed = parse_plan(
            SEEDS["003"].name, data, calendar=calendar_of(municipality), today=date(2021, 9, 20)
        )
        activities = [
            dataclasses.replace(
                activity, number=str(copy * 20 + index + 1), key=str(copy * 20 + index + 1)
            )
            for copy in range(3)
            for index, activity in enumerate(parsed.activities)
        ]
        assert len(activities) == ACTIVITIES
        parsed = dataclasses.replace(parsed, activities=activities)
        await save_plan(session, municipality, parsed, sha256=hashlib.sha256(data).hexdigest())
        await session.commit()


def refused(running: RunningBot, since: int) -> list[str]:
    return [
        f"{r.method} {r.status} {r.response}"
        for r in running.api.requests[since:]
        if r.status is not None and not r.ok and r.method != "getUpdates"
    ]


@time_machine.travel(AFTER_THE_DEADLINES, tick=True)
@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_every_list_command_arrives_at_300_schools_and_60_activities(tmp_path, locale):
    async with running_bot(tmp_path) as running:
        api = running.api
        await big_municipality(running)
        olga = supervisor(running)
        anna = api.user(ANNA, first_name="Анна", language_code=locale)
        anna.send_text(f"/start {await invite_token(running, school_name(1))}")
        (welcome,) = await anna.wait_sent()
        assert "„Средняя общеобразовательная школа № 1“" in welcome.plain_text  # no «…«…»…»
        for person in (olga, anna):
            if locale == "en":
                person.send_text("/lang")
                (choose,) = await person.wait_sent()
                person.press(choose, button_text="English")
                await person.wait_sent()
        for person, command in [
            (olga, "/schools"),
            (olga, "/status"),
            (olga, "/overdue"),
            (olga, "/plan"),
            (olga, "/review"),
            (olga, "/help"),
            (anna, "/tasks"),
            (anna, "/help"),
        ]:
            await running.runner.idle()
            mark = api.mark()
            person.send_text(command)
            await api.wait_sent(person.id, since=mark, timeout=30)
            await api.wait_updates_consumed()
            await running.runner.idle()
            assert refused(running, mark) == [], command
            sent = api.sent_messages(person.id, since=mark)
            assert sent, command
            assert all(len(m.plain_text or "") <= 4096 for m in sent)
            if command in ("/schools", "/status"):
                shown = "\n".join(m.plain_text or "" for m in sent)
                missing = [
                    n
                    for n in range(1, SCHOOLS + 1)
                    if f"№ {n}»" not in shown and f"№ {n}„" not in shown
                ]
                assert not missing, (command, missing[:5])


LIMIT = 4096


@pytest.mark.parametrize("html", [True, False])
def test_split_text_keeps_lines_and_valid_html(html):
    line = "<b>Школа № {n}</b> — <a href='https://t.me/x'>ссылка</a> &amp; 😀 <i>итог</i>"
    text = "\n".join(line.format(n=n) for n in range(900))
    if html:
        text = "<blockquote>" + text + "</blockquote>"
    parts = split_text(text, LIMIT, html=html)
    assert len(parts) > 1
    for part in parts:
        assert units(part) <= LIMIT
        if html:
            render_text(part, "HTML")  # valid on its own: tags closed and reopened
    if not html:
        assert "\n".join(parts) == text


def test_split_text_breaks_an_enormous_line_between_words_and_the_first_part_as_a_caption():
    text = "слово " * 3000
    parts = split_text(text, LIMIT, first_limit=1024)
    assert units(parts[0]) <= 1024
    assert all(units(p) <= LIMIT for p in parts)
    assert "".join(parts) == text
