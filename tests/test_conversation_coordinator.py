"""The coordinator's side of the conversation, end to end over the fake Bot API.

Each test runs the production dispatcher (tests/harness.py) on seed 003 with two schools and
lives on 20.09.2021 in Chita. State is checked in the database, texts against the catalogs.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select

from handlers.callbacks import DraftCb, TaskCb
from models import (
    Activity,
    Assignment,
    AssignmentStatus,
    DueDate,
    DueKind,
    EvidenceFile,
    MessageLink,
    Role,
    School,
    Submission,
    SubmissionState,
    User,
)
from tests.fakes import DEFAULT_DOCUMENT, DEFAULT_PHOTO, FakeBotAPI, FakeUser, SentMessage
from tests.harness import (
    RunningBot,
    containing,
    downloads_settled,
    running_bot,
    wait_message,
    with_button,
)
from tests.journeys import IN_THE_SCHOOL_YEAR, import_seed, invite_token, join, supervisor

TRAVEL = time_machine.travel(IN_THE_SCHOOL_YEAR, tick=True)

ANNA = 2001  # coordinator of «ЧСОШ № 1»
BORIS = 2002  # coordinator of «КСОШИ № 4»
SCHOOL_1 = "ЧСОШ № 1"
SCHOOL_4 = "КСОШИ № 4"

# Texts from locales/ru (and en) that the tests look for.
HOW_TO_JOIN = "ссылку-приглашение"
NOT_YOURS = "Эта кнопка не для вас или устарела — ничего не изменено."
WHICH_ACTIVITY = "К какому мероприятию"
SEND = "📤 Отправить"
CANCEL = "✖️ Отмена"
OTHER = "🔄 Другое мероприятие"
MARK_DONE = "✅ Отметить выполнение"
RECEIPT = "✅ Отправлено на проверку:"
APOLOGY = "Извините, что-то пошло не так"
ACTIVITY_3 = "3. Определение в каждой ШНОР"
BUTTON_LABEL = re.compile(r"^\S+ (\d+)\. ")
RECEIPT_TIME = re.compile(r"20\.09\.2021 12:\d\d\.")


# --------------------------------------------------------------------------- helpers


async def settled(running: RunningBot) -> None:
    """Every update enqueued so far was taken by the poller and its handler has finished.

    The runner stores a batch and starts its tasks before it confirms the batch; once the fake
    has the updates confirmed, waiting for the runner to be idle leaves nothing in flight.
    """
    await running.api.wait_updates_consumed()
    await running.runner.idle()


async def count(running: RunningBot, model: Any, *where: Any) -> int:
    async with running.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def all_rows(running: RunningBot, model: Any, *where: Any) -> list[Any]:
    async with running.sessions() as session:
        return list((await session.scalars(select(model).where(*where).order_by(model.id))).all())


async def person(running: RunningBot, telegram_id: int) -> User:
    async with running.sessions() as session:
        user = await session.scalar(select(User).where(User.platform_user_id == telegram_id))
        assert user is not None
        return user


async def assignment_of(running: RunningBot, school: str, number: str) -> int:
    """The school's assignment for activity ``number`` (the first due date if several)."""
    municipal_schools = await school_ids(running)
    async with running.sessions() as session:
        return (
            await session.scalars(
                select(Assignment.id)
                .join(DueDate, DueDate.id == Assignment.due_date_id)
                .join(Activity, Activity.id == DueDate.activity_id)
                .where(Assignment.school_id == municipal_schools[school], Activity.number == number)
                .order_by(DueDate.due_on)
            )
        ).first()


async def school_assignments(running: RunningBot, school: str) -> dict[int, Any]:
    """The school's active assignments: id → (number, due_on, kind), straight from the tables."""
    school_id = (await school_ids(running))[school]
    async with running.sessions() as session:
        rows = (
            await session.execute(
                select(Assignment.id, Activity.number, DueDate.due_on, DueDate.kind)
                .join(DueDate, DueDate.id == Assignment.due_date_id)
                .join(Activity, Activity.id == DueDate.activity_id)
                .where(Assignment.school_id == school_id, Assignment.active.is_(True))
            )
        ).all()
    return {row.id: row for row in rows}


def tasks_header(n: int) -> str:
    return f"📋 Мероприятия школы: {n} (в работе: {n})"


async def school_ids(running: RunningBot) -> dict[str, int]:
    async with running.sessions() as session:
        return {s.name: s.id for s in (await session.scalars(select(School))).all()}


