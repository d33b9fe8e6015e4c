"""Issue 13 use cases on SQLite and PostgreSQL: undoing an import deletes everything of the plan
(the database cascades), archiving takes a plan out of every list of live work at once, a row's
schools change without losing a report, re-dating counts who becomes overdue; another
municipality's ids are refused and change nothing."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import func, select

from models import (
    Activity,
    Assignment,
    AssignmentStatus,
    AuditLog,
    DueDate,
    MessageLink,
    Municipality,
    Plan,
    ReminderLog,
    SchoolKind,
    Submission,
    SubmissionState,
)
from scheduler.reminders.planning import owed_reminders
from services.errors import DomainError
from services.export import collect_for
from services.i18n import Texts
from services.plan_import.parser import parse_plan
from services.plans import calendar_of, get_or_create_municipality, save_plan, sync_assignments
from services.plans.redating import preview_redate, redate
from services.plans.row_schools import row_schools, set_row_schools
from services.plans.state import ARCHIVED, CURRENT, list_plans, set_plan_state, undo_import
from services.progress import municipality_counts
from services.reminders import ReminderRules
from services.schools import add_school
from services.tasks import tasks_for_schools
from tests.test_plans_supervisor import RIGHT, WRONG

TODAY = date(2021, 9, 20)
T = Texts().for_locale("ru")


async def setup(session):  # type: ignore[no-untyped-def]
    municipality = await get_or_create_municipality(session, "Каларский МО", "Asia/Chita", "—")
    shnor = await add_school(session, municipality.id, "ЧСОШ № 1", SchoolKind.SHNOR)
    shnsu = await add_school(session, municipality.id, "КСОШИ № 4", SchoolKind.SHNSU)
    for name, data in (("right.txt", RIGHT), ("wrong.txt", WRONG)):
        parsed = parse_plan(name, data, calendar=calendar_of(municipality), today=TODAY)
        await save_plan(session, municipality, parsed, sha256=hashlib.sha256(data).hexdigest())
    other = Municipality(name="Другой", timezone="Asia/Chita")
    session.add(other)
    await session.flush()
    plans = {
        ("wrong" if "2018" in p.title else "right"): p.id
        for p in (await session.scalars(select(Plan))).all()
    }
    return municipality, shnor.id, shnsu.id, other.id, plans


async def n(session, model, *where) -> int:  # type: ignore[no-untyped-def]
    return await session.scalar(select(func.count()).select_from(model).where(*where))


async def of_plan(session, plan_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    return list(
        (
            await session.scalars(
                select(Assignment.id)
                .join(DueDate, DueDate.id == Assignment.due_date_id)
                .join(Activity, Activity.id == DueDate.activity_id)
                .where(Activity.plan_id == plan_id)
            )
        ).all()
    )


async def test_undo_deletes_the_plan_with_its_assignments_and_their_logs(sessions):
    async with sessions() as session:
        municipality, _, _, other, plans = await setup(session)
        wrong = plans["wrong"]
        doomed = await of_plan(session, wrong)
        assert len(doomed) > 3
        session.add(ReminderLog(assignment_id=doomed[0], kind="overdue:1", for_date=TODAY))
        session.add(MessageLink(chat_id=1, message_id=1, assignment_id=doomed[0]))
        await session.flush()

        with pytest.raises(DomainError) as refused:
            await undo_import(session, other, wrong, actor_id=None)
        assert refused.value.key == "plans-not-found"
        summary = await undo_import(session, municipality.id, wrong, actor_id=None)
        assert (summary.activities, summary.assignments) == (2, len(doomed))
        await session.commit()
    async with sessions() as session:
        assert await n(session, Plan) == 1
        assert await n(session, Assignment, Assignment.id.in_(doomed)) == 0
        assert await n(session, ReminderLog) == 0 and await n(session, MessageLink) == 0
        assert [p.state for p in await list_plans(session, municipality.id)] == [CURRENT]


async def test_undo_is_refused_once_a_school_reported(sessions):
    async with sessions() as session:
        municipality, shnor, _, _, plans = await setup(session)
        right = plans["right"]
        session.add(
            Submission(
                assignment_id=(await of_plan(session, right))[0],
                school_id=shnor,
                state=SubmissionState.SUBMITTED,
            )
        )
        await session.flush()
        with pytest.raises(DomainError) as refused:
            await undo_import(session, municipality.id, right, actor_id=None)
        assert (refused.value.key, refused.value.params) == ("plans-undo-has-submissions", {"n": 1})
        assert await n(session, Plan, Plan.id == right) == 1


async def test_an_archived_plan_leaves_every_list_of_live_work_but_not_the_export(sessions):
    async with sessions() as session:
        municipality, shnor, shnsu, other, plans = await setup(session)
        wrong = plans["wrong"]
        wrong_assignments = set(await of_plan(session, wrong))
        rules, day = ReminderRules(), date(2021, 9, 23)

        async def live() -> tuple[set[int], set[int], int]:
            owed = {
                o.assignment_id for o in await owed_reminders(session, municipality.id, day, rules)
            }
            tasks = await tasks_for_schools(session, [shnor, shnsu], day)
            listed = {t.assignment_id for items in tasks.values() for t in items}
            counts = await municipality_counts(session, municipality.id, day)
            return owed, listed, sum(s.assigned for s in counts.schools)

        owed, listed, assigned = await live()
        assert wrong_assignments <= owed and wrong_assignments <= listed
        with pytest.raises(DomainError):
            await set_plan_state(session, other, wrong, ARCHIVED, actor_id=None)
        await set_plan_state(session, municipality.id, wrong, ARCHIVED, actor_id=None)
        owed2, listed2, assigned2 = await live()
        assert owed2 == owed - wrong_assignments and listed2 == listed - wrong_assignments
        assert assigned2 == assigned - len(wrong_assignments)
        data = await collect_for(session, T, municipality.id, day)
        assert wrong_assignments <= {row.assignment_id for row in data.assignments}
        # Assignments are kept in step as before: nothing of the archived plan is deleted.
        await sync_assignments(session, municipality.id)
        assert set(await of_plan(session, wrong)) == wrong_assignments

        with pytest.raises(DomainError) as same:
            await set_plan_state(session, municipality.id, wrong, ARCHIVED, actor_id=None)
        assert same.value.key == "plans-state-same"
        await set_plan_state(session, municipality.id, wrong, CURRENT, actor_id=None)
        assert (await live())[0] == owed
        logged = (
            await session.scalars(select(AuditLog).where(AuditLog.action == "plan.state"))
        ).all()
        assert [(a.details["before"], a.details["after"]) for a in logged] == [
            ("current", "archived"),
            ("archived", "current"),
        ]


async def test_a_rows_schools_change_and_a_report_is_never_lost(sessions):
    async with sessions() as session:
        municipality, shnor, shnsu, other, _ = await setup(session)
        row = await session.scalar(select(Activity).where(Activity.text.startswith("Представить")))
        current = await row_schools(session, municipality.id, row.id)
        assert current.chosen == {shnor}
        assert current.preset("shnsu") == {shnsu} and current.preset("all") == {shnor, shnsu}
        assignment = await session.scalar(
            select(Assignment).join(DueDate).where(DueDate.activity_id == row.id)
        )
        session.add(
            Submission(assignment_id=assignment.id, school_id=shnor, state=SubmissionState.ACCEPTED)
        )
        assignment.status = AssignmentStatus.ACCEPTED

        with pytest.raises(DomainError):
            await set_row_schools(session, other, row.id, set(), actor_id=None)
        change = await set_row_schools(
            session, municipality.id, row.id, {shnsu, 999}, actor_id=None
        )
        assert (change.added, change.removed) == (["КСОШИ № 4"], ["ЧСОШ № 1"])
        await session.refresh(assignment)
        assert (assignment.active, assignment.manual) == (False, True)
        await sync_assignments(session, municipality.id)  # a re-import keeps the choice
        assert (await row_schools(session, municipality.id, row.id)).chosen == {shnsu}
        data = await collect_for(session, T, municipality.id, TODAY)
        assert assignment.id in {r.assignment_id for r in data.assignments}
        assert len(data.submissions) == 1

        back = await set_row_schools(
            session, municipality.id, row.id, {shnor, shnsu}, actor_id=None
        )
        assert (back.added, back.removed) == (["ЧСОШ № 1"], [])
        await session.refresh(assignment)
        assert assignment.active and assignment.status is AssignmentStatus.ACCEPTED
        same = await set_row_schools(
            session, municipality.id, row.id, {shnor, shnsu}, actor_id=None
        )
        assert not same.changed
        assert await n(session, AuditLog, AuditLog.action == "activity.schools") == 2


async def test_redating_counts_the_schools_that_become_overdue(sessions):
    async with sessions() as session:
        municipality, _, _, other, plans = await setup(session)
        row = await session.scalar(
            select(Activity).where(Activity.text.startswith("Разработка программы"))
        )
        due = await session.scalar(select(DueDate).where(DueDate.activity_id == row.id))
        past = await preview_redate(session, municipality.id, due.id, date(2021, 9, 1), TODAY)
        assert (past.past, past.overdue_now, past.before) == (True, 2, date(2019, 3, 1))
        future = await preview_redate(session, municipality.id, due.id, date(2021, 12, 1), TODAY)
        assert (future.past, future.overdue_now, future.warns) == (False, 0, False)
        with pytest.raises(DomainError):
            await redate(session, other, due.id, date(2021, 12, 1), TODAY, actor_id=None)
        # An archived plan's rows are not re-dated.
        await set_plan_state(session, municipality.id, plans["wrong"], ARCHIVED, actor_id=None)
        with pytest.raises(DomainError) as archived:
            await redate(session, municipality.id, due.id, date(2021, 12, 1), TODAY, actor_id=None)
        assert archived.value.key == "plan-row-not-found"
        await session.refresh(due)
        assert due.due_on == date(2019, 3, 1)
