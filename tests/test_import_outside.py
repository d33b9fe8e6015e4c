"""Issue 11, item 13 and the school quarters: a plan's repeats start at its approval; an explicit
date outside the plan is listed for attention, never reminded of and never overdue (on SQLite
and PostgreSQL); the quarter ends are the municipality's setting, changed from the CLI."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models import DueDate
from models.base import AssignmentStatus, SchoolKind
from scheduler.reminders.planning import owed_reminders, rules_of
from services.plan_import import use_cases
from services.plan_import.model import Attention
from services.plan_import.parser import parse_plan
from services.plans import get_or_create_municipality
from services.progress import municipality_counts
from services.schools import add_school
from services.tasks import TaskState, school_tasks
from tests.test_cli import clean_env, db_rows, run  # noqa: F401  (clean_env: autouse fixture)

PLAN = "\n".join(
    [
        "Приказ управления образования от 31.08.2021 № 5",
        "План мероприятий по поддержке школ на 2021-2024 годы",
        "№\tМероприятие\tОтветственные\tСроки\tРезультат",
        "1.\tАнализ результатов\tОтдел образования, ОО\t2 раза в год\tСправка",
        "2.\tСтарое мероприятие\tОО\t4 квартал 2006 г.\tОтчёт",
        "3.\tСовещание\tОО\tдекабрь 2021\tПротокол",
        "4.\tОтчёт по четвертям\tОО\tпо итогам четверти\tОтчёт",
    ]
).encode()


def test_repeats_start_at_the_approval_and_a_date_outside_is_listed():
    parsed = parse_plan("plan.txt", PLAN, today=date(2021, 9, 1))
    assert parsed.period.start == date(2021, 8, 31)
    twice, old, december, quarters = parsed.activities
    assert twice.deadline.dates[0] == date(2022, 1, 15), "no 15.01.2021 before the approval"
    assert Attention.OUTSIDE_PERIOD in old.attention
    assert [d.outside for d in old.deadline.dues] == [True]
    assert not december.attention and not any(d.outside for d in december.deadline.dues)
    assert quarters.deadline.dates[:2] == [date(2021, 10, 31), date(2021, 12, 31)]


async def test_a_date_outside_the_plan_gets_no_reminders_and_is_never_overdue(sessions):
    today = date(2022, 1, 20)
    async with sessions() as session:
        municipality = await get_or_create_municipality(session, "Кизел", "Asia/Yekaterinburg", "—")
        school = await add_school(session, municipality.id, "СОШ № 1", SchoolKind.SHNOR)
        preview = await use_cases.preview_import(session, municipality, "p.txt", PLAN, today=today)
        await use_cases.apply_import(session, municipality, preview.parsed, sha256=preview.sha256)
        await session.commit()

        every = await school_tasks(session, school.id, today)
        tasks = {t.number: t for t in every if t.number in ("2", "3")}
        assert tasks["2"].due_on == date(2006, 12, 31)
        assert tasks["2"].state is TaskState.OPEN and tasks["3"].state is TaskState.OVERDUE
        owed = await owed_reminders(session, municipality.id, today, rules_of(municipality))
        assert tasks["2"].assignment_id not in {o.assignment_id for o in owed}
        assert tasks["3"].assignment_id in {o.assignment_id for o in owed}
        counts = (await municipality_counts(session, municipality.id, today)).schools[0]
        overdue = [t for t in every if t.state is TaskState.OVERDUE]
        assert counts.overdue == len(overdue) and all(t.number != "2" for t in overdue)
        flagged = await session.scalar(
            select(DueDate.outside_plan).where(DueDate.due_on == date(2006, 12, 31))
        )
        assert flagged is True
        assert all(t.status is AssignmentStatus.OPEN for t in every)


def test_the_quarter_ends_are_a_municipality_setting(capsys, tmp_path):
    (tmp_path / "plan.txt").write_bytes(PLAN)
    assert (
        run(capsys, "import", str(tmp_path / "plan.txt"), "--municipality", "Кизел", "--yes")[0]
        == 0
    )
    code, out, _ = run(capsys, "municipality")
    assert code == 0 and "10-31, 12-31, 03-31, 05-31" in out
    code, out, _ = run(capsys, "municipality", "--quarters", "11-03,12-29,03-24,05-27")
    assert code == 0 and "11-03, 12-29, 03-24, 05-27" in out
    dates = db_rows(
        tmp_path,
        "select d.due_on from due_date d join activity a on a.id = d.activity_id "
        "where a.number = '4' order by d.seq",
    )
    assert [d for (d,) in dates][:4] == ["2021-11-03", "2021-12-29", "2022-03-24", "2022-05-27"]
    code, _out, _err = run(capsys, "municipality", "--quarters", "10-31,12-31")
    assert code == 2