async def snapshot(running: RunningBot) -> tuple[Any, ...]:
    """Everything a press could change: drafts and submissions, files, assignment states."""
    async with running.sessions() as session:
        submissions = (
            await session.execute(
                select(
                    Submission.id,
                    Submission.user_id,
                    Submission.assignment_id,
                    Submission.state,
                    Submission.comment,
                ).order_by(Submission.id)
            )
        ).all()
        files = (
            await session.execute(
                select(EvidenceFile.id, EvidenceFile.submission_id).order_by(EvidenceFile.id)
            )
        ).all()
        statuses = (
            await session.execute(select(Assignment.id, Assignment.status).order_by(Assignment.id))
        ).all()
    return tuple(submissions), tuple(files), tuple(statuses)


def photo_sizes(api: FakeBotAPI, content: bytes = DEFAULT_PHOTO, file_size: int = 50_000) -> list:
    """A photo as Telegram describes it (one size is enough), downloadable from the fake."""
    stored = api.register_file(content, file_size=file_size, folder="photos")
    return [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "width": 1280,
            "height": 960,
        }
    ]


def photo_reply(
    user: FakeUser,
    to: SentMessage,
    caption: str | None = None,
    media_group_id: str | None = None,
    content: bytes = DEFAULT_PHOTO,
) -> dict:
    """A photo sent as a reply (FakeUser.send_photo has no reply; ``send`` has)."""
    fields: dict[str, Any] = {
        "photo": photo_sizes(user.api, content),
        "reply_to_message_id": to.message_id,
    }
    if caption is not None:
        fields["caption"] = caption
    if media_group_id is not None:
        fields["media_group_id"] = media_group_id
    return user.send(**fields)


async def open_card(running: RunningBot, user: FakeUser, number: str) -> SentMessage:
    """/tasks, then the card of activity ``number`` (on the first page), linked to it."""
    user.send_text("/tasks")
    (listing,) = await user.wait_sent()
    label = next(
        label
        for label, _ in listing.buttons
        if (match := BUTTON_LABEL.match(label)) and match.group(1) == number
    )
    user.press(listing, button_text=label)
    (card,) = await user.wait_sent()
    assert number + ". " in card.plain_text
    await settled(running)  # the card is sent first, then linked to its activity
    return card


async def answer_to(api: FakeBotAPI, query: dict) -> dict:
    """The bot's answerCallbackQuery for the pressed button."""

    def found(a: FakeBotAPI) -> dict | None:
        return next(
            (c for c in a.answered_callbacks if str(c.get("callback_query_id")) == query["id"]),
            None,
        )

    return await api.wait_for(found, what=f"the answer to callback {query['id']}")


async def send_and_receipt(user: FakeUser, prompt: SentMessage) -> SentMessage:
    user.press(prompt, button_text=SEND)
    (receipt,) = await user.wait_sent()
    assert RECEIPT in receipt.plain_text, receipt.plain_text
    return receipt


async def two_coordinators(running: RunningBot) -> tuple[FakeUser, FakeUser]:
    await import_seed(running)
    anna = await join(running, ANNA, SCHOOL_1)
    boris = await join(running, BORIS, SCHOOL_4, first_name="Борис")
    return anna, boris


# --------------------------------------------------------------------------- 1. strangers


