"""The evidence download queue (scheduler/evidence.py) end to end over the fake Bot API.

A file a coordinator sends is answered at once and fetched by the queue: retried after a failed
getFile, a failed download or a full disk; given up after the retries, then reported in the
supervisors' digest and marked in the export; resumed after a restart. The receipt never says
«stored» for a file that is not in the store.
"""

from __future__ import annotations

import asyncio
import errno
import io
import os
from datetime import timedelta

import openpyxl
import time_machine
from sqlalchemy import select, update

import services.evidence
from handlers.keyboards import reminder_item_button
from models import EvidenceFile
from scheduler.reminders import run_pass
from services.clock import now_utc
from tests.fakes import DEFAULT_DOCUMENT, DEFAULT_PHOTO, FakeBotAPI
from tests.harness import (
    SUPERVISOR_ID,
    RunningBot,
    containing,
    downloads_settled,
    running_bot,
    wait_message,
    with_button,
)
from tests.journeys import IN_THE_SCHOOL_YEAR, import_seed, join, supervisor

TRAVEL = time_machine.travel(IN_THE_SCHOOL_YEAR, tick=True)
ANNA = 2001
SCHOOL = "ЧСОШ № 1"
FAST_RETRIES = {"EVIDENCE_RETRY_SECONDS": "0.1,0.1,0.1"}  # four tries in all


async def files(running: RunningBot) -> list[EvidenceFile]:
    async with running.sessions() as session:
        rows = (await session.scalars(select(EvidenceFile).order_by(EvidenceFile.id))).all()
    return list(rows)


def gets(running: RunningBot, method: str) -> int:
    return sum(1 for r in running.api.requests if r.method == method)


async def export_workbook(running: RunningBot) -> openpyxl.Workbook:
    """/export → «📊 Всё» as the supervisor; the workbook that comes back."""
    api = running.api
    supervisor(running).send_text("/export")
    menu = await wait_message(api, SUPERVISOR_ID, with_button("📊 Всё"))
    mark = api.mark()
    supervisor(running).press(menu, button_text="📊 Всё")
    await wait_message(api, SUPERVISOR_ID, lambda m: m.method == "sendDocument", since=mark)
    name, content = next(iter(api.calls("sendDocument")[-1].files.values()))
    assert name.endswith(".xlsx")
    return openpyxl.load_workbook(io.BytesIO(content))


def report_cells(book: openpyxl.Workbook) -> list[str]:
    return [str(c) for row in book["Отчёты"].iter_rows(values_only=True) for c in row if c]


@TRAVEL
async def test_get_file_failing_twice_then_serving_stores_the_file(tmp_path, db_url):
    async with running_bot(tmp_path, database_url=db_url, **FAST_RETRIES) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL)
        running.api.fail_next(
            method="getFile", error_code=500, description="Internal Server Error", times=2
        )
        anna.send_photo(caption="выполнено 3")
        (prompt,) = await anna.wait_sent()
        assert "Файлов: 1" in prompt.plain_text
        await downloads_settled(running)
        (evidence,) = await files(running)
        assert evidence.stored_path and evidence.failed_at is None
        assert evidence.download_attempts == 3 and gets(running, "getFile") == 3
        stored = running.settings.evidence_dir / evidence.stored_path
        assert stored.read_bytes() == DEFAULT_PHOTO


@TRAVEL
async def test_a_failed_download_is_retried_too(tmp_path, db_url):
    async with running_bot(tmp_path, database_url=db_url, **FAST_RETRIES) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL)
        running.api.fail_downloads(times=3)
        anna.send_document(file_name="справка.pdf", caption="выполнено 3")
        await anna.wait_sent()
        await downloads_settled(running)
        (evidence,) = await files(running)
        assert evidence.download_attempts == 4 and gets(running, "downloadFile") == 4
        assert (running.settings.evidence_dir / evidence.stored_path).read_bytes() == (
            DEFAULT_DOCUMENT
        )


