"""Reminders: owed once, on time in each municipality's zone, never twice, none lost."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from bot.transport import TelegramTransport
from handlers.keyboards import reminder_item_button
from models import (
    Activity,
    ActivityKind,
    Assignment,
    AssignmentStatus,
    DueDate,
    Municipality,
    ReminderLog,
    ReminderState,
    Role,
    School,
    SchoolKind,
    User,
)
from scheduler import Jobs, reminder_trigger
from scheduler.reminders import run_pass
from services.plan_import.parser import parse_plan
from services.plans import calendar_of, get_or_create_municipality, save_plan
from services.reminders import ReminderRules, latest_point
from services.schools import add_school
from services.sending import Limits, Sender
from tests.harness import SUPERVISOR_ID, RunningBot, running_bot

D = date
RULES = ReminderRules()


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2021, 9, 22), None),  # 8 days before: nothing yet
        (D(2021, 9, 23), ("before:7", D(2021, 9, 23))),
        (D(2021, 9, 26), ("before:7", D(2021, 9, 23))),
        (D(2021, 9, 27), ("before:3", D(2021, 9, 27))),
        (D(2021, 9, 29), ("before:1", D(2021, 9, 29))),
        (D(2021, 9, 30), ("before:0", D(2021, 9, 30))),
        (D(2021, 10, 1), ("overdue:1", D(2021, 10, 1))),
        (D(2021, 10, 7), ("overdue:1", D(2021, 10, 1))),
        (D(2021, 10, 8), ("overdue:8", D(2021, 10, 8))),
        (D(2021, 10, 15), ("overdue:15", D(2021, 10, 15))),
    ],
)
def test_latest_point(today, expected):
    point = latest_point(D(2021, 9, 30), today, RULES)
    assert (None if point is None else (point.kind, point.on)) == expected


def test_offsets_are_configurable():
    rules = ReminderRules.of([14, 2], overdue_first=3, overdue_every=30)
    assert latest_point(D(2022, 1, 15), D(2022, 1, 1), rules).kind == "before:14"
    assert latest_point(D(2022, 1, 15), D(2022, 1, 13), rules).kind == "before:2"
    assert latest_point(D(2022, 1, 15), D(2022, 1, 17), rules).kind == "before:2"
    assert latest_point(D(2022, 1, 15), D(2022, 1, 18), rules).kind == "overdue:3"
    assert latest_point(D(2022, 1, 15), D(2022, 2, 17), rules).kind == "overdue:33"


# A small plan of one school year: one row for ШНОР schools, one for the department, one with
# no date. The half-year report is added for every school (15.01.2022 and 10.06.2022).
PLAN = "\n".join(
    [
        "План мероприятий («дорожная карта») на 2021-2022 учебный год",
        "",
        "№ п/п\tМероприятие\tОтветственные исполнители\tСроки исполнения\tРезультат",
        "1.\tПредставить приказ о назначении ответственного\tШНОР\tДо 30 сентября 2021 г\tПриказ",
        "2.\tСобеседование с руководителями\tМОУО\tОктябрь 2021 г.\tСправка",
        "3.\tПовышение квалификации руководителей\tШНОР\tПо графику\tУдостоверения",
        "4.\tАнализ потребности в курсах\tШНОР\tДо 10 января 2022 г\tСправка",
    ]
).encode()

COORDINATOR = 3001


def at(local: str, timezone: str = "Asia/Chita") -> datetime:
    """A moment given in the municipality's local time, as UTC."""
    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


async def world(running: RunningBot, *, coordinators=(COORDINATOR,), timezone="Asia/Chita"):
    async with running.sessions() as session:
        municipality = await get_or_create_municipality(session, "Каларский МО", timezone, "—")
        school = await add_school(session, municipality.id, "ЧСОШ № 1", SchoolKind.SHNOR)
        await add_school(session, municipality.id, "КСОШИ № 4", SchoolKind.SHNSU)
        parsed = parse_plan(
            "plan.txt", PLAN, calendar=calendar_of(municipality), today=D(2021, 9, 1)
        )
        await save_plan(session, municipality, parsed, sha256=hashlib.sha256(PLAN).hexdigest())
        for index, chat_id in enumerate(coordinators):
            session.add(
                User(
                    platform_user_id=chat_id,
                    chat_id=chat_id,
                    full_name=f"Координатор {index + 1}",
                    role=Role.COORDINATOR,
                    municipality_id=municipality.id,
                    school_id=school.id,
                )
            )
        session.add(
            User(
                platform_user_id=SUPERVISOR_ID,
                chat_id=SUPERVISOR_ID,
                full_name="Ольга",
                role=Role.SUPERVISOR,
                municipality_id=municipality.id,
            )
        )
        await session.commit()
        return municipality.id