@TRAVEL
async def test_stranger_is_told_how_to_join_and_nothing_is_stored(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        stranger = running.api.user(3001, first_name="Пётр")

        stranger.send_text("/start")
        (hello,) = await stranger.wait_sent()
        assert "Здравствуйте! Это бот дорожной карты" in hello.plain_text
        assert HOW_TO_JOIN in hello.plain_text
        for send in (
            lambda: stranger.send_text("/tasks"),
            lambda: stranger.send_photo(caption="выполнено 3"),
            lambda: stranger.send_document(caption="Готово"),
            lambda: stranger.send_text("привет, где тут отчёт?"),
            lambda: stranger.send_text("выполнено"),
        ):
            send()
            (answer,) = await stranger.wait_sent()
            assert HOW_TO_JOIN in answer.plain_text, answer.plain_text
        await settled(running)
        assert len(running.api.sent_messages(3001)) == 6

        assert await count(running, Submission) == 0
        assert await count(running, EvidenceFile) == 0
        assert running.api.calls("getFile") == []
        user = await person(running, 3001)
        assert user.role is None and user.school_id is None


# --------------------------------------------------------------------------- 2. invites


@TRAVEL
async def test_invite_failures_change_nothing(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        api = running.api
        anna_token = await invite_token(running, SCHOOL_1)
        anna = api.user(ANNA, first_name="Анна")
        anna.send_text(f"/start {anna_token}")
        (welcome,) = await anna.wait_sent()
        assert SCHOOL_1 in welcome.plain_text

        boris = api.user(BORIS, first_name="Борис")

        async def boris_opens(token: str, expected: str) -> None:
            boris.send_text(f"/start {token}")
            (answer,) = await boris.wait_sent()
            assert expected in answer.plain_text, answer.plain_text
            assert HOW_TO_JOIN in answer.plain_text  # and how to join after all
            user = await person(running, BORIS)
            assert user.role is None and user.school_id is None and user.municipality_id is None

        # Someone else's link, already used.
        await boris_opens(anna_token, "Эта ссылка уже использована")
        # A token nobody made (well-formed and malformed).
        await boris_opens("A" * 32, "Эта ссылка-приглашение не найдена")
        await boris_opens("abc", "Эта ссылка-приглашение не найдена")
        # A link replaced by a newer one for the same school.
        old = await invite_token(running, SCHOOL_4)
        newer = await invite_token(running, SCHOOL_4)
        await boris_opens(old, "Эта ссылка заменена более новой")
        # A link opened 15 days after it was made.
        late = await invite_token(running, SCHOOL_4)
        assert late != newer
        with time_machine.travel(datetime(2021, 10, 5, 3, 0, tzinfo=UTC), tick=True):
            await boris_opens(late, "Срок действия ссылки истёк")

        # Anna opens her own link again: told so, still the coordinator of her school.
        anna.send_text(f"/start {anna_token}")
        (again,) = await anna.wait_sent()
        assert "Вы уже вошли по этой ссылке." in again.plain_text
        user = await person(running, ANNA)
        assert user.role is Role.COORDINATOR
        assert user.school_id == (await school_ids(running))[SCHOOL_1]


# --------------------------------------------------------------------------- 3. /tasks


@TRAVEL
async def test_tasks_nearest_deadline_first_paginated_and_card(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)
        info = await school_assignments(running, SCHOOL_1)
        total = len(info)
        assert 8 < total <= 16  # two pages (seed 003 gives each school 14 or more)

        anna.send_text("/tasks")
        (first,) = await anna.wait_sent()
        assert tasks_header(total) in first.plain_text
        assert "Страница 1 из 2" in first.plain_text
        assert "Нажмите на мероприятие, чтобы открыть его" in first.plain_text
        assert "до 30.09.2021 · осталось 10 дней" in first.plain_text
        page_one = [data for _, data in first.buttons if data.startswith("tsk:card")]
        assert len(page_one) == 8
        assert [label for label, _ in first.buttons][-1] == "Дальше ▶️"

        anna.press(first, button_text="Дальше ▶️")
        (second,) = await anna.wait_sent()
        assert tasks_header(total) in second.plain_text
        assert "Страница 2 из 2" in second.plain_text
        page_two = [data for _, data in second.buttons if data.startswith("tsk:card")]
        assert len(page_two) == total - 8
        assert [label for label, _ in second.buttons][-1] == "◀️ Назад"

        # Both pages together: every assignment of the school, each once, in deadline order.
        shown = [TaskCb.unpack(data).assignment_id for data in page_one + page_two]
        assert sorted(shown) == sorted(info)
        numbers = [info[a].number for a in shown]
        dated = [info[a].due_on for a in shown if info[a].kind is not DueKind.NEEDS_DATE]
        assert dated == sorted(dated)
        assert numbers[:3] == ["3", "4", "11"]  # all due 30.09.2021, by number
        assert numbers[-3:] == ["10", "17", "19"]  # no date yet: last
        assert all(info[a].kind is DueKind.NEEDS_DATE for a in shown[-3:])
        assert all(info[a].kind is not DueKind.NEEDS_DATE for a in shown[:-3])

        # The card of the first one.
        anna.press(first, page_one[0])
        (card,) = await anna.wait_sent()
        text = card.plain_text
        assert text.startswith(ACTIVITY_3)
        assert "Статус: ⚪️ в работе" in text
        assert "Срок: до 30.09.2021 (в плане: «Сентябрь 2021 г.»)" in text
        assert "осталось 10 дней" in text
        assert "Ожидаемый результат: Приказы по ОО" in text
        assert card.buttons == [(MARK_DONE, TaskCb(action="done", assignment_id=shown[0]).pack())]
        # A reply to this card will mean this activity (linked once the handler is done).
        await settled(running)
        links = await all_rows(running, MessageLink, MessageLink.message_id == card.message_id)
        assert [link.assignment_id for link in links] == [shown[0]]


# --------------------------------------------------------------------------- 4. other schools


@TRAVEL
async def test_another_schools_buttons_change_nothing(tmp_path):
    async with running_bot(tmp_path) as running:
        api = running.api
        anna, boris = await two_coordinators(running)
        boris_3 = await assignment_of(running, SCHOOL_4, "3")

        # Boris has a draft for his activity 3.
        boris.send_photo(caption="выполнено 3")
        (boris_prompt,) = await boris.wait_sent()
        assert "Файлов: 1" in boris_prompt.plain_text
        (boris_draft,) = await all_rows(running, Submission)

        anna.send_text("/tasks")
        (listing,) = await anna.wait_sent()
        before = await snapshot(running)

        forged = [
            TaskCb(action="done", assignment_id=boris_3).pack(),
            TaskCb(action="card", assignment_id=boris_3).pack(),
        ]
        for data in forged:
            mark = api.mark()
            query = anna.press(listing, data, strict=False)
            answer = await answer_to(api, query)
            assert answer.get("text") == NOT_YOURS, (data, answer)
            assert answer.get("show_alert") is True
            await settled(running)
            assert api.sent_messages(ANNA, since=mark) == []
            assert await snapshot(running) == before

        # Boris's draft buttons pressed by Anna: refused, his draft untouched, none for her.
        for action in ("send", "cancel", "other", "pick"):
            data = DraftCb(action=action, draft_id=boris_draft.id, assignment_id=boris_3).pack()
            mark = api.mark()
            query = anna.press(listing, data, strict=False)
            answer = await answer_to(api, query)
            assert answer.get("show_alert") is True, (action, answer)
            await settled(running)
            assert api.sent_messages(ANNA, since=mark) == []
            assert await snapshot(running) == before

        # Anna's own draft, pointed at Boris's activity: refused, her draft still unassigned.
        anna.send_photo()
        (prompt,) = await anna.wait_sent()
        assert WHICH_ACTIVITY in prompt.plain_text
        anna_draft = (await all_rows(running, Submission, Submission.id != boris_draft.id))[0]
        before = await snapshot(running)
        mark = api.mark()
        data = DraftCb(action="pick", draft_id=anna_draft.id, assignment_id=boris_3).pack()
        query = anna.press(prompt, data, strict=False)
        answer = await answer_to(api, query)
        assert answer.get("show_alert") is True
        await settled(running)
        assert api.sent_messages(ANNA, since=mark) == []
        assert await snapshot(running) == before
        (kept,) = await all_rows(running, Submission, Submission.id == anna_draft.id)
        assert kept.assignment_id is None and kept.state is SubmissionState.DRAFT


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            "send-another-persons-draft",
        ),
        pytest.param(
            "pick-another-schools-activity",
        ),
    ],
)
@TRAVEL
async def test_another_schools_draft_buttons_say_not_yours(tmp_path, case):
    async with running_bot(tmp_path) as running:
        api = running.api
        anna, boris = await two_coordinators(running)
        boris_3 = await assignment_of(running, SCHOOL_4, "3")
        boris.send_photo(caption="выполнено 3")
        await boris.wait_sent()
        (boris_draft,) = await all_rows(running, Submission)
        anna.send_photo()
        (prompt,) = await anna.wait_sent()
        (anna_draft,) = await all_rows(
            running, Submission, Submission.user_id != boris_draft.user_id
        )

        draft_id = boris_draft.id if case == "send-another-persons-draft" else anna_draft.id
        action = "send" if case == "send-another-persons-draft" else "pick"
        data = DraftCb(action=action, draft_id=draft_id, assignment_id=boris_3).pack()
        answer = await answer_to(api, anna.press(prompt, data, strict=False))
        assert answer.get("show_alert") is True
        assert answer.get("text") == NOT_YOURS


# --------------------------------------------------------------------------- 5. which activity?


@TRAVEL
async def test_photo_without_caption_asks_which_activity(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)

        anna.send_photo()
        (question,) = await anna.wait_sent()
        assert "📎 Получен 1 файл. К какому мероприятию он относится?" in question.plain_text
        (draft,) = await all_rows(running, Submission)
        assert draft.state is SubmissionState.DRAFT and draft.assignment_id is None
        await downloads_settled(running)
        (evidence,) = await all_rows(running, EvidenceFile)
        assert evidence.submission_id == draft.id and evidence.stored_path

        picks = [(label, data) for label, data in question.buttons if data.startswith("drf:pick")]
        assert len(picks) == 8  # open activities, nearest first, at most 8
        assert BUTTON_LABEL.match(picks[0][0]).group(1) == "3"
        assert question.buttons[-1][0] == CANCEL

        anna.press(question, picks[0][1])
        (prompt,) = await anna.wait_sent()
        assert f"📎 Подтверждение выполнения: {ACTIVITY_3}" in prompt.plain_text
        assert "(до 30.09.2021)" in prompt.plain_text
        assert "Файлов: 1" in prompt.plain_text
        assert [label for label, _ in prompt.buttons] == [SEND, CANCEL, OTHER]

        receipt = await send_and_receipt(anna, prompt)
        assert ACTIVITY_3 in receipt.plain_text
        assert "1 файл, " in receipt.plain_text
        assert RECEIPT_TIME.search(receipt.plain_text), receipt.plain_text
        assert "Куратор проверит и ответит здесь." in receipt.plain_text

        (sent,) = await all_rows(running, Submission)
        assert sent.state is SubmissionState.SUBMITTED
        assert sent.assignment_id == await assignment_of(running, SCHOOL_1, "3")
        (assignment,) = await all_rows(running, Assignment, Assignment.id == sent.assignment_id)
        assert assignment.status is AssignmentStatus.SUBMITTED


# --------------------------------------------------------------------------- 6. an album


async def send_album_replying(user: FakeUser, card: SentMessage, caption: str) -> str:
    """Three photos in one album, sent as a reply to ``card`` (each message replies to it,
    as in Telegram); the caption is on the first. Returns the media_group_id."""
    group = "13000000000000999"
    for index in range(3):
        photo_reply(
            user, card, caption if index == 0 else None, group, DEFAULT_PHOTO + bytes([index])
        )
    return group


@TRAVEL
async def test_album_replying_to_a_card_gets_one_answer(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)
        card = await open_card(running, anna, "3")

        mark = running.api.mark()
        group = await send_album_replying(anna, card, "Выполнено! протокол педсовета")
        await settled(running)
        # The album's one answer comes once all its files are in (a short quiet period).
        await wait_message(running.api, ANNA, with_button(SEND), since=mark)

        answers = running.api.sent_messages(ANNA, since=mark)
        assert len(answers) == 1, [m.plain_text for m in answers]
        (prompt,) = answers
        assert f"📎 Подтверждение выполнения: {ACTIVITY_3}" in prompt.plain_text
        assert with_button(SEND)(prompt)

        (draft,) = await all_rows(running, Submission)
        await downloads_settled(running)
        files = await all_rows(running, EvidenceFile)
        assert len(files) == 3 and {f.submission_id for f in files} == {draft.id}
        assert {f.media_group_id for f in files} == {group}
        assert all(f.stored_path and f.sha256 for f in files)
        assert draft.comment == "протокол педсовета"
        assert draft.assignment_id == await assignment_of(running, SCHOOL_1, "3")

        receipt = await send_and_receipt(anna, prompt)
        assert "3 файла, " in receipt.plain_text


@TRAVEL
async def test_album_answer_describes_the_whole_album(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)
        card = await open_card(running, anna, "3")
        mark = running.api.mark()
        await send_album_replying(anna, card, "Выполнено! протокол педсовета")
        await settled(running)
        await wait_message(running.api, ANNA, with_button(SEND), since=mark)
        (prompt,) = running.api.sent_messages(ANNA, since=mark)
        assert "Файлов: 3" in prompt.plain_text, prompt.plain_text
        assert "Комментарий: протокол педсовета" in prompt.plain_text, prompt.plain_text


# --------------------------------------------------------------------------- 7. a document


@TRAVEL
async def test_document_with_done_caption_replying_to_a_card(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)
        card = await open_card(running, anna, "4")

        content = DEFAULT_DOCUMENT + "справка по итогам".encode()
        stored = running.api.register_file(
            content, file_name="справка.pdf", mime_type="application/pdf"
        )
        anna.send(
            document=stored.as_document(),
            caption="Готово. Справка по итогам",
            reply_to_message_id=card.message_id,
        )
        (prompt,) = await anna.wait_sent()
        assert "📎 Подтверждение выполнения: 4. Сбор дополнительных сведений" in prompt.plain_text
        assert "Комментарий: Справка по итогам" in prompt.plain_text

        (draft,) = await all_rows(running, Submission)
        assert draft.comment == "Справка по итогам"
        assert draft.assignment_id == await assignment_of(running, SCHOOL_1, "4")
        await downloads_settled(running)
        (evidence,) = await all_rows(running, EvidenceFile)
        assert evidence.file_name == "справка.pdf"
        assert evidence.mime_type == "application/pdf"
        assert evidence.sha256 == hashlib.sha256(content).hexdigest()
        assert evidence.size == len(content)
        path = running.settings.DATA_DIR / "evidence" / evidence.stored_path
        assert path.read_bytes() == content
        assert path.name.endswith("справка.pdf")

        receipt = await send_and_receipt(anna, prompt)
        assert "1 файл, " in receipt.plain_text


# --------------------------------------------------------------------------- 8. a restart


@TRAVEL
async def test_restart_between_first_file_and_send_loses_nothing(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)
        anna.send_photo(caption="выполнено 3")
        (prompt,) = await anna.wait_sent()
        send_data = prompt.find_button(SEND)
        await settled(running)
        (draft,) = await all_rows(running, Submission)
        await downloads_settled(running)
        (evidence,) = await all_rows(running, EvidenceFile)
        assert evidence.stored_path
        stored = running.settings.evidence_dir / evidence.stored_path
    assert DraftCb.unpack(send_data) == DraftCb(action="send", draft_id=draft.id)

    # The bot is back (new process, new connection to Telegram, same database and files).
    async with running_bot(tmp_path) as running:
        anna = running.api.user(ANNA, first_name="Анна")
        anna.send_text("/tasks")
        (listing,) = await anna.wait_sent()
        assert "📋 Мероприятия школы: " in listing.plain_text
        anna.press(listing, send_data, strict=False)
        (receipt,) = await anna.wait_sent()
        assert RECEIPT in receipt.plain_text and ACTIVITY_3 in receipt.plain_text
        assert "1 файл, " in receipt.plain_text

        (sent,) = await all_rows(running, Submission)
        assert sent.id == draft.id and sent.state is SubmissionState.SUBMITTED
        assert [f.id for f in await all_rows(running, EvidenceFile)] == [evidence.id]
        assert stored.read_bytes() == DEFAULT_PHOTO
        assert running.api.calls("getFile") == []  # nothing fetched again


# --------------------------------------------------------------------------- 9. returned


@TRAVEL
async def test_returned_submission_is_resubmitted(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)
        olga = supervisor(running)

        anna.send_photo(caption="выполнено 3")
        (prompt,) = await anna.wait_sent()
        await send_and_receipt(anna, prompt)

        olga.send_text("/review")
        messages = await olga.wait_sent(count=2)
        card = messages[-1]
        olga.press(card, button_text="↩️ Вернуть на доработку")
        (ask,) = await olga.wait_sent()
        assert "Напишите одним сообщением, что нужно доработать" in ask.plain_text
        olga.send_text("Нет подписи директора на протоколе")

        told = await wait_message(running.api, ANNA, lambda m: "вернул" in m.plain_text)
        assert "↩️ Куратор вернул отчёт на доработку: " + ACTIVITY_3 in told.plain_text
        assert "Комментарий: Нет подписи директора на протоколе" in told.plain_text
        await wait_message(running.api, olga.id, containing("Отчётов на проверке нет."))
        await settled(running)

        # /tasks: the activity is to be done again, the card says why.
        anna.send_text("/tasks")
        (listing,) = await anna.wait_sent()
        total = len(await school_assignments(running, SCHOOL_1))
        assert tasks_header(total) in listing.plain_text  # all to be done again
        assert listing.buttons[0][0].startswith("↩️ 3. ")
        anna.press(listing, listing.buttons[0][1])
        (task_card,) = await anna.wait_sent()
        assert "Статус: ↩️ на доработке" in task_card.plain_text
        assert "↩️ Куратор вернул на доработку: Нет подписи директора" in task_card.plain_text
        assert with_button(MARK_DONE)(task_card)

        # A corrected file for it, sent again.
        anna.send_photo(caption="выполнено 3, с подписью")
        (again,) = await anna.wait_sent()
        assert f"📎 Подтверждение выполнения: {ACTIVITY_3}" in again.plain_text
        receipt = await send_and_receipt(anna, again)
        assert "1 файл, " in receipt.plain_text

        first, second = await all_rows(running, Submission)
        assert first.state is SubmissionState.RETURNED
        assert first.review_comment == "Нет подписи директора на протоколе"
        assert second.state is SubmissionState.SUBMITTED
        assert second.assignment_id == first.assignment_id
        assert second.comment == "с подписью"
        (assignment,) = await all_rows(running, Assignment, Assignment.id == first.assignment_id)
        assert assignment.status is AssignmentStatus.SUBMITTED


# --------------------------------------------------------------------------- 10. /cancel


@TRAVEL
async def test_cancel_command_drops_the_draft(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)
        anna.send_photo(caption="выполнено 3")
        await anna.wait_sent()
        await downloads_settled(running)
        (evidence,) = await all_rows(running, EvidenceFile)
        stored = running.settings.evidence_dir / evidence.stored_path
        assert stored.is_file()

        anna.send_text("/cancel")
        (done,) = await anna.wait_sent()
        assert done.plain_text == "Отменено."
        (draft,) = await all_rows(running, Submission)
        assert draft.state is SubmissionState.CANCELLED

        anna.send_text("/cancel")
        (nothing,) = await anna.wait_sent()
        assert nothing.plain_text == "Отменять нечего."


@TRAVEL
async def test_cancel_command_deletes_the_drafts_files(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)
        anna.send_photo(caption="выполнено 3")
        await anna.wait_sent()
        await downloads_settled(running)
        (evidence,) = await all_rows(running, EvidenceFile)
        stored = running.settings.evidence_dir / evidence.stored_path
        assert stored.is_file()

        anna.send_text("/cancel")
        (done,) = await anna.wait_sent()
        assert done.plain_text == "Отменено."
        assert not stored.exists()


@TRAVEL
async def test_cancel_button_drops_the_draft_and_its_files(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)
        anna.send_photo(caption="выполнено 3")
        (prompt,) = await anna.wait_sent()
        await downloads_settled(running)
        (evidence,) = await all_rows(running, EvidenceFile)
        stored = running.settings.evidence_dir / evidence.stored_path
        assert stored.is_file()

        anna.press(prompt, button_text=CANCEL)
        (dropped,) = await anna.wait_sent()
        assert dropped.plain_text == "Черновик удалён, файлы из него не сохранены."
        (draft,) = await all_rows(running, Submission)
        assert draft.state is SubmissionState.CANCELLED
        assert not stored.exists()

        # The old prompt's «Отправить» is stale now.
        answer = await answer_to(running.api, anna.press(prompt, button_text=SEND))
        assert "уже отправлен или удалён" in answer.get("text", "")
        (draft,) = await all_rows(running, Submission)
        assert draft.state is SubmissionState.CANCELLED


# --------------------------------------------------------------------------- 11. too large


@TRAVEL
@pytest.mark.parametrize("kind", ["document", "photo"])
async def test_file_over_20_mb_is_refused(tmp_path, kind):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)
        if kind == "document":
            anna.send_document(
                file_name="видео-урок.pdf", caption="выполнено 3", file_size=25 * 1024 * 1024
            )
        else:
            anna.send_photo(caption="выполнено 3", file_size=25 * 1024 * 1024)
        (refusal,) = await anna.wait_sent()
        assert "Файл слишком большой (25 МБ)" in refusal.plain_text
        assert "до 20 МБ" in refusal.plain_text
        await settled(running)
        assert await count(running, Submission) == 0
        assert await count(running, EvidenceFile) == 0
        assert running.api.calls("getFile") == []


# --------------------------------------------------------------------------- 12. duplicates


@TRAVEL
async def test_the_same_update_twice_stores_one_file(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)
        mark = running.api.mark()
        message = anna.send_photo(caption="выполнено 3")
        again = running.api.enqueue_update({"message": dict(message)})
        assert again != message.update_id
        await settled(running)

        answers = running.api.sent_messages(ANNA, since=mark)
        assert answers and all(APOLOGY not in m.plain_text for m in answers), [
            m.plain_text for m in answers
        ]
        (draft,) = await all_rows(running, Submission)
        await downloads_settled(running)
        (evidence,) = await all_rows(running, EvidenceFile)
        assert evidence.submission_id == draft.id
        assert len(running.api.calls("getFile")) == 1


# --------------------------------------------------------------------------- 13. languages


@TRAVEL
async def test_english_coordinator(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)
        anna.send_text("/lang")
        (choose,) = await anna.wait_sent()
        anna.press(choose, button_text="English")
        (chosen,) = await anna.wait_sent()
        assert "Done: I will speak English now." in chosen.plain_text

        anna.send_text("/tasks")
        (listing,) = await anna.wait_sent()
        total = len(await school_assignments(running, SCHOOL_1))
        assert f"📋 The school's activities: {total} ({total} to do)" in listing.plain_text
        assert "Page 1 of 2" in listing.plain_text
        assert "by 30.09.2021 · 10 days left" in listing.plain_text
        assert with_button("Next ▶️")(listing)

        anna.send_photo()
        (question,) = await anna.wait_sent()
        assert "📎 1 file received. Which activity is it for?" in question.plain_text
        anna.press(question, question.buttons[0][1])
        (prompt,) = await anna.wait_sent()
        assert f"📎 Confirmation of: {ACTIVITY_3}" in prompt.plain_text
        assert "(by 30.09.2021)" in prompt.plain_text and "Files: 1" in prompt.plain_text
        assert [label for label, _ in prompt.buttons] == [
            "📤 Send",
            "✖️ Cancel",
            "🔄 Another activity",
        ]
        anna.press(prompt, button_text="📤 Send")
        (receipt,) = await anna.wait_sent()
        assert f"✅ Sent for review: {ACTIVITY_3}" in receipt.plain_text
        assert "1 file, " in receipt.plain_text
        assert RECEIPT_TIME.search(receipt.plain_text)
        assert "The supervisor will review it and answer here." in receipt.plain_text


