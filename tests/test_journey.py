"""The whole journey over the fake Bot API, as a department will live it."""

from __future__ import annotations

import re

import time_machine
from sqlalchemy import func, select

from models import Assignment, AssignmentStatus, EvidenceFile, Submission, SubmissionState
from scheduler.notifications import notify_new_submissions
from services.plan_import.parser import parse_plan
from tests.builders import build_docx, rows_from_parsed
from tests.conftest import SEEDS, seed_bytes
from tests.fakes import DEFAULT_PHOTO
from tests.harness import SUPERVISOR_ID, downloads_settled, running_bot, wait_message, with_button

HEADER_003 = [
    "№ п/п",
    "Наименование мероприятия",
    "Сроки реализации",
    "Ответственные исполнители",
    "Ожидаемый результат",
]
LINK = re.compile(r"https://t\.me/roadmap_test_bot\?start=([A-Za-z0-9_-]+)")


def seed_003_docx() -> bytes:
    parsed = parse_plan(SEEDS["003"].name, seed_bytes("003"))
    return build_docx(rows_from_parsed(parsed, HEADER_003))


# The plan is for the 2021/2022 school year: live in it, in Chita's time zone.
@time_machine.travel("2021-09-20 03:00:00+00:00", tick=True)
async def test_import_join_confirm_review(tmp_path):
    async with running_bot(tmp_path) as running:
        api = running.api
        supervisor = api.user(SUPERVISOR_ID, first_name="Ольга", username="olga_uo")

        # 1. The supervisor sends the approved plan as .docx and confirms the preview.
        supervisor.send_document(
            file_name="Дорожная карта 2021-2022.docx",
            content=seed_003_docx(),
            mime_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        mark = api.mark()
        preview = await wait_message(
            api, SUPERVISOR_ID, with_button("✅ Импортировать"), since=mark
        )
        first = api.sent_messages(SUPERVISOR_ID, since=mark)[0]
        assert "20 мероприятий: для школ — 13, для управления — 7" in first.plain_text
        assert "ЧСОШ № 1 (ШНОР), КСОШИ № 4 (ШНСУ)" in preview.plain_text
        supervisor.press(preview, button_text="✅ Импортировать")
        (saved,) = await supervisor.wait_sent()
        assert "План сохранён" in saved.plain_text

        # 2. Two schools, each with its invite link.
        links = {}
        for command, name in (
            ("/addschool ЧСОШ № 1 ШНОР", "ЧСОШ"),
            ("/addschool КСОШИ № 4 ШНСУ", "КСОШИ"),
        ):
            supervisor.send_text(command)
            (reply,) = await supervisor.wait_sent()
            assert "добавлена" in reply.plain_text
            links[name] = LINK.search(reply.plain_text).group(1)

        # 3. Two coordinators join.
        anna = api.user(2001, first_name="Анна", username="anna_school1")
        boris = api.user(2002, first_name="Борис")
        anna.send_text(f"/start {links['ЧСОШ']}")
        (welcome,) = await anna.wait_sent()
        assert "ЧСОШ № 1" in welcome.plain_text and "/tasks" in welcome.plain_text
        boris.send_text(f"/start {links['КСОШИ']}")
        (welcome,) = await boris.wait_sent()
        assert "КСОШИ № 4" in welcome.plain_text

        # 4. Anna confirms activity 3 with a photo of the protocol: «выполнено 3».
        anna.send_photo(
            caption="Выполнено 3, приказ о назначении ответственного", content=DEFAULT_PHOTO
        )
        (prompt,) = await anna.wait_sent()
        assert "3. Определение в каждой ШНОР" in prompt.plain_text
        assert "Файлов: 1" in prompt.plain_text
        anna.press(prompt, button_text="📤 Отправить")
        (receipt,) = await anna.wait_sent()
        assert "Отправлено на проверку" in receipt.plain_text and "1 файл" in receipt.plain_text

        # The file is in the bot's own store, with its size and SHA-256.
        await downloads_settled(running)
        async with running.sessions() as session:
            evidence = await session.scalar(select(EvidenceFile))
            assert evidence.stored_path and evidence.sha256 and evidence.size == len(DEFAULT_PHOTO)
            stored = running.settings.evidence_dir / evidence.stored_path
            assert stored.read_bytes() == DEFAULT_PHOTO

        # 5. The supervisor hears about it (in a batch), sees it in /status, accepts it.
        assert (
            await notify_new_submissions(
                running.sessions, running.dispatcher["sender"], running.texts
            )
            == 1
        )
        (note,) = await supervisor.wait_sent()
        assert "Новый отчёт" in note.plain_text and "ЧСОШ № 1" in note.plain_text
        supervisor.send_text("/status")
        status, picture = await supervisor.wait_sent(count=2)
        assert "ЧСОШ № 1 — принято 0 из 16 (0%), на проверке 1" in status.plain_text
        assert picture.method == "sendPhoto"  # the progress per school, drawn

        supervisor.send_text("/review")
        messages = await supervisor.wait_sent(count=2)
        photo, card = messages[0], messages[-1]
        assert photo.method == "sendPhoto"
        assert "Анна (@anna_school1)" in card.plain_text
        assert "приказ о назначении ответственного" in card.plain_text
        supervisor.press(card, button_text="✅ Принять")

        # 6. Anna is told.
        (told,) = await anna.wait_sent()
        assert "Куратор принял отчёт" in told.plain_text and "3. Определение" in told.plain_text
        await supervisor.wait_sent(count=2)  # «Принято…» and «Отчётов на проверке нет.»

        async with running.sessions() as session:
            accepted = await session.scalar(
                select(func.count())
                .select_from(Assignment)
                .where(Assignment.status == AssignmentStatus.ACCEPTED)
            )
            assert accepted == 1
            submission = await session.scalar(select(Submission))
            assert submission.state is SubmissionState.ACCEPTED
