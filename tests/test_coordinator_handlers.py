"""Narrow coordinator cases through ``dp.feed_update`` (STYLE.md point 10).

The production dispatcher (bot/factory.py) on a real database, with a Bot whose session records
every request instead of calling Telegram. A handler's returned answer is what ``feed_update``
returns; what the bot sent on its own (an alert under a button, a refusal) is in the session's
requests. For cases where a whole journey over the fake Bot API would be more than they need.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import CallbackQuery, Chat, Document, Message, Update
from aiogram.types import User as TgUser
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.factory import create_dispatcher
from bot.settings import load_settings
from handlers.callbacks import DraftCb
from models import EvidenceFile, Municipality, Role, School, SchoolKind, Submission, User
from models.base import SubmissionState
from services.i18n import Texts

TOKEN = "4242:AAFakeTokenForFeedUpdateTests"
ANNA = 2001
BORIS = 2002
STRANGER = 3001
_IDS = itertools.count(1)


class RecordingSession(BaseSession):
    """A Bot API that answers every request at once and keeps it for the test to look at."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109  (aiogram's signature)
    ) -> Any:
        self.requests.append(method)
        if isinstance(method, SendMessage):
            return Message(
                message_id=next(_IDS),
                date=datetime.now(UTC),
                chat=Chat(id=int(method.chat_id), type="private"),
                text=method.text,
            )
        return True

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncIterator[bytes]:
        raise AssertionError("nothing is downloaded in these cases")
        yield b""  # pragma: no cover

    async def close(self) -> None:
        pass

    def of(self, kind: type[TelegramMethod[Any]]) -> list[Any]:
        return [request for request in self.requests if isinstance(request, kind)]


@dataclass
class Harness:
    dispatcher: Dispatcher
    bot: Bot
    api: RecordingSession
    sessions: async_sessionmaker[AsyncSession]
    texts: Texts

    async def feed(self, **update: Any) -> Any:
        return await self.dispatcher.feed_update(self.bot, Update(update_id=next(_IDS), **update))

    async def count(self, model: Any, *where: Any) -> int:
        async with self.sessions() as session:
            return await session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
