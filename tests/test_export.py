"""The Excel report and the evidence archive, checked cell by cell."""

from __future__ import annotations

import hashlib
import io
import warnings
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
import time_machine
from sqlalchemy import select

from models import (
    Activity,
    Assignment,
    AssignmentStatus,
    DueDate,
    EvidenceFile,
    EvidenceKind,
    Role,
    SchoolKind,
    Submission,
    SubmissionState,
    User,
)
from services.archive import build_archive
from services.charts import progress_png
from services.evidence import EvidenceStore
from services.export import ExportOptions, archive_entries, collect_for, write_workbook
from services.i18n import Texts
from services.plan_import.parser import parse_plan
from services.plans import calendar_of, get_or_create_municipality, save_plan
from services.progress import municipality_progress
from services.schools import add_school
from tests.conftest import SEEDS, seed_bytes

TODAY = date(2021, 10, 5)
EVIL_SCHOOL = '=HYPERLINK("http://evil.example","Открыть")'
EVIL_PERSON = "=cmd|' /C calc'!A0"
t = Texts().for_locale("ru")


def local(day: str) -> datetime:
    """A moment in Chita (UTC+9) as stored: UTC."""
    moment = datetime.fromisoformat(day)
    return moment.replace(tzinfo=UTC) - (datetime(2000, 1, 1, 9) - datetime(2000, 1, 1))


async def assignment_of(session, school_id: int, number: str) -> Assignment:
    return await session.scalar(
        select(Assignment)
        .join(DueDate, DueDate.id == Assignment.due_date_id)
        .join(Activity, Activity.id == DueDate.activity_id)
        .where(Assignment.school_id == school_id, Activity.number == number)
    )


