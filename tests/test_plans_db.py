"""Saving plans in a real database (SQLite, and PostgreSQL when reachable) with Alembic."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import (
    Activity,
    ActivityKind,
    Assignment,
    AssignmentStatus,
    AuditLog,
    Base,
    DueDate,
    DueKind,
    Municipality,
    Plan,
    School,
    SchoolKind,
    Section,
    Submission,
    SubmissionState,
)
from models.db import create_engine, make_sessionmaker
from models.migrate import alembic_config, downgrade, upgrade
from services.plan_import.parser import parse_plan
from services.plans import calendar_of, get_or_create_municipality, plan_changes, save_plan
from services.schools import add_school
from tests.conftest import SEEDS, seed_bytes

TODAY = date(2021, 9, 1)


async def count(session: AsyncSession, model: type) -> int:
    return await session.scalar(select(func.count()).select_from(model))


async def import_plan(
    sessions: async_sessionmaker[AsyncSession],
    data: bytes,
    filename: str = "plan.txt",
    *,
    schools: dict[str, SchoolKind] | None = None,
):
    async with sessions() as session:
        municipality = await get_or_create_municipality(
            session, "Тестовый округ", "Asia/Chita", "—"
        )
        for name, kind in (schools or {}).items():
            await add_school(session, municipality.id, name, kind)
        parsed = parse_plan(filename, data, calendar=calendar_of(municipality), today=TODAY)
        changes = await plan_changes(session, municipality, parsed)
        result = await save_plan(
            session, municipality, parsed, sha256=hashlib.sha256(data).hexdigest()
        )
        await session.commit()
        return parsed, changes, result


TWO_SCHOOLS = {"ЧСОШ № 1": SchoolKind.SHNOR, "КСОШИ № 4": SchoolKind.SHNSU}


# Every plan also gets the half-year analytical report for every school (15 January and
# 10 June in each year of the plan): 6 dates for the three plans «до 2024 года» (from the
# second half of 2021), 2 for the 2021/2022 school year. Counts below are plan rows + 1.
@pytest.mark.parametrize(
    ("seed", "activities", "sections", "due_dates", "assignments"),
    [
        # 000: six ШНОР rows: 1+1+4+4+4+4 due dates, for the one ШНОР school; + 6×2 reports.
        ("000", 6 + 1, 3, 18 + 6, 18 + 12),
        # 001: 1+1+1+1+4+4+4+1+4+4+4+1+3+4+4 due dates; rows 1.2, 1.4, 3.3, 3.4 (10 dates)
        # are the department's, the other 31 go to both schools (ОО).
        ("001", 15 + 1, 3, 41 + 6, 2 * 31 + 12),
        # 002: 1+4*7 due dates; row 3.1 (4 dates) is the department's.
        ("002", 8 + 1, 3, 29 + 6, 2 * 25 + 12),
        # 003: 13 school rows, 14 due dates (the «2 раза в год» row has two), both schools.
        ("003", 20 + 1, 0, 21 + 2, 28 + 4),
    ],
)
async def test_seed_saved(sessions, seed, activities, sections, due_dates, assignments):
    parsed, changes, result = await import_plan(
        sessions, seed_bytes(seed), SEEDS[seed].name, schools=TWO_SCHOOLS
    )
    assert result.created and not changes.is_update
    async with sessions() as session:
        assert await count(session, Plan) == 1
        assert await count(session, Activity) == activities
        assert await count(session, Section) == sections
        assert await count(session, DueDate) == due_dates
        assert await count(session, Assignment) == assignments
        assert result.assignments_created == assignments
        plan = await session.scalar(select(Plan))
        assert (plan.period_start, plan.period_end) == (parsed.period.start, parsed.period.end)
        needing = await session.scalar(
            select(func.count()).select_from(DueDate).where(DueDate.kind == DueKind.NEEDS_DATE)
        )
        assert needing == sum(1 for a in parsed.activities if a.deadline.needs_date)
        actions = (await session.scalars(select(AuditLog.action).order_by(AuditLog.id))).all()
        assert actions == ["school.added", "school.added", "plan.imported"]


async def test_shnor_rows_only_for_shnor_schools(sessions):
    await import_plan(sessions, seed_bytes("000"), "000.txt", schools=TWO_SCHOOLS)
    async with sessions() as session:
        kinds = set(
            (
                await session.scalars(
                    select(School.kind)
                    .join(Assignment, Assignment.school_id == School.id)
                    .join(DueDate, DueDate.id == Assignment.due_date_id)
                    .join(Activity, Activity.id == DueDate.activity_id)
                    .where(Activity.kind == ActivityKind.PLAN)
                )
            ).all()
        )
        assert kinds == {SchoolKind.SHNOR}  # the half-year report goes to every school


async def test_school_added_later_gets_its_rows(sessions):
    await import_plan(sessions, seed_bytes("003"), "003.txt")
    async with sessions() as session:
        assert await count(session, Assignment) == 0
        municipality = await session.scalar(select(Municipality))
        await add_school(session, municipality.id, "Новая школа № 7", SchoolKind.OTHER)
        await session.commit()
        # Only rows for all schools (13 «Школьные МО», 14 and 15 «ОО») and the two half-year
        # reports go to a school that is neither ШНОР nor ШНСУ.
        assert await count(session, Assignment) == 3 + 2
        await add_school(session, municipality.id, "Школа № 9", SchoolKind.BOTH)
        await session.commit()
        assert await count(session, Assignment) == 5 + 16


def corrected_003(
    *, drop_rows: frozenset[str] = frozenset(), edits: dict[str, tuple[str, str]] | None = None
):
    """Seed 003 as a department would correct it: rows deleted, a cell fixed."""
    edits = edits or {}
    lines = seed_bytes("003").decode("utf-8").split("\n")
    out = []
    skipping = False
    for line in lines:
        match = re.match(r"^(\d+)\.\t", line)
        if match:
            skipping = match.group(1) in drop_rows
        elif line.strip() and "\t" not in line:
            skipping = False
        if skipping:
            continue
        for number, (old, new) in edits.items():
            if line.startswith(f"{number}.\t"):
                assert old in line
                line = line.replace(old, new)
        out.append(line)
    return "\n".join(out).encode("utf-8")


async def submit(session: AsyncSession, activity_text_start: str, state=SubmissionState.SUBMITTED):
    assignment = await session.scalar(
        select(Assignment)
        .join(DueDate, DueDate.id == Assignment.due_date_id)
        .join(Activity, Activity.id == DueDate.activity_id)
        .where(Activity.text.startswith(activity_text_start))
        .order_by(Assignment.id)
        .limit(1)
    )
    assignment.status = AssignmentStatus.SUBMITTED
    submission = Submission(
        assignment_id=assignment.id, school_id=assignment.school_id, state=state, comment="протокол"
    )
    session.add(submission)
    await session.flush()
    return assignment.id, submission.id


async def test_corrected_file_updates_in_place_and_keeps_submissions(sessions):
    await import_plan(sessions, seed_bytes("003"), "003.txt", schools=TWO_SCHOOLS)
    async with sessions() as session:
        plan_id = await session.scalar(select(Plan.id))
        kept_assignment, kept_submission = await submit(session, "Определение в каждой ШНОР")
        fixed_assignment, _ = await submit(session, "Формирование социального паспорта")
        await session.commit()

    # Row 3 (with a submission) and row 4 (without) are removed; row 5's deadline is corrected.
    data = corrected_003(
        drop_rows={"3", "4"},
        edits={"5": ("Сентябрь - ноябрь 2021 г.", "Октябрь - декабрь 2021 г.")},
    )
    parsed, changes, result = await import_plan(sessions, data, "003-исправленный.txt")
    assert not result.created and changes.is_update
    assert changes.removed == ["4"]
    assert changes.kept_with_submissions == ["3"]
    assert changes.submissions_kept == 2
    assert "5" in changes.changed
    assert len(parsed.activities) == 18

    async with sessions() as session:
        assert await session.scalar(select(Plan.id)) == plan_id
        assert await count(session, Plan) == 1
        assert await count(session, Submission) == 2
        # The removed row with a submission stays, marked removed, with its submission.
        submission = await session.get(Submission, kept_submission)
        assert submission.assignment_id == kept_assignment
        activity = await session.scalar(
            select(Activity)
            .join(DueDate, DueDate.activity_id == Activity.id)
            .join(Assignment, Assignment.due_date_id == DueDate.id)
            .where(Assignment.id == kept_assignment)
        )
        assert activity.removed_at is not None and activity.number == "3"
        # Row 4 had nothing submitted: it is gone.
        texts = (await session.scalars(select(Activity.text))).all()
        assert not any(t.startswith("Сбор дополнительных сведений") for t in texts)
        # Row 5 keeps its assignment (and so its submission) with the corrected date.
        due = await session.scalar(
            select(DueDate)
            .join(Assignment, Assignment.due_date_id == DueDate.id)
            .where(Assignment.id == fixed_assignment)
        )
        assert (due.starts_on, due.due_on) == (date(2021, 10, 1), date(2021, 12, 31))
        assert (
            await session.scalar(select(AuditLog.action).order_by(AuditLog.id.desc()).limit(1))
            == "plan.updated"
        )


async def test_renumbered_rows_keep_their_submissions(sessions):
    await import_plan(sessions, seed_bytes("003"), "003.txt", schools=TWO_SCHOOLS)
    async with sessions() as session:
        assignment_id, _ = await submit(session, "Мониторинг статистических данных")  # row 11
        await session.commit()
    lines = corrected_003(drop_rows={"1"}).decode("utf-8").split("\n")
    renumbered = []
    for line in lines:
        match = re.match(r"^(\d+)\.\t", line)
        if match:
            line = f"{int(match.group(1)) - 1}.\t" + line[match.end() :]
        renumbered.append(line)
    await import_plan(sessions, "\n".join(renumbered).encode(), "003.txt")
    async with sessions() as session:
        activity = await session.scalar(
            select(Activity)
            .join(DueDate, DueDate.activity_id == Activity.id)
            .join(Assignment, Assignment.due_date_id == DueDate.id)
            .where(Assignment.id == assignment_id)
        )
        assert activity.number == "10"
        assert activity.text.startswith("Мониторинг статистических данных")
        assert activity.removed_at is None


async def test_supervisor_date_survives_reimport_of_the_same_phrase(sessions):
    await import_plan(sessions, seed_bytes("003"), "003.txt", schools=TWO_SCHOOLS)
    async with sessions() as session:
        due = await session.scalar(
            select(DueDate)
            .join(Activity, Activity.id == DueDate.activity_id)
            .where(Activity.number == "17")
        )
        due.kind, due.due_on, due.set_manually = DueKind.DATE, date(2022, 3, 15), True
        await session.commit()
    await import_plan(sessions, seed_bytes("003"), "003.txt")
    async with sessions() as session:
        due = await session.scalar(
            select(DueDate)
            .join(Activity, Activity.id == DueDate.activity_id)
            .where(Activity.number == "17")
        )
        assert (due.kind, due.due_on) == (DueKind.DATE, date(2022, 3, 15))


async def test_import_is_one_transaction(sessions, monkeypatch):
    import services.plans.saving as saving

    async def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(saving, "sync_assignments", broken)
    with pytest.raises(RuntimeError):
        await import_plan(sessions, seed_bytes("003"), "003.txt", schools=TWO_SCHOOLS)
    async with sessions() as session:
        assert await count(session, Plan) == 0
        assert await count(session, Activity) == 0
        assert await count(session, School) == 0


async def test_same_file_twice_changes_nothing(sessions):
    await import_plan(sessions, seed_bytes("001"), "001.txt", schools=TWO_SCHOOLS)
    _parsed, changes, result = await import_plan(sessions, seed_bytes("001"), "001.txt")
    assert changes.is_update
    assert (changes.added, changes.changed, changes.removed) == ([], [], [])
    assert result.assignments_created == 0


async def test_sqlite_writers_queue_instead_of_failing(tmp_path):
    """Many concurrent read-then-write transactions: BEGIN IMMEDIATE makes them wait in turn."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'busy.db'}"
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        municipality = Municipality(name="М", timezone="Europe/Moscow")
        session.add(municipality)
        await session.commit()
        municipality_id = municipality.id

    async def writer(index: int) -> None:
        async with sessions() as session:
            existing = await session.scalar(select(func.count()).select_from(School))
            await asyncio.sleep(0)  # let the others start their transactions meanwhile
            session.add(
                School(
                    municipality_id=municipality_id,
                    name=f"Школа {index} ({existing})",
                    name_key=f"школа {index}",
                    kind=SchoolKind.OTHER,
                )
            )
            await session.commit()

    await asyncio.gather(*(writer(i) for i in range(30)))
    async with sessions() as session:
        assert await count(session, School) == 30
        mode = (await session.execute(select(func.sqlite_version()))).scalar()
        assert mode
        journal = (await session.connection()).exec_driver_sql("PRAGMA journal_mode")
        assert (await journal).scalar() == "wal"
    await engine.dispose()


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def test_migrations_stairway(db_url):
    """Every migration goes down and up again cleanly (the database starts at head)."""
    revisions = _revisions()
    for revision in reversed(revisions):
        index = revisions.index(revision)
        previous = revisions[index - 1] if index else "base"
        await asyncio.to_thread(downgrade, db_url, previous)
        await asyncio.to_thread(upgrade, db_url, revision)
        await asyncio.to_thread(downgrade, db_url, previous)
    await asyncio.to_thread(upgrade, db_url, "head")


async def test_models_match_migrations(engine):
    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []
