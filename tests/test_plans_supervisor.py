"""Issue 13, items 1, 3, 4: the supervisor manages plans (/plans), re-dates any row and changes
a row's schools (/plan), over the fake Bot API in Russian and English; every change is confirmed
with a button, answered with what changed, audited, and refused to anyone else."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
import time_machine
from sqlalchemy import func, select

from handlers.callbacks import PlansCb, RowCb
from handlers.keyboards import reminder_item_button
from models import (
    Activity,
    Assignment,
    AuditLog,
    DueDate,
    Municipality,
    Plan,
    ReminderLog,
    Role,
    School,
    SchoolKind,
    User,
)
from scheduler.reminders import run_pass
from services.export import collect_for
from services.plan_import.parser import parse_plan
from services.plans import calendar_of, get_or_create_municipality, save_plan
from services.schools import add_school
from tests.harness import SUPERVISOR_ID, RunningBot, running_bot
from tests.journeys import join
from tests.test_conversation_supervisor import callback_answer, submit
from tests.test_reminders import at

NOW = "2021-09-20 03:00:00+00:00"  # 20 September 2021, noon in Chita
TODAY = date(2021, 9, 20)
ANNA, BORIS = 2001, 2002  # coordinators of ЧСОШ № 1 (ШНОР) and КСОШИ № 4 (ШНСУ)

RIGHT = "\n".join(
    [
        "План мероприятий («дорожная карта») на 2021-2022 учебный год",
        "",
        "№ п/п\tМероприятие\tОтветственные исполнители\tСроки исполнения\tРезультат",
        "1.\tПредставить приказ о назначении ответственного\tШНОР\tДо 30 сентября 2021 г\tПриказ",
        "2.\tСобеседование с руководителями\tМОУО\tОктябрь 2021 г.\tСправка",
        "3.\tПовышение квалификации руководителей\tШНОР\tПо графику\tУдостоверения",
        "4.\tАнализ потребности в курсах\tШНОР\tДо 10 января 2022 г\tСправка",
        "5.\tМетодический семинар для учителей\tШНСУ\tДо 15 октября 2021 г\tПрограмма",
    ]
).encode()

# Another municipality's plan of past years: every date long gone.
WRONG = "\n".join(
    [
        "Администрация Верещагинского городского округа",
        "План мероприятий («дорожная карта») на 2018-2020 годы",
        "",
        "№ п/п\tМероприятие\tОтветственные исполнители\tСроки исполнения\tРезультат",
        "1.\tРазработка программы перехода в эффективный режим\tШНОР, ШНСУ\tДо 1 марта 2019 г\t"
        "Программа",
        "2.\tМониторинг образовательных результатов\tШНОР\tДо 20 декабря 2019 г\tСправка",
    ]
).encode()
WRONG_ROW = "Разработка программы перехода"


async def world(running: RunningBot, lang: str, *, wrong: bool = False) -> int:
    """Two schools, the right plan (and the wrong one), the supervisor reading ``lang``."""
    async with running.sessions() as session:
        municipality = await get_or_create_municipality(
            session, None, "Asia/Chita", running.texts.get("municipality-default-name")
        )
        await add_school(session, municipality.id, "ЧСОШ № 1", SchoolKind.SHNOR)
        await add_school(session, municipality.id, "КСОШИ № 4", SchoolKind.SHNSU)
        for name, data in [("right.txt", RIGHT)] + ([("wrong.txt", WRONG)] if wrong else []):
            parsed = parse_plan(name, data, calendar=calendar_of(municipality), today=TODAY)
            await save_plan(session, municipality, parsed, sha256=hashlib.sha256(data).hexdigest())
        session.add(
            User(
                platform_user_id=SUPERVISOR_ID,
                chat_id=SUPERVISOR_ID,
                full_name="Ольга",
                role=Role.SUPERVISOR,
                municipality_id=municipality.id,
                locale=lang,
            )
        )
        await session.commit()
        return municipality.id


async def say(person, text: str):  # type: ignore[no-untyped-def]
    person.send_text(text)
    (answer,) = await person.wait_sent()
    return answer


async def status(person) -> str:  # type: ignore[no-untyped-def]
    """/status: its text, then the progress chart."""
    person.send_text("/status")
    messages = await person.wait_sent(2)
    assert messages[-1].plain_text is None  # the chart
    return "\n".join(m.plain_text or "" for m in messages)


async def press(person, message, label: str):  # type: ignore[no-untyped-def]
    person.press(message, button_text=label)
    (answer,) = await person.wait_sent()
    return answer


async def reminders_pass(running: RunningBot, municipality_id: int, moment: str) -> None:
    await run_pass(
        running.sessions,
        running.dispatcher["sender"],
        running.texts,
        municipality_id,
        task_button=reminder_item_button,
        now=at(moment),
    )


async def audit(running: RunningBot, action: str) -> list[AuditLog]:
    async with running.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
                )
            ).all()
        )


async def plan_id(running: RunningBot, fragment: str) -> int:
    async with running.sessions() as session:
        return await session.scalar(select(Plan.id).where(Plan.title.contains(fragment)))


async def row_id(running: RunningBot, number: str, plan_fragment: str = "2021-2022") -> int:
    async with running.sessions() as session:
        return await session.scalar(
            select(Activity.id)
            .join(Plan, Plan.id == Activity.plan_id)
            .where(Activity.number == number, Plan.title.contains(plan_fragment))
        )


# --------------------------------------------------------------------------------------------
# 1. /plans: undo a wrong import, archive, make current


@pytest.mark.parametrize("lang", ["ru", "en"])
@time_machine.travel(NOW, tick=True)
async def test_a_wrong_import_is_undone_and_nothing_of_it_is_left(tmp_path, lang):
    async with running_bot(tmp_path) as running:
        t = running.texts.for_locale(lang)
        municipality_id = await world(running, lang, wrong=True)
        anna = await join(running, ANNA, "ЧСОШ № 1")
        olga = running.api.user(SUPERVISOR_ID, first_name="Ольга")

        overdue = await say(olga, "/overdue")
        assert WRONG_ROW in overdue.plain_text  # the wrong plan made everything overdue

        listing = await say(olga, "/plans")
        text = listing.plain_text
        assert text.startswith(t("plans-header", n=2))
        assert "2018-2020" in text and "2021-2022" in text
        assert t("plans-state-current") in text
        if lang == "ru":
            assert "01.01.2018 – 31.12.2020 · мероприятий: 2 · школ: 2 · отчётов: 0" in text
        index = 1 + ["2018-2020" in line for line in text.split("\n\n")[1:]].index(True)

        ask = await press(olga, listing, t("btn-plan-undo", index=index))
        assert "2018-2020" in ask.plain_text
        done = await press(olga, ask, t("btn-plan-undo-ok"))
        assert done.plain_text.startswith(t("plans-undone", n=0, title="", activities=0)[:12])

        async with running.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Plan)) == 1
            assert (
                await session.scalar(
                    select(func.count())
                    .select_from(Activity)
                    .where(Activity.text.contains(WRONG_ROW))
                )
                == 0
            )
        (entry,) = await audit(running, "plan.undo_import")
        assert entry.details["before"]["title"].endswith("2018-2020 годы")
        assert entry.details["after"] is None and entry.user_id is not None

        overdue = await say(olga, "/overdue")
        assert WRONG_ROW not in overdue.plain_text and "Мониторинг" not in overdue.plain_text
        assert WRONG_ROW not in await status(olga)

        await reminders_pass(running, municipality_id, "2021-09-23 09:00")
        (reminder,) = await anna.wait_sent()
        assert "Представить приказ" in reminder.plain_text
        assert WRONG_ROW not in reminder.plain_text and "Мониторинг" not in reminder.plain_text

        # The listing now has the right plan alone; its undo is offered, but refused once a
        # school reported: the archive is offered instead.
        await submit(running, anna, "1")
        listing = await say(olga, "/plans")
        assert t("plans-header", n=1) in listing.plain_text
        refused = await press(olga, listing, t("btn-plan-undo", index=1))
        assert refused.plain_text == t(
            "plans-undo-refused",
            n=1,
            title="План мероприятий («дорожная карта») на 2021-2022 учебный год",
        )
        assert [label for label, _ in refused.buttons] == [
            t("btn-plan-archive-ok"),
            t("btn-cancel"),
        ]
        # A forged «undo» confirmation of that plan is refused with the reason.
        mark = running.api.mark()
        olga.press(
            refused,
            callback_data=PlansCb(action="undo_ok", plan_id=await plan_id(running, "2021")).pack(),
            strict=False,
        )
        answer = await callback_answer(running.api, mark)
        assert answer["show_alert"] is True and answer["text"] == t(
            "plans-undo-has-submissions", n=1
        )
        assert await plan_id(running, "2021") is not None


@pytest.mark.parametrize("lang", ["ru", "en"])
@time_machine.travel(NOW, tick=True)
async def test_an_archived_plan_is_not_reminded_nor_in_status_but_is_in_the_export(tmp_path, lang):
    async with running_bot(tmp_path) as running:
        t = running.texts.for_locale(lang)
        municipality_id = await world(running, lang)
        anna = await join(running, ANNA, "ЧСОШ № 1")
        olga = running.api.user(SUPERVISOR_ID, first_name="Ольга")
        await submit(running, anna, "1")

        listing = await say(olga, "/plans")
        ask = await press(olga, listing, t("btn-plan-archive", index=1))
        done = await press(olga, ask, t("btn-plan-archive-ok"))
        title = "План мероприятий («дорожная карта») на 2021-2022 учебный год"
        assert done.plain_text == t("plans-archive-done", title=title)
        listing = await say(olga, "/plans")
        assert t("plans-state-archived") in listing.plain_text
        assert t("btn-plan-current", index=1) in [label for label, _ in listing.buttons]
        (entry,) = await audit(running, "plan.state")
        assert (entry.details["before"], entry.details["after"]) == ("current", "archived")

        # No reminders: on 3 January row 4 (due 10 January) is owed its «7 days before»
        # reminder, but nothing of the archived plan goes out.
        mark = running.api.mark()
        await reminders_pass(running, municipality_id, "2022-01-03 09:00")
        async with running.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(ReminderLog)) == 0
        assert running.api.sent_messages(ANNA, since=mark) == []

        assert "ЧСОШ № 1" in await status(olga)
        overdue = await say(olga, "/overdue")
        assert "Представить приказ" not in overdue.plain_text
        tasks = await say(anna, "/tasks")
        assert "Анализ потребности" not in tasks.plain_text
        plan = await say(olga, "/plan")
        assert plan.plain_text == t("plan-empty")

        async with running.sessions() as session:
            data = await collect_for(session, t, municipality_id, TODAY)
        assert any(row.text.startswith("Представить приказ") for row in data.assignments)
        assert len(data.submissions) == 1

        # Made current again: it is reminded again.
        listing = await say(olga, "/plans")
        ask = await press(olga, listing, t("btn-plan-current", index=1))
        done = await press(olga, ask, t("btn-plan-current-ok"))
        assert done.plain_text == t("plans-current-done", title=title)
        mark = running.api.mark()
        await reminders_pass(running, municipality_id, "2022-01-04 09:00")
        async with running.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(ReminderLog)) == 1
        reminders = running.api.sent_messages(ANNA, since=mark)
        assert len(reminders) == 1 and "Анализ потребности" in reminders[0].plain_text


# --------------------------------------------------------------------------------------------
# 3. a new date for any row, warned about when past, and corrected


@pytest.mark.parametrize("lang", ["ru", "en"])
@time_machine.travel(NOW, tick=True)
async def test_a_past_date_is_warned_about_and_then_corrected(tmp_path, lang):
    async with running_bot(tmp_path) as running:
        t = running.texts.for_locale(lang)
        municipality_id = await world(running, lang)
        anna = await join(running, ANNA, "ЧСОШ № 1")
        olga = running.api.user(SUPERVISOR_ID, first_name="Ольга")

        plan = await say(olga, "/plan")
        labels = [label for label, _ in plan.buttons]
        # Every row, dated or not, has its date and schools buttons (the department's row 2
        # is for no school).
        for number, schools in (("1", 1), ("2", 0), ("3", 1), ("4", 1), ("5", 1)):
            assert t("btn-row-date", number=number) in labels
            assert t("btn-row-schools", number=number, count=schools) in labels

        ask = await press(olga, plan, t("btn-row-date", number="1"))
        assert ask.plain_text.startswith(
            t("plan-ask-date", number="1", phrase="До 30 сентября 2021 г")[:20]
        )
        warned = await say(olga, "30.09.2020")  # the wrong year
        assert t("plan-redate-past", n=1) in warned.plain_text
        assert warned.plain_text.startswith(
            t("plan-redate-ask", number="1", before="30.09.2021", after="30.09.2020")
        )
        async with running.sessions() as session:  # nothing changed before the button
            due = await session.scalar(
                select(DueDate).where(DueDate.activity_id == await row_id(running, "1"))
            )
            assert due.due_on == date(2021, 9, 30)
        done = await press(olga, warned, t("btn-row-date-ok", date="30.09.2020"))
        assert done.plain_text == t(
            "plan-date-changed", number="1", before="30.09.2021", after="30.09.2020"
        )
        overdue = await say(olga, "/overdue")
        assert "Представить приказ" in overdue.plain_text

        # Corrected: the new date is in the future, so no warning; nothing overdue any more.
        plan = await say(olga, "/plan")
        ask = await press(olga, plan, t("btn-row-date", number="1"))
        fixed = await say(olga, "15.10.2021")
        assert "⚠️" not in fixed.plain_text
        done = await press(olga, fixed, t("btn-row-date-ok", date="15.10.2021"))
        assert done.plain_text == t(
            "plan-date-changed", number="1", before="30.09.2020", after="15.10.2021"
        )
        overdue = await say(olga, "/overdue")
        assert "Представить приказ" not in overdue.plain_text
        changes = await audit(running, "due_date.set")
        assert [(c.details["before"], c.details["after"]) for c in changes] == [
            ("2021-09-30", "2020-09-30"),
            ("2020-09-30", "2021-10-15"),
        ]
        await reminders_pass(running, municipality_id, "2021-10-08 09:00")  # 7 days before
        (reminder,) = await anna.wait_sent()
        assert "Представить приказ" in reminder.plain_text
        assert ("15 октября" if lang == "ru" else "15") in reminder.plain_text

        # An undated row gets its date the same way («По графику»).
        plan = await say(olga, "/plan")
        await press(olga, plan, t("btn-row-date", number="3"))
        future = await say(olga, "01.03.2022")
        done = await press(olga, future, t("btn-row-date-ok", date="01.03.2022"))
        assert done.plain_text.startswith(t("plan-date-set", number="3", date="01.03.2022")[:15])


# --------------------------------------------------------------------------------------------
# 4. a row's schools


@pytest.mark.parametrize("lang", ["ru", "en"])
@time_machine.travel(NOW, tick=True)
async def test_a_school_is_taken_off_one_row_and_added_to_another(tmp_path, lang):
    async with running_bot(tmp_path) as running:
        t = running.texts.for_locale(lang)
        municipality_id = await world(running, lang)
        anna = await join(running, ANNA, "ЧСОШ № 1")
        boris = await join(running, BORIS, "КСОШИ № 4", first_name="Борис")
        olga = running.api.user(SUPERVISOR_ID, first_name="Ольга")
        await submit(running, anna, "1")  # her report on row 1 must stay in the export

        plan = await say(olga, "/plan")
        choose = await press(olga, plan, t("btn-row-schools", number="1", count=1))
        assert [label for label, _ in choose.buttons][:2] == ["▫️ КСОШИ № 4", "✅ ЧСОШ № 1"]
        choose = await press(olga, choose, "✅ ЧСОШ № 1")
        assert choose.plain_text == t("row-schools-ask", number="1", n=0, total=2)
        saved = await press(olga, choose, t("btn-row-schools-save"))
        assert saved.plain_text == "\n".join(
            [t("row-schools-saved", number="1"), t("row-schools-removed", names="ЧСОШ № 1")]
        )

        plan = await say(olga, "/plan")
        choose = await press(olga, plan, t("btn-row-schools", number="4", count=1))
        choose = await press(olga, choose, t("btn-row-preset-all"))
        assert choose.plain_text == t("row-schools-ask", number="4", n=2, total=2)
        saved = await press(olga, choose, t("btn-row-schools-save"))
        assert saved.plain_text == "\n".join(
            [t("row-schools-saved", number="4"), t("row-schools-added", names="КСОШИ № 4")]
        )
        plan = await say(olga, "/plan")
        labels = [label for label, _ in plan.buttons]
        assert t("btn-row-schools", number="1", count=0) in labels
        assert t("btn-row-schools", number="4", count=2) in labels

        tasks = await say(anna, "/tasks")
        assert "Представить приказ" not in tasks.plain_text
        tasks = await say(boris, "/tasks")
        assert "Анализ потребности" in tasks.plain_text

        changes = await audit(running, "activity.schools")
        assert [(c.details["before"], c.details["after"]) for c in changes] == [
            (["ЧСОШ № 1"], []),
            (["ЧСОШ № 1"], ["КСОШИ № 4", "ЧСОШ № 1"]),
        ]
        async with running.sessions() as session:
            data = await collect_for(session, t, municipality_id, TODAY)
            kept = [r for r in data.assignments if r.text.startswith("Представить приказ")]
            assert [r.school for r in kept] == ["ЧСОШ № 1"]
            assert len(data.submissions) == 1
            # Taken off, not deleted: a re-import of the same plan keeps her off the row.
            municipality = await session.get(Municipality, municipality_id)
            parsed = parse_plan("right.txt", RIGHT, calendar=calendar_of(municipality), today=TODAY)
            await save_plan(session, municipality, parsed, sha256="again")
            await session.commit()
        tasks = await say(anna, "/tasks")
        assert "Представить приказ" not in tasks.plain_text
        tasks = await say(boris, "/tasks")
        assert "Анализ потребности" in tasks.plain_text

        # Cancel changes nothing.
        plan = await say(olga, "/plan")
        choose = await press(olga, plan, t("btn-row-schools", number="5", count=1))
        choose = await press(olga, choose, t("btn-row-preset-shnor"))
        cancelled = await press(olga, choose, t("btn-cancel"))
        assert cancelled.plain_text == t("cancel-done")
        plan = await say(olga, "/plan")
        assert t("btn-row-schools", number="5", count=1) in [label for label, _ in plan.buttons]


# --------------------------------------------------------------------------------------------
# Refusals: forged buttons change nothing


@time_machine.travel(NOW, tick=True)
async def test_forged_buttons_of_a_coordinator_or_another_municipality_change_nothing(tmp_path):
    async with running_bot(tmp_path) as running:
        await world(running, "ru")
        anna = await join(running, ANNA, "ЧСОШ № 1")
        async with running.sessions() as session:
            other = Municipality(name="Другой округ", timezone="Asia/Chita")
            session.add(other)
            await session.flush()
            session.add(
                User(
                    platform_user_id=3001,
                    chat_id=3001,
                    full_name="Пётр",
                    role=Role.SUPERVISOR,
                    municipality_id=other.id,
                )
            )
            school = await session.scalar(select(School).where(School.name == "КСОШИ № 4"))
            await session.commit()
        petr = running.api.user(3001, first_name="Пётр")
        plan = await plan_id(running, "2021")
        row = await row_id(running, "1")
        async with running.sessions() as session:
            due = await session.scalar(select(DueDate.id).where(DueDate.activity_id == row))
        forged = [
            PlansCb(action="undo_ok", plan_id=plan),
            PlansCb(action="archive_ok", plan_id=plan),
            PlansCb(action="undo", plan_id=plan),
            RowCb(action="date_ok", item=due, value=20200930),
            RowCb(action="date", item=row),
            RowCb(action="schools", item=row),
            RowCb(action="toggle", item=row, value=school.id),
            RowCb(action="preset", item=row, value=2),
            RowCb(action="save", item=row),
        ]
        tasks = await say(anna, "/tasks")
        greeting = await say(petr, "/start")
        for person, message in ((anna, tasks), (petr, greeting)):
            for data in forged:
                mark = running.api.mark()
                person.press(message, callback_data=data.pack(), strict=False)
                answer = await callback_answer(running.api, mark)
                assert answer["show_alert"] is True, (person, data)
                assert running.api.sent_messages(person.id, since=mark) == [], (person, data)
        async with running.sessions() as session:
            assert await session.scalar(select(Plan.archived_at).where(Plan.id == plan)) is None
            assert await session.scalar(select(DueDate.due_on).where(DueDate.id == due)) == date(
                2021, 9, 30
            )
            active = await session.scalar(
                select(func.count())
                .select_from(Assignment)
                .where(Assignment.due_date_id == due, Assignment.active.is_(True))
            )
            assert active == 1
            assert (
                await session.scalar(
                    select(func.count())
                    .select_from(AuditLog)
                    .where(
                        AuditLog.action.in_(
                            ["plan.state", "plan.undo_import", "due_date.set", "activity.schools"]
                        )
                    )
                )
                == 0
            )


MULTI = "\n".join(
    [
        "План мероприятий («дорожная карта») на 2021-2023 годы",
        "",
        "№ п/п\tМероприятие\tОтветственные исполнители\tСроки исполнения\tРезультат",
        "7.\tМониторинг результатов обучения\tШНОР\tЕжегодно, до 1 декабря\tСправка",
    ]
).encode()


@pytest.mark.parametrize("lang", ["ru", "en"])
@time_machine.travel(NOW, tick=True)
async def test_a_row_with_several_dates_asks_which_one(tmp_path, lang):
    async with running_bot(tmp_path) as running:
        t = running.texts.for_locale(lang)
        await world(running, lang)
        async with running.sessions() as session:
            municipality = await session.scalar(select(Municipality))
            parsed = parse_plan("m.txt", MULTI, calendar=calendar_of(municipality), today=TODAY)
            await save_plan(session, municipality, parsed, sha256="multi")
            await session.commit()
        olga = running.api.user(SUPERVISOR_ID, first_name="Ольга")
        plan = await say(olga, "/plan")
        which = await press(olga, plan, t("btn-row-date", number="7"))
        assert which.plain_text == t("plan-which-date", number="7")
        assert [label for label, _ in which.buttons] == ["01.12.2021", "01.12.2022", "01.12.2023"]
        await press(olga, which, "01.12.2022")
        ask = await say(olga, "01.02.2023")
        assert ask.plain_text == t(
            "plan-redate-ask", number="7", before="01.12.2022", after="01.02.2023"
        )
        done = await press(olga, ask, t("btn-row-date-ok", date="01.02.2023"))
        assert done.plain_text == t(
            "plan-date-changed", number="7", before="01.12.2022", after="01.02.2023"
        )
        async with running.sessions() as session:
            days = (
                await session.scalars(
                    select(DueDate.due_on)
                    .join(Activity, Activity.id == DueDate.activity_id)
                    .where(Activity.number == "7")
                    .order_by(DueDate.seq)
                )
            ).all()
        assert days == [date(2021, 12, 1), date(2023, 2, 1), date(2023, 12, 1)]