async def add_submission(
    session, store: EvidenceStore, school_id, user, number, state, sent, files, **extra
):
    assignment = await assignment_of(session, school_id, number)
    submission = Submission(
        assignment_id=assignment.id,
        school_id=school_id,
        user_id=user.id,
        state=state,
        submitted_at=sent,
        comment=extra.get("comment", ""),
        review_comment=extra.get("review_comment"),
        reviewed_at=extra.get("reviewed_at"),
    )
    session.add(submission)
    await session.flush()
    for name, kind, content in files:
        evidence = EvidenceFile(
            submission_id=submission.id,
            kind=kind,
            file_id=f"file-{name}",
            file_unique_id=f"u-{submission.id}-{name}",
            file_name=name if kind is EvidenceKind.DOCUMENT else None,
            mime_type="application/pdf" if kind is EvidenceKind.DOCUMENT else "image/jpeg",
            size=len(content) if content else None,
        )
        session.add(evidence)
        await session.flush()
        if content is not None:
            relative = store.relative_path(evidence, school_id)
            target = store.absolute(relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            evidence.stored_path, evidence.sha256 = relative, hashlib.sha256(content).hexdigest()
            evidence.downloaded_at = sent
        else:  # the download queue gave it up after its retries
            evidence.failed_at = sent
    status = {
        SubmissionState.ACCEPTED: AssignmentStatus.ACCEPTED,
        SubmissionState.RETURNED: AssignmentStatus.RETURNED,
        SubmissionState.SUBMITTED: AssignmentStatus.SUBMITTED,
    }[state]
    assignment.status = status
    await session.flush()
    return submission


@pytest.fixture
async def municipality(sessions, tmp_path):
    store = EvidenceStore(tmp_path / "evidence")
    async with sessions() as session:
        m = await get_or_create_municipality(
            session, "Каларский муниципальный округ", "Asia/Chita", "—"
        )
        good = await add_school(session, m.id, "ЧСОШ № 1", SchoolKind.SHNOR)
        evil = await add_school(session, m.id, EVIL_SCHOOL, SchoolKind.SHNSU)
        data = seed_bytes("003")
        parsed = parse_plan(SEEDS["003"].name, data, calendar=calendar_of(m), today=TODAY)
        await save_plan(session, m, parsed, sha256=hashlib.sha256(data).hexdigest())
        anna = User(
            platform_user_id=1,
            chat_id=1,
            full_name="Анна Петрова",
            username="anna_p",
            role=Role.COORDINATOR,
            municipality_id=m.id,
            school_id=good.id,
        )
        villain = User(
            platform_user_id=2,
            chat_id=2,
            full_name=EVIL_PERSON,
            role=Role.COORDINATOR,
            municipality_id=m.id,
            school_id=evil.id,
        )
        session.add_all([anna, villain])
        await session.flush()
        await add_submission(
            session,
            store,
            good.id,
            anna,
            "3",
            SubmissionState.ACCEPTED,
            local("2021-09-28 10:00"),
            [
                ("photo", EvidenceKind.PHOTO, b"\x89PNG-photo"),
                ("протокол педсовета.pdf", EvidenceKind.DOCUMENT, b"%PDF-1"),
            ],
            comment="Приказ и протокол",
            reviewed_at=local("2021-09-29 15:30"),
        )
        await add_submission(
            session,
            store,
            good.id,
            anna,
            "11",
            SubmissionState.RETURNED,
            local("2021-10-02 09:00"),
            [("справка.pdf", EvidenceKind.DOCUMENT, b"%PDF-2")],
            review_comment="=SUM(1;2) нет подписи",
            reviewed_at=local("2021-10-03 11:00"),
        )
        await add_submission(
            session,
            store,
            evil.id,
            villain,
            "4",
            SubmissionState.SUBMITTED,
            local("2021-10-01 12:00"),
            [("lost.pdf", EvidenceKind.DOCUMENT, None)],
            comment="+7 999 000-00-00",
        )
        await session.commit()
        return m.id, good.id, evil.id, store


async def export(sessions, municipality_id, tmp_path, options=None):
    async with sessions() as session:
        data = await collect_for(session, t, municipality_id, TODAY, options)
    path = write_workbook(data, t, tmp_path / "report.xlsx")
    return data, openpyxl.load_workbook(path)


def rows(sheet) -> list[list]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


async def test_workbook_cell_by_cell(sessions, municipality, tmp_path):
    municipality_id, _good, _evil, _store = municipality
    _data, book = await export(sessions, municipality_id, tmp_path)
    assert book.sheetnames == ["Сводка", "План", "Исполнение", "Отчёты", "Просрочено"]

    summary = book["Сводка"]
    assert rows(summary)[0] == [
        "Школа",
        "Вид",
        "Координатор",
        "Назначено",
        "На проверке",
        "Принято",
        "Возвращено",
        "Просрочено",
        "% выполнения",
    ]
    by_name = {r[0]: r for r in rows(summary)[1:]}
    # Seed 003 gives each school 14 rows + 2 half-year reports. On 05.10.2021 the school rows
    # already due are 3, 4, 11 (30.09) and 6 (01.10).
    chsosh = by_name["ЧСОШ № 1"]
    assert chsosh[1:4] == ["ШНОР", "Анна Петрова (@anna_p)", 16]
    assert chsosh[4:8] == [0, 1, 1, 3]  # accepted row 3; row 11 returned and late; 4 and 6 late
    assert chsosh[8] == pytest.approx(1 / 16, abs=1e-4)
    assert summary.cell(row=2, column=9).number_format == "0%"
    evil_row = by_name[EVIL_SCHOOL]
    assert evil_row[1:3] == ["ШНСУ", EVIL_PERSON]
    assert evil_row[3:8] == [16, 1, 0, 0, 3]  # row 4 under review; 3, 6, 11 late
    total = rows(summary)[-1]
    assert total[0] == "Итого" and total[3:8] == [32, 1, 1, 1, 6]
    # Text typed by people is text, never a formula.
    evil_cells = [
        c for row in summary.iter_rows() for c in row if c.value in (EVIL_SCHOOL, EVIL_PERSON)
    ]
    assert len(evil_cells) == 2
    for cell in evil_cells:
        assert cell.data_type == "s"
    assert summary.freeze_panes == "A2" and summary.auto_filter.ref == "A1:I4"
    assert len(summary._charts) == 1

    plan = rows(book["План"])
    assert plan[0][:6] == [
        "№",
        "Раздел",
        "Мероприятие",
        "Ответственные исполнители",
        "Срок в плане",
        "Срок",
    ]
    assert len(plan) - 1 == 21 + 2  # 20 rows (one with two dates) + the two half-year reports
    feb = next(r for r in plan if r[0] == "16")
    assert feb[4:6] == ["Февраль", datetime(2022, 2, 28)]
    window = next(r for r in plan if r[0] == "5")
    assert window[5:7] == [datetime(2021, 11, 30), datetime(2021, 9, 1)]
    undated = next(r for r in plan if r[0] == "17")
    assert undated[4:6] == ["По графику", None]
    reports = [r for r in plan if r[2] == "Аналитические материалы по итогам полугодия"]
    assert [r[5] for r in reports] == [datetime(2022, 1, 15), datetime(2022, 6, 10)]
    assert book["План"].cell(row=2, column=6).number_format == "DD.MM.YYYY"

    work = rows(book["Исполнение"])
    assert work[0] == [
        "Школа",
        "№",
        "Мероприятие",
        "Срок",
        "Статус",
        "Сдано",
        "Принято",
        "Дней просрочки",
    ]
    assert len(work) - 1 == 32
    row3 = next(r for r in work if r[0] == "ЧСОШ № 1" and r[1] == "3")
    assert row3[3:] == [
        datetime(2021, 9, 30),
        "принято",
        datetime(2021, 9, 28, 10, 0),
        datetime(2021, 9, 29, 15, 30),
        0,
    ]
    row11 = next(r for r in work if r[0] == "ЧСОШ № 1" and r[1] == "11")
    assert row11[3:5] == [datetime(2021, 9, 30), "просрочено"] and row11[7] == 5
    status_cell = next(c for c in book["Исполнение"]["E"] if c.value == "принято")
    assert status_cell.fill.fgColor.rgb.endswith("C6EFCE")

    sheet = book["Отчёты"]
    report_rows = rows(sheet)
    assert report_rows[0][:11] == [
        "Школа",
        "Отправил",
        "Telegram",
        "№",
        "Мероприятие",
        "Срок",
        "Отправлено",
        "Статус",
        "Комментарий куратора",
        "Комментарий школы",
        "Файлов",
    ]
    assert len(report_rows) - 1 == 3
    first = report_rows[1]
    assert first[:4] == ["ЧСОШ № 1", "Анна Петрова", "@anna_p", "3"]
    assert first[6:11] == [datetime(2021, 9, 28, 10, 0), "принято", None, "Приказ и протокол", 2]
    returned = next(r for r in report_rows if r[3] == "11")
    assert returned[8] == "=SUM(1;2) нет подписи"
    pending = next(r for r in report_rows if r[3] == "4")
    assert pending[1] == EVIL_PERSON and pending[9] == "+7 999 000-00-00"
    assert pending[11].endswith("(не удалось получить из Telegram)")
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                assert cell.data_type == "s", (cell.coordinate, cell.value)

    overdue = rows(book["Просрочено"])
    assert [r[4] for r in overdue[1:]] == sorted((r[4] for r in overdue[1:]), reverse=True)
    assert len(overdue) - 1 == 6


async def test_archive_names_match_the_links(sessions, municipality, tmp_path):
    municipality_id, _good, _evil, store = municipality
    data, book = await export(sessions, municipality_id, tmp_path)
    links = [
        unquote(cell.hyperlink.target)
        for row in book["Отчёты"].iter_rows(min_row=2)
        for cell in row
        if cell.hyperlink is not None
    ]
    assert len(links) == 3  # the photo, the protocol, the справка; the lost file has no link
    parts = build_archive(store, archive_entries(data), tmp_path / "out", "Архив")
    assert [p.name for p in parts] == ["Архив.zip"]
    with zipfile.ZipFile(parts[0]) as archive:
        names = archive.namelist()
        assert sorted(names) == sorted(links)
        assert all(name.startswith(data.archive_folder + "/ЧСОШ № 1/") for name in names)
        protocol = next(n for n in names if n.endswith("протокол педсовета.pdf"))
        assert archive.read(protocol) == b"%PDF-1"
        assert "/3. Определение в каждой ШНОР" in protocol
    # Unpacked next to the report, every link points at a real file.
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(parts[0]).extractall(unpacked)
    assert all((unpacked / link).is_file() for link in links)


async def test_archive_is_split_under_the_upload_limit(sessions, municipality, tmp_path):
    municipality_id, _good, _evil, store = municipality
    async with sessions() as session:
        data = await collect_for(session, t, municipality_id, TODAY)
    parts = build_archive(store, archive_entries(data), tmp_path / "out", "Архив", part_limit=11)
    assert len(parts) == 3
    names = [n for p in parts for n in zipfile.ZipFile(p).namelist()]
    assert len(names) == len(set(names)) == 3


async def test_one_school_and_one_half_year(sessions, municipality, tmp_path):
    municipality_id, good, _evil, _store = municipality
    _data, book = await export(sessions, municipality_id, tmp_path, ExportOptions(school_id=good))
    assert [r[0] for r in rows(book["Сводка"])[1:]] == ["ЧСОШ № 1", "Итого"]
    assert {r[0] for r in rows(book["Исполнение"])[1:]} == {"ЧСОШ № 1"}
    _data, book = await export(
        sessions,
        municipality_id,
        tmp_path,
        ExportOptions(period=(date(2022, 1, 1), date(2022, 8, 31))),
    )
    # School rows of the second half of 2021/22: «В течение года» (31.05), «2 раза в год» and the
    # half-year reports (15.01, 10.06); «Февраль» (row 16) is the department's own.
    dues = {r[3] for r in rows(book["Исполнение"])[1:]}
    assert dues == {datetime(2022, 1, 15), datetime(2022, 5, 31), datetime(2022, 6, 10)}


async def test_empty_municipality_gives_a_valid_workbook(sessions, tmp_path):
    async with sessions() as session:
        m = await get_or_create_municipality(session, "Пустой округ", "Europe/Moscow", "—")
        await session.commit()
    _data, book = await export(sessions, m.id, tmp_path)
    assert book.sheetnames == ["Сводка", "План", "Исполнение", "Отчёты", "Просрочено"]
    assert rows(book["Сводка"]) == [
        rows(book["Сводка"])[0],
        ["Итого", None, None, 0, 0, 0, 0, 0, 0],
    ]
    assert len(rows(book["Отчёты"])) == 1


async def test_progress_chart_renders_without_a_display(sessions, municipality):
    municipality_id, *_ = municipality
    async with sessions() as session:
        progress = await municipality_progress(session, municipality_id, TODAY)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing Cyrillic glyph would warn
        png = progress_png(t, progress.schools, "Ход по школам на 05.10.2021")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    from PIL import Image

    picture = Image.open(io.BytesIO(png))
    assert picture.width >= 1000  # readable on a phone when zoomed


def test_sheet_names_are_sanitised():
    from services.export import safe_sheet_name

    assert safe_sheet_name("Отчёты: 2021/2022 [все]*?") == "Отчёты  2021 2022  все"
    assert len(safe_sheet_name("ш" * 40)) == 31


@time_machine.travel("2021-10-05 03:00:00+00:00", tick=True)
async def test_export_over_the_bot(tmp_path):
    from tests.harness import SUPERVISOR_ID, running_bot, wait_message, with_button
    from tests.journeys import import_seed, join

    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, 2001, "ЧСОШ № 1")
        anna.send_photo(caption="выполнено 3")
        prompt = (await anna.wait_sent())[-1]
        anna.press(prompt, button_text="📤 Отправить")
        await anna.wait_sent()
        api = running.api
        supervisor = api.user(SUPERVISOR_ID, first_name="Ольга")
        supervisor.send_text("/export")
        menu = await wait_message(api, SUPERVISOR_ID, with_button("📊 Всё"))
        mark = api.mark()
        supervisor.press(menu, button_text="📊 Всё")
        document = await wait_message(
            api, SUPERVISOR_ID, lambda m: m.method == "sendDocument", since=mark
        )
        name, content = next(iter(document.params and api.calls("sendDocument")[-1].files.values()))
        assert name.endswith(".xlsx") and "Дорожная карта" in name
        book = openpyxl.load_workbook(io.BytesIO(content))
        assert len(rows(book["Отчёты"])) == 2
        mark = api.mark()
        supervisor.press(menu, button_text="🗂 Архив файлов")
        await wait_message(api, SUPERVISOR_ID, lambda m: m.method == "sendDocument", since=mark)
        name, content = next(iter(api.calls("sendDocument")[-1].files.values()))
        assert name.endswith(".zip")
        assert len(zipfile.ZipFile(io.BytesIO(content)).namelist()) == 1