async def harness(
    tmp_path: Path, db_url: str, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Harness]:
    settings = load_settings(
        _env_file=None,
        BOT_TOKEN=TOKEN,
        DATA_DIR=tmp_path / "data",
        DATABASE_URL=db_url,
        TIMEZONE="Asia/Chita",
    )
    texts = Texts(default_locale="ru")
    api = RecordingSession()
    bot = Bot(TOKEN, session=api, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    dispatcher = create_dispatcher(settings, sessions, texts, bot, with_scheduler=False)
    yield Harness(dispatcher, bot, api, sessions, texts)
    await dispatcher.storage.close()


def tg_user(telegram_id: int) -> TgUser:
    return TgUser(id=telegram_id, is_bot=False, first_name=f"User {telegram_id}")


def message(telegram_id: int, **fields: Any) -> Message:
    return Message(
        message_id=next(_IDS),
        date=datetime.now(UTC),
        chat=Chat(id=telegram_id, type="private"),
        from_user=tg_user(telegram_id),
        **fields,
    )


def press(telegram_id: int, data: str) -> CallbackQuery:
    return CallbackQuery(
        id=str(next(_IDS)),
        from_user=tg_user(telegram_id),
        chat_instance="test",
        message=message(telegram_id, text="an earlier prompt"),
        data=data,
    )


async def school_with_coordinators(sessions: async_sessionmaker[AsyncSession]) -> dict[int, int]:
    """One school, two coordinators (Anna, Boris): telegram id → user id."""
    async with sessions() as session:
        municipality = Municipality(name="Test district", timezone="Asia/Chita")
        session.add(municipality)
        await session.flush()
        school = School(
            municipality_id=municipality.id,
            name="School 1",
            name_key="school 1",
            kind=SchoolKind.SHNOR,
        )
        session.add(school)
        await session.flush()
        ids = {}
        for telegram_id in (ANNA, BORIS):
            user = User(
                platform_user_id=telegram_id,
                chat_id=telegram_id,
                full_name=f"User {telegram_id}",
                role=Role.COORDINATOR,
                municipality_id=municipality.id,
                school_id=school.id,
            )
            session.add(user)
            await session.flush()
            ids[telegram_id] = user.id
        await session.commit()
    return ids


async def a_draft(
    sessions: async_sessionmaker[AsyncSession], user_id: int, state: SubmissionState
) -> int:
    async with sessions() as session:
        user = await session.get(User, user_id)
        assert user is not None and user.school_id is not None
        draft = Submission(school_id=user.school_id, user_id=user_id, state=state)
        session.add(draft)
        await session.commit()
        return draft.id


async def test_a_strangers_tasks_is_told_how_to_join(harness: Harness):
    t = harness.texts.for_locale("ru")
    answer = await harness.feed(message=message(STRANGER, text="/tasks"))
    assert isinstance(answer, SendMessage)
    assert answer.chat_id == STRANGER
    assert answer.text == (
        t("command-for-coordinators", command="tasks") + "\n\n" + t("command-next-stranger")
    )
    assert harness.api.requests == []  # the answer is the handler's result, sent by the runner
    async with harness.sessions() as session:
        stranger = await session.scalar(select(User).where(User.platform_user_id == STRANGER))
    assert stranger is not None and stranger.role is None and stranger.school_id is None


@pytest.mark.parametrize("state", [SubmissionState.CANCELLED, SubmissionState.SUBMITTED])
@pytest.mark.parametrize("action", ["send", "cancel", "other", "pick"])
async def test_a_stale_draft_button_is_refused_and_changes_nothing(
    harness: Harness, state: SubmissionState, action: str
):
    ids = await school_with_coordinators(harness.sessions)
    draft_id = await a_draft(harness.sessions, ids[ANNA], state)
    data = DraftCb(action=action, draft_id=draft_id).pack()

    await harness.feed(callback_query=press(ANNA, data))
    (alert,) = harness.api.of(AnswerCallbackQuery)
    assert alert.show_alert is True
    assert alert.text == harness.texts.get("draft-stale", "ru")
    assert harness.api.of(SendMessage) == []
    assert await harness.count(Submission, Submission.state == state) == 1
    assert await harness.count(Submission) == 1


async def test_another_coordinators_draft_button_says_not_yours(harness: Harness):
    ids = await school_with_coordinators(harness.sessions)
    borises = await a_draft(harness.sessions, ids[BORIS], SubmissionState.DRAFT)

    await harness.feed(
        callback_query=press(ANNA, DraftCb(action="cancel", draft_id=borises).pack())
    )
    (alert,) = harness.api.of(AnswerCallbackQuery)
    assert alert.show_alert is True
    assert alert.text == harness.texts.get("button-not-yours", "ru")
    assert await harness.count(Submission, Submission.state == SubmissionState.DRAFT) == 1


async def test_a_file_over_the_download_limit_is_refused_before_anything_is_written(
    harness: Harness,
):
    await school_with_coordinators(harness.sessions)
    document = Document(
        file_id="big-file",
        file_unique_id="big-file-unique",
        file_name="scan.pdf",
        mime_type="application/pdf",
        file_size=25 * 1024 * 1024,
    )
    await harness.feed(message=message(ANNA, document=document, caption="done"))

    (refusal,) = harness.api.of(SendMessage)
    assert refusal.chat_id == ANNA
    assert refusal.text == harness.texts.get("evidence-too-large", "ru", size_mb=25.0, limit_mb=20)
    assert "до 20 МБ" in refusal.text and "(25 МБ)" in refusal.text
    assert await harness.count(Submission) == 0
    assert await harness.count(EvidenceFile) == 0