async def pass_at(running: RunningBot, municipality_id: int, moment: str, **kwargs):
    sender = kwargs.pop("sender", running.dispatcher["sender"])
    return await run_pass(
        running.sessions,
        sender,
        running.texts,
        municipality_id,
        task_button=reminder_item_button,
        now=at(moment),
        **kwargs,
    )


def texts_to(running: RunningBot, chat_id: int, since: int | None = None) -> list[str]:
    return [m.plain_text or "" for m in running.api.sent_messages(chat_id, since=since)]


async def test_seven_three_one_and_on_the_day_then_overdue(tmp_path):
    async with running_bot(tmp_path) as running:
        municipality_id = await world(running)
        expectations = [
            ("2021-09-22 09:00", None),
            ("2021-09-23 09:00", "осталось 7 дней"),
            ("2021-09-24 09:00", None),
            ("2021-09-27 09:00", "осталось 3 дня"),
            ("2021-09-29 09:00", "остался 1 день"),
            ("2021-09-30 09:00", "срок сегодня"),
            ("2021-10-01 09:00", "просрочено на 1 день"),
            ("2021-10-02 09:00", None),
            ("2021-10-08 09:00", "просрочено на 8 дней"),
        ]
        for moment, words in expectations:
            mark = running.api.mark()
            report = await pass_at(running, municipality_id, moment)
            assert report.skipped is None
            sent = texts_to(running, COORDINATOR, since=mark)
            if words is None:
                assert sent == [], (moment, sent)
                continue
            assert len(sent) == 1, (moment, sent)
            assert "1. Представить приказ о назначении ответственного — до 30 сентября" in sent[0]
            assert words in sent[0], (moment, sent[0])
        # A button per item, to submit it.
        last = running.api.sent_messages(COORDINATOR)[-1]
        assert [text for text, _ in last.buttons] == ["✅ 1"]


async def test_nothing_for_submitted_or_accepted_and_returned_is_reminded_again(tmp_path):
    async with running_bot(tmp_path) as running:
        municipality_id = await world(running)
        async with running.sessions() as session:
            await session.execute(
                update(Assignment)
                .where(
                    Assignment.due_date_id.in_(
                        select(DueDate.id).join(Activity).where(Activity.number == "1")
                    )
                )
                .values(status=AssignmentStatus.SUBMITTED)
            )
            await session.commit()
        await pass_at(running, municipality_id, "2021-09-23 09:00")
        assert texts_to(running, COORDINATOR) == []
        async with running.sessions() as session:
            await session.execute(update(Assignment).values(status=AssignmentStatus.RETURNED))
            await session.commit()
        await pass_at(running, municipality_id, "2021-09-27 09:00")
        (reminder,) = texts_to(running, COORDINATOR)
        assert "осталось 3 дня" in reminder


async def test_half_year_reports_and_the_year_boundary(tmp_path):
    async with running_bot(tmp_path) as running:
        municipality_id = await world(running)
        async with running.sessions() as session:
            await session.execute(
                update(Assignment)
                .where(
                    Assignment.id.in_(
                        select(Assignment.id)
                        .join(DueDate)
                        .join(Activity)
                        .where(Activity.number == "1")
                    )
                )
                .values(status=AssignmentStatus.ACCEPTED)
            )
            await session.commit()
        # 10 January 2022 is 7 days away on 3 January: across the New Year.
        await pass_at(running, municipality_id, "2021-12-31 09:00")
        mark = running.api.mark()
        await pass_at(running, municipality_id, "2022-01-03 09:00")
        (reminder,) = texts_to(running, COORDINATOR, since=mark)
        assert "4. Анализ потребности в курсах — до 10 января, осталось 7 дней" in reminder
        # 15 January: the half-year analytical report, for every school.
        mark = running.api.mark()
        await pass_at(running, municipality_id, "2022-01-08 09:00")
        (reminder,) = texts_to(running, COORDINATOR, since=mark)
        assert (
            "Аналитические материалы по итогам полугодия — до 15 января, осталось 7 дней"
            in reminder
        )
        # 10 June.
        mark = running.api.mark()
        await pass_at(running, municipality_id, "2022-06-09 09:00")
        (reminder,) = texts_to(running, COORDINATOR, since=mark)
        assert (
            "Аналитические материалы по итогам полугодия — до 10 июня, остался 1 день" in reminder
        )


async def test_rows_without_a_date_are_not_reminded_the_supervisor_is(tmp_path):
    async with running_bot(tmp_path) as running:
        municipality_id = await world(running)
        await pass_at(running, municipality_id, "2021-10-01 09:00")
        (reminder,) = texts_to(running, COORDINATOR)
        assert "Повышение квалификации" not in reminder  # row 3, «По графику»
        (digest,) = texts_to(running, SUPERVISOR_ID)
        assert "Сегодня стали просроченными" in digest and "ЧСОШ № 1: 1" in digest
        assert "Нет подключённого координатора: КСОШИ № 4" in digest
        assert "Строки плана без даты: 3" in digest


async def test_two_time_zones_get_their_own_nine_oclock():
    now = datetime(2021, 9, 23, 0, 0, tzinfo=UTC)
    yekaterinburg = reminder_trigger("09:00", "Asia/Yekaterinburg").get_next_fire_time(None, now)
    vladivostok = reminder_trigger("09:00", "Asia/Vladivostok").get_next_fire_time(None, now)
    assert yekaterinburg.astimezone(UTC) == datetime(2021, 9, 23, 4, 0, tzinfo=UTC)
    assert vladivostok.astimezone(UTC) == datetime(2021, 9, 23, 23, 0, tzinfo=UTC)


async def test_catch_up_after_a_restart_and_nothing_again_after_the_pass(tmp_path):
    async with running_bot(tmp_path) as running:
        ekb = await world(running, timezone="Asia/Yekaterinburg")
        async with running.sessions() as session:
            vl = Municipality(name="Владивосток", timezone="Asia/Vladivostok")
            session.add(vl)
            await session.commit()
        jobs = Jobs(
            running.sessions,
            running.dispatcher["sender"],
            running.texts,
            "09:00",
            task_button=reminder_item_button,
        )
        # 00:30 UTC: 05:30 in Yekaterinburg (not yet), 10:30 in Vladivostok (its pass is owed).
        ran = await jobs.catch_up(datetime(2021, 9, 23, 0, 30, tzinfo=UTC))
        assert ran == [vl.id]
        assert texts_to(running, COORDINATOR) == []
        # The bot was down at 09:00 Yekaterinburg time and starts at 11:00: the pass runs now.
        ran = await jobs.catch_up(datetime(2021, 9, 23, 6, 0, tzinfo=UTC))
        assert ran == [ekb]
        assert len(texts_to(running, COORDINATOR)) == 1
        # Another restart later the same day: nothing again.
        restarted = Jobs(
            running.sessions,
            running.dispatcher["sender"],
            running.texts,
            "09:00",
            task_button=reminder_item_button,
        )
        assert await restarted.catch_up(datetime(2021, 9, 23, 9, 0, tzinfo=UTC)) == []
        assert len(texts_to(running, COORDINATOR)) == 1
        # The scheduler knows each municipality's job in its own zone.
        await restarted.sync()
        job_ids = sorted(job.id for job in restarted.scheduler.get_jobs())
        assert job_ids == [f"reminders:{ekb}", f"reminders:{vl.id}"]


async def test_two_passes_at_once_send_nothing_twice(tmp_path, db_url):
    """On SQLite and on PostgreSQL (where the two transactions really run side by side)."""
    async with running_bot(tmp_path, database_url=db_url) as running:
        municipality_id = await world(running, coordinators=(COORDINATOR, COORDINATOR + 1))
        reports = await asyncio.gather(
            pass_at(running, municipality_id, "2021-09-23 09:00"),
            pass_at(running, municipality_id, "2021-09-23 09:00"),
        )
        assert sorted(r.skipped or "ran" for r in reports) == ["ran", "running"]
        # Even forced concurrent passes (a second instance, a manual /remind) cannot double up.
        forced = await asyncio.gather(
            pass_at(running, municipality_id, "2021-09-27 09:00", force=True),
            pass_at(running, municipality_id, "2021-09-27 09:00", force=True),
        )
        assert sum(r.claimed for r in forced) == 1
        for chat_id in (COORDINATOR, COORDINATOR + 1):
            assert len(texts_to(running, chat_id)) == 2  # 23.09 and 27.09, once each
        async with running.sessions() as session:
            states = (await session.scalars(select(ReminderLog.state))).all()
            assert states == [ReminderState.SENT, ReminderState.SENT]