def test_cli_export(tmp_path, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    assert main(["import", str(SEEDS["003"]), "--yes"]) == 0
    out = tmp_path / "report.xlsx"
    assert main(["export", str(out), "--archive"]) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Сводка", "План", "Исполнение", "Отчёты", "Просрочено"]
    assert "Записано" in capsys.readouterr().out
    assert Path(out).stat().st_size > 5000


async def test_counts_in_sql_match_the_task_by_task_progress(sessions, municipality):
    from services.progress import municipality_counts

    municipality_id, *_ = municipality
    async with sessions() as session:
        slow = await municipality_progress(session, municipality_id, TODAY)
        fast = await municipality_counts(session, municipality_id, TODAY)
    fields = (
        "name",
        "assigned",
        "accepted",
        "submitted",
        "returned",
        "overdue",
        "due",
        "needs_date",
        "coordinators",
    )
    assert [[getattr(s, f) for f in fields] for s in fast.schools] == [
        [getattr(s, f) for f in fields] for s in slow.schools
    ]


async def test_returned_and_overdue_counts_alike_in_status_and_summary(
    sessions, municipality, tmp_path
):
    """Row 11 of ЧСОШ № 1 was returned and is late: «возвращено» and «просрочено» both, in the
    numbers /status shows and in the workbook's Сводка (one definition of each tally)."""
    from services.progress import municipality_counts

    municipality_id, good, *_ = municipality
    async with sessions() as session:
        counted = await municipality_counts(session, municipality_id, TODAY)
        by_task = await municipality_progress(session, municipality_id, TODAY)
        row11 = await assignment_of(session, good, "11")
        due = await session.get(DueDate, row11.due_date_id)
    assert row11.status is AssignmentStatus.RETURNED and due.due_on < TODAY
    _data, book = await export(sessions, municipality_id, tmp_path)
    summary = {r[0]: r for r in rows(book["Сводка"])[1:]}
    for progress in (counted, by_task):
        school = next(s for s in progress.schools if s.school_id == good)
        assert (school.returned, school.overdue) == (1, 3)
        assert summary["ЧСОШ № 1"][4:8] == [
            school.submitted,
            school.accepted,
            school.returned,
            school.overdue,
        ]
        total = progress.total
        assert summary["Итого"][3:8] == [
            total.assigned,
            total.submitted,
            total.accepted,
            total.returned,
            total.overdue,
        ]


async def test_export_options_refuse_foreign_schools_and_stale_periods(sessions, municipality):
    from services.errors import DomainError
    from services.export import export_options, periods_to_choose, ymd

    municipality_id, good, *_ = municipality
    async with sessions() as session:
        other = await get_or_create_municipality(session, "Другой округ", "Asia/Chita", "—")
        stranger = await add_school(session, other.id, "Чужая школа", SchoolKind.SHNOR)
        assert (await export_options(session, municipality_id, "school", good)).school_id == good
        with pytest.raises(DomainError) as refused:
            await export_options(session, municipality_id, "school", stranger.id)
        assert refused.value.key == "button-not-yours"
        first, last = (await periods_to_choose(session, municipality_id))[0]
        chosen = await export_options(session, municipality_id, "period", ymd(first))
        assert chosen.period == (first, last)
        for scope, value in (("period", 20990101), ("period", 1), ("nonsense", 0)):
            with pytest.raises(DomainError) as stale:
                await export_options(session, municipality_id, scope, value)
            assert stale.value.key == "button-stale"