@TRAVEL
async def test_a_file_that_never_comes_is_reported_in_the_digest_and_marked(tmp_path, db_url):
    async with running_bot(tmp_path, database_url=db_url, **FAST_RETRIES) as running:
        municipal = await import_seed(running)
        supervisor(running).send_text("/start")
        await supervisor(running).wait_sent()
        anna = await join(running, ANNA, SCHOOL)
        running.api.fail_downloads(times=None)
        anna.send_document(file_name="протокол.pdf", caption="выполнено 3")
        (prompt,) = await anna.wait_sent()
        await downloads_settled(running)
        (evidence,) = await files(running)
        assert evidence.failed_at is not None and evidence.stored_path is None
        assert evidence.download_attempts == 4  # the first try and three retries

        # The receipt owns up to it instead of counting it as stored.
        anna.press(prompt, button_text="📤 Отправить")
        (receipt,) = await anna.wait_sent()
        assert "1 файл не удалось получить из Telegram — куратор увидит" in receipt.plain_text

        # The day's digest tells the supervisors, once.
        mark = running.api.mark()
        await run_pass(
            running.sessions,
            running.dispatcher["sender"],
            running.texts,
            municipal.municipality_id,
            task_button=reminder_item_button,
            now=now_utc(),
        )
        digest = await wait_message(
            running.api, SUPERVISOR_ID, containing("Не удалось получить файлы"), since=mark
        )
        assert "ЧСОШ № 1, п. 3: протокол.pdf" in digest.plain_text
        mark = running.api.mark()
        await run_pass(
            running.sessions,
            running.dispatcher["sender"],
            running.texts,
            municipal.municipality_id,
            task_button=reminder_item_button,
            now=now_utc() + timedelta(days=1),
        )
        later = [m.plain_text or "" for m in running.api.sent_messages(SUPERVISOR_ID, since=mark)]
        assert not any("протокол.pdf" in text for text in later)

        # The export marks it.
        book = await export_workbook(running)
        assert any(
            c.endswith("протокол.pdf (не удалось получить из Telegram)") for c in report_cells(book)
        )


@TRAVEL
async def test_a_full_disk_is_retried_later_and_nothing_is_lost(tmp_path, db_url, monkeypatch):
    real_replace = os.replace
    full = {"left": 2}

    def replace(source, target):
        if full["left"]:
            full["left"] -= 1
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(services.evidence.os, "replace", replace)
    async with running_bot(tmp_path, database_url=db_url, **FAST_RETRIES) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL)
        anna.send_photo(caption="выполнено 3")
        (prompt,) = await anna.wait_sent()
        assert "Файлов: 1" in prompt.plain_text
        await downloads_settled(running)
        (evidence,) = await files(running)
        assert evidence.download_attempts == 3 and evidence.stored_path
        folder = (running.settings.evidence_dir / evidence.stored_path).parent
        assert [p.name for p in folder.iterdir()] == [evidence.stored_path.rsplit("/", 1)[-1]]


@TRAVEL
async def test_the_answer_and_the_receipt_do_not_wait_for_the_download(tmp_path, db_url):
    async with running_bot(tmp_path, database_url=db_url) as running:
        api = running.api
        hold = asyncio.Event()

        async def slow_get_file(request):
            await hold.wait()
            return api._get_file(request)

        api.register_method("getFile", slow_get_file)
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL)
        anna.send_photo(caption="выполнено 3")
        (prompt,) = await anna.wait_sent()  # while getFile still hangs
        assert "Файлов: 1 (ещё загружается 1" in prompt.plain_text
        anna.press(prompt, button_text="📤 Отправить")
        (receipt,) = await anna.wait_sent()
        assert "Отправлено на проверку" in receipt.plain_text
        assert "1 файл" in receipt.plain_text and "ещё загружается 1" in receipt.plain_text
        assert "Сохран" not in receipt.plain_text
        hold.set()
        await downloads_settled(running)
        (evidence,) = await files(running)
        assert evidence.stored_path


@TRAVEL
async def test_a_long_emoji_file_name_is_stored(tmp_path, db_url):
    name = "😀" * 70 + ".pdf"  # 284 bytes in UTF-8: over a file system's 255
    async with running_bot(tmp_path, database_url=db_url) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL)
        anna.send_document(file_name=name, caption="выполнено 3")
        (prompt,) = await anna.wait_sent()
        assert "Файлов: 1" in prompt.plain_text
        await downloads_settled(running)
        (evidence,) = await files(running)
        assert evidence.file_name == name
        stored = running.settings.evidence_dir / evidence.stored_path
        assert stored.read_bytes() == DEFAULT_DOCUMENT
        assert len(stored.name.encode()) <= 255 and stored.name.endswith(".pdf")
        assert stored.name.startswith(f"{evidence.id}-😀")