@TRAVEL
async def test_receipts_use_russian_plural_forms(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)

        # Any of the words, in any case; the number after it names the activity.
        for caption, number, files, words in (
            ("выполнено 3", "3", 1, "1 файл, "),
            ("ГОТОВО 4", "4", 2, "2 файла, "),
            ("Сделано 11", "11", 5, "5 файлов, "),
        ):
            anna.send_photo(caption=caption)
            (prompt,) = await anna.wait_sent()
            assert f"{number}. " in prompt.plain_text
            for n in range(2, files + 1):
                anna.send_photo(content=DEFAULT_PHOTO + bytes([n]))
                (prompt,) = await anna.wait_sent()
                assert f"Файлов: {n}" in prompt.plain_text
            receipt = await send_and_receipt(anna, prompt)
            assert words in receipt.plain_text, receipt.plain_text

        states = [s.state for s in await all_rows(running, Submission)]
        assert states == [SubmissionState.SUBMITTED] * 3
        assert await count(running, EvidenceFile) == 8


# --------------------------------------------------------------------------- 14. text only


@TRAVEL
async def test_text_done_replying_to_a_card_then_comment_then_send(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)
        card = await open_card(running, anna, "3")

        anna.reply(card, "выполнено")
        (prompt,) = await anna.wait_sent()
        assert f"📎 Подтверждение выполнения: {ACTIVITY_3}" in prompt.plain_text
        assert "Файлов: 0" in prompt.plain_text
        assert "Пришлите фото или документ, подтверждающий выполнение" in prompt.plain_text
        assert not with_button(SEND)(prompt)
        (draft,) = await all_rows(running, Submission)
        assert draft.state is SubmissionState.DRAFT
        assert draft.assignment_id == await assignment_of(running, SCHOOL_1, "3")

        anna.send_text("Приказ размещён на сайте школы")
        (prompt,) = await anna.wait_sent()
        assert "Комментарий: Приказ размещён на сайте школы" in prompt.plain_text
        assert "Можно прислать ещё фото, документы или текст комментария" in prompt.plain_text

        receipt = await send_and_receipt(anna, prompt)
        assert ACTIVITY_3 in receipt.plain_text
        assert "0 файлов, " in receipt.plain_text
        (sent,) = await all_rows(running, Submission)
        assert sent.state is SubmissionState.SUBMITTED
        assert sent.comment == "Приказ размещён на сайте школы"
        assert await count(running, EvidenceFile) == 0


# --------------------------------------------------------------------------- the card's button


@TRAVEL
async def test_mark_done_button_then_a_photo_then_send(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)
        card = await open_card(running, anna, "5")

        anna.press(card, button_text=MARK_DONE)
        (prompt,) = await anna.wait_sent()
        assert "📎 Подтверждение выполнения: 5. Формирование социального паспорта" in (
            prompt.plain_text
        )
        assert "(с 01.09.2021 по 30.11.2021)" in prompt.plain_text
        assert "Файлов: 0" in prompt.plain_text
        assert [label for label, _ in prompt.buttons] == [CANCEL, OTHER]  # nothing to send yet

        anna.send_photo()  # no caption, no reply: the draft already says which activity
        (prompt,) = await anna.wait_sent()
        assert "5. Формирование социального паспорта" in prompt.plain_text
        assert "Файлов: 1" in prompt.plain_text
        receipt = await send_and_receipt(anna, prompt)
        assert "5. Формирование социального паспорта" in receipt.plain_text
        assert "1 файл, " in receipt.plain_text
        (sent,) = await all_rows(running, Submission)
        assert sent.assignment_id == await assignment_of(running, SCHOOL_1, "5")
        assert sent.state is SubmissionState.SUBMITTED


@TRAVEL
async def test_another_activity_asks_again(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, SCHOOL_1)
        anna.send_photo(caption="выполнено 3")
        (prompt,) = await anna.wait_sent()
        assert ACTIVITY_3 in prompt.plain_text

        anna.press(prompt, button_text=OTHER)
        (question,) = await anna.wait_sent()
        assert "📎 Получен 1 файл. К какому мероприятию он относится?" in question.plain_text
        (draft,) = await all_rows(running, Submission)
        assert draft.assignment_id is None and len(await all_rows(running, EvidenceFile)) == 1

        four = next(data for label, data in question.buttons if label.startswith("⚪️ 4. "))
        anna.press(question, four)
        (prompt,) = await anna.wait_sent()
        assert "📎 Подтверждение выполнения: 4. Сбор дополнительных сведений" in prompt.plain_text
        assert "Файлов: 1" in prompt.plain_text
        receipt = await send_and_receipt(anna, prompt)
        assert "4. Сбор дополнительных сведений" in receipt.plain_text
        (sent,) = await all_rows(running, Submission)
        assert sent.assignment_id == await assignment_of(running, SCHOOL_1, "4")
