"""One control character typed anywhere never breaks the bot: the one sanitiser
(services/text.py) cleans what people send before it is stored, and every export cell again
(rows stored before the rule). File and folder names of the archive are one path component
each: «/» is replaced, never a cut."""

from __future__ import annotations

import io
import re

import openpyxl
import time_machine
from sqlalchemy import select, update

from models import Activity, EvidenceFile, School, Submission, User
from services.archive import evidence_archive_path
from tests.conftest import seed_bytes
from tests.harness import SUPERVISOR_ID, containing, running_bot, wait_message, with_button
from tests.journeys import IN_THE_SCHOOL_YEAR, join, supervisor

TRAVEL = time_machine.travel(IN_THE_SCHOOL_YEAR, tick=True)
ANNA = 2001
# What XML 1.0 (and so an .xlsx cell) cannot hold: C0 controls but tab, LF and CR; DEL; C1.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


async def import_plan_over_the_bot(running, plan: bytes) -> None:
    boss = supervisor(running)
    boss.send_document(file_name="план.txt", content=plan, mime_type="text/plain")
    preview = await wait_message(running.api, SUPERVISOR_ID, with_button("✅ Импортировать"))
    boss.press(preview, button_text="✅ Импортировать")
    await wait_message(running.api, SUPERVISOR_ID, containing("План сохранён"))


async def export_over_the_bot(running) -> tuple[openpyxl.Workbook, str]:
    api = running.api
    boss = supervisor(running)
    boss.send_text("/export")
    menu = await wait_message(api, SUPERVISOR_ID, with_button("📊 Всё"))
    mark = api.mark()
    boss.press(menu, button_text="📊 Всё")
    answer = await wait_message(
        api,
        SUPERVISOR_ID,
        lambda m: m.method == "sendDocument" or "Не удалось" in (m.plain_text or ""),
        since=mark,
    )
    assert answer.method == "sendDocument", answer.plain_text
    name, content = next(iter(api.calls("sendDocument")[-1].files.values()))
    return openpyxl.load_workbook(io.BytesIO(content)), name


def strings(book: openpyxl.Workbook) -> list[str]:
    return [
        value
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if isinstance(value, str)
    ]


@TRAVEL
async def test_control_characters_in_every_field_people_type(tmp_path, db_url):
    plan = (
        seed_bytes("003").decode().replace("Определение в каждой", "Опреде\x01ление в\x1b каждой")
    )
    assert "\x01" in plan
    async with running_bot(tmp_path, database_url=db_url) as running:
        await import_plan_over_the_bot(running, plan.encode())
        boss = supervisor(running)
        boss.send_text("/addschool Школа\x01 № 9\x7f ШНОР")
        await wait_message(running.api, SUPERVISOR_ID, containing("добавлена"))
        anna = await join(running, ANNA, "Школа № 9", first_name="Анна\x01\x85")

        anna.send_document(file_name="отчёт\x07.pdf", caption="выполнено\x01 3 протокол\x02")
        (prompt,) = await anna.wait_sent()
        assert "Файлов: 1" in prompt.plain_text
        anna.send_text("ещё\x03 комментарий")
        (prompt,) = await anna.wait_sent()
        anna.press(prompt, button_text="📤 Отправить")
        (receipt,) = await anna.wait_sent()
        assert "Отправлено на проверку" in receipt.plain_text

        mark = running.api.mark()
        boss.send_text("/broadcast Внимание\x01: совещание\x1f завтра")
        told = await wait_message(running.api, ANNA, containing("совещание"), since=mark)
        assert not CONTROL.search(told.plain_text) and "Внимание: совещание завтра" in (
            told.plain_text
        )

        # Stored clean.
        async with running.sessions() as session:
            school = await session.scalar(select(School).where(School.name.like("Школа%")))
            assert school.name == "Школа № 9"
            anna_row = await session.scalar(select(User).where(User.platform_user_id == ANNA))
            assert anna_row.full_name == "Анна"
            (evidence,) = (await session.scalars(select(EvidenceFile))).all()
            assert evidence.file_name == "отчёт.pdf"
            (submission,) = (await session.scalars(select(Submission))).all()
            assert submission.comment == "протокол\nещё комментарий"
            texts = (await session.scalars(select(Activity.text))).all()
            assert any(t.startswith("Определение в каждой ШНОР") for t in texts)
            assert not any(CONTROL.search(t) for t in texts)
            # A row stored before the edge cleaned input: the export cleans it again.
            await session.execute(update(Submission).values(review_comment="старое\x01 замечание"))
            await session.commit()

        book, _name = await export_over_the_bot(running)
        cells = strings(book)
        assert not [c for c in cells if CONTROL.search(c)]
        assert "старое замечание" in cells and "протокол\nещё комментарий" in cells
        assert any(c.endswith("отчёт.pdf") for c in cells)


def test_archive_paths_keep_every_name_whole_and_apart():
    def path(school: str, number: str, text: str, name: str | None = "справка.pdf") -> list[str]:
        result = evidence_archive_path(
            "Архив", school, number, text, 7, 11, name, "document", "application/pdf"
        )
        parts = result.split("/")
        assert len(parts) == 4 and ".." not in parts and all(parts)
        assert all(len(part.encode()) <= 255 for part in parts)
        return parts

    school_a = path("Школа/Лицей 7", "1", "Приказ")[1]
    school_b = path("Лицей/Лицей 7", "1", "Приказ")[1]
    assert school_a != school_b
    assert school_a.startswith("Школа") and school_b.startswith("Лицей")
    assert path("Школа\\Лицей 7", "1", "Приказ")[1].startswith("Школа")

    activity = path("ЧСОШ № 1", "1.2", "Мониторинг ШНОР/ШНСУ: итоги")[2]
    assert activity.startswith("1.2. Мониторинг ШНОР")
    assert "ШНСУ" in activity

    file_name = path("ЧСОШ № 1", "3", "Приказ", name="../../etc/passwd")[3]
    assert file_name.startswith("7-11 ") and "passwd" in file_name

    emoji = path("ЧСОШ № 1", "3", "Приказ", name="😀" * 70 + ".pdf")[3]
    assert emoji.endswith(".pdf") and emoji.startswith("7-11 😀")

    long_school = path("Муниципальное бюджетное общеобразовательное учреждение " * 6, "3", "x")
    assert long_school[1].startswith("Муниципальное бюджетное")