@TRAVEL
async def test_a_download_cut_short_by_a_stop_is_fetched_at_the_next_start(tmp_path, db_url):
    hold = asyncio.Event()
    async with FakeBotAPI(first_update_id=60_000_000) as api:

        async def slow_get_file(request):
            await hold.wait()
            return api._get_file(request)

        api.register_method("getFile", slow_get_file)
        async with running_bot(tmp_path, database_url=db_url, api=api) as running:
            await import_seed(running)
            anna = await join(running, ANNA, SCHOOL)
            anna.send_photo(caption="выполнено 3")
            await anna.wait_sent()
            await api.wait_for(lambda a: gets(running, "getFile") == 1, 10, what="getFile")
        # The process is gone mid-download: the row stays claimed (a lease of minutes).
        (evidence,) = await files(running)
        assert evidence.stored_path is None and evidence.next_try_at is not None
        hold.set()
        async with running_bot(tmp_path, database_url=db_url, api=api) as running:
            await downloads_settled(running)
            (evidence,) = await files(running)
            assert evidence.stored_path and evidence.download_attempts == 2


@TRAVEL
async def test_a_file_of_a_dropped_draft_is_not_kept(tmp_path, db_url):
    async with running_bot(tmp_path, database_url=db_url) as running:
        api = running.api
        hold = asyncio.Event()

        async def slow_get_file(request):
            await hold.wait()
            return api._get_file(request)

        api.register_method("getFile", slow_get_file)
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL)
        anna.send_photo(caption="выполнено 3")
        await anna.wait_sent()
        anna.send_text("/cancel")
        await anna.wait_sent()
        hold.set()
        await api.wait_for(
            lambda a: any(r.method == "downloadFile" and r.status for r in a.requests),
            10,
            what="the download",
        )
        await asyncio.sleep(0.3)
        (evidence,) = await files(running)
        assert evidence.stored_path is None
        assert not [p for p in running.settings.evidence_dir.rglob("*") if p.is_file()]


@TRAVEL
async def test_a_row_claimed_by_a_dead_process_is_taken_again_when_its_lease_ends(tmp_path, db_url):
    async with running_bot(tmp_path, database_url=db_url) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL)
        downloads = running.dispatcher["evidence_downloads"]
        await downloads.stop()  # only this test's rounds run
        anna.send_photo(caption="выполнено 3")
        await anna.wait_sent()
        async with running.sessions() as session:  # claimed by a process that then died
            await session.execute(
                update(EvidenceFile).values(next_try_at=now_utc() + downloads.lease)
            )
            await session.commit()
        assert await downloads.run_once() == 0  # still leased
        assert await downloads.run_once(now_utc() + downloads.lease + timedelta(seconds=1)) == 1
        (evidence,) = await files(running)
        assert evidence.stored_path


@TRAVEL
async def test_a_file_given_up_in_a_draft_is_fetched_when_sent_again(tmp_path, db_url):
    async with running_bot(tmp_path, database_url=db_url, **FAST_RETRIES) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL)
        running.api.fail_downloads(times=None)
        anna.send_document(file_name="акт.pdf", caption="выполнено 3")
        await anna.wait_sent()
        await downloads_settled(running)
        anna.send_text("комментарий")  # the draft's view again
        (view,) = await anna.wait_sent()
        assert "1 файл не удалось получить из Telegram — пришлите его ещё раз" in view.plain_text

        running.api.serve_downloads()
        (evidence,) = await files(running)
        stored = running.api.files[evidence.file_id]
        running.api._user_message(anna, {"document": stored.as_document()})  # the same file
        (view,) = await anna.wait_sent()
        assert "не удалось" not in view.plain_text
        await downloads_settled(running)
        (evidence,) = await files(running)
        assert evidence.stored_path and evidence.failed_at is None