async def test_429_is_waited_out_and_403_is_reported(tmp_path):
    async with running_bot(tmp_path) as running:
        blocked = COORDINATOR + 1
        municipality_id = await world(running, coordinators=(COORDINATOR, blocked))
        running.api.fail_next("sendMessage", chat_id=COORDINATOR, error_code=429, retry_after=1)
        running.api.block_user(blocked)
        report = await pass_at(running, municipality_id, "2021-10-01 09:00")
        assert report.messages == 1
        assert len(texts_to(running, COORDINATOR)) == 1  # delivered after waiting retry_after
        async with running.sessions() as session:
            user = await session.scalar(select(User).where(User.chat_id == blocked))
            assert user.blocked_at is not None
        (digest,) = texts_to(running, SUPERVISOR_ID)
        assert "Заблокировали бота" in digest and "Координатор 2" in digest
        # The blocked person is not written to again.
        mark = running.api.mark()
        await pass_at(running, municipality_id, "2021-10-08 09:00")
        assert running.api.sent_messages(blocked, since=mark) == []


async def test_a_failed_send_is_tried_again_on_the_next_pass(tmp_path):
    async with running_bot(tmp_path) as running:
        municipality_id = await world(running)
        impatient = Sender(TelegramTransport(running.bot), Limits(attempts=2, max_backoff=0.05))
        running.api.fail_next("sendMessage", chat_id=COORDINATOR, error_code=500, times=2)
        report = await pass_at(running, municipality_id, "2021-09-23 09:00", sender=impatient)
        assert (report.messages, report.released) == (0, 1)
        async with running.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(ReminderLog)) == 0
        report = await pass_at(running, municipality_id, "2021-09-24 09:00")
        assert (report.messages, report.sent) == (1, 1)
        (reminder,) = texts_to(running, COORDINATOR)
        assert "осталось 6 дней" in reminder


async def test_replying_to_a_reminder_submits_for_its_item(tmp_path):
    async with running_bot(tmp_path) as running:
        municipality_id = await world(running)
        async with running.sessions() as session:
            await session.execute(
                update(User).where(User.chat_id == COORDINATOR).values(platform_user_id=COORDINATOR)
            )
            await session.commit()
        await pass_at(running, municipality_id, "2021-09-23 09:00")
        reminder = running.api.sent_messages(COORDINATOR)[-1]
        person = running.api.user(COORDINATOR, first_name="Координатор 1")
        mark = running.api.mark()
        person.reply(reminder, "выполнено, приказ приложу")
        prompt = (await person.wait_sent())[-1]
        assert "1. Представить приказ о назначении ответственного" in prompt.plain_text
        assert running.api.sent_messages(COORDINATOR, since=mark)


async def test_dry_run_claims_nothing(tmp_path):
    async with running_bot(tmp_path) as running:
        municipality_id = await world(running)
        report = await pass_at(running, municipality_id, "2021-09-23 09:00", dry_run=True)
        assert [p.name for p in report.planned] == ["Координатор 1"]
        assert texts_to(running, COORDINATOR) == []
        async with running.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(ReminderLog)) == 0


async def test_half_year_report_exists_for_every_school(tmp_path):
    async with running_bot(tmp_path) as running:
        await world(running)
        async with running.sessions() as session:
            rows = (
                await session.execute(
                    select(School.name, DueDate.due_on)
                    .join(Assignment, Assignment.school_id == School.id)
                    .join(DueDate, DueDate.id == Assignment.due_date_id)
                    .join(Activity, Activity.id == DueDate.activity_id)
                    .where(Activity.kind == ActivityKind.HALF_YEAR_REPORT)
                    .order_by(School.name, DueDate.due_on)
                )
            ).all()
        assert rows == [
            ("КСОШИ № 4", D(2022, 1, 15)),
            ("КСОШИ № 4", D(2022, 6, 10)),
            ("ЧСОШ № 1", D(2022, 1, 15)),
            ("ЧСОШ № 1", D(2022, 6, 10)),
        ]


def test_batches_never_split_a_school():
    from scheduler.reminders import Planned, school_batches
    from services.sending import OutgoingMessage

    planned = [
        Planned(
            chat_id=i,
            name="",
            school_id=i // 3,
            school="",
            message=OutgoingMessage(""),
            assignment_ids=[],
        )
        for i in range(20)
    ]
    batches = school_batches(planned, size=5)
    assert sorted(p.chat_id for b in batches for p in b) == list(range(20))
    for batch in batches:
        schools = {p.school_id for p in batch}
        for other in batches:
            if other is not batch:
                assert not schools & {p.school_id for p in other}
