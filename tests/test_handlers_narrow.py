"""Narrow handler tests (STYLE.md point 10): one update fed straight to the production
dispatcher with ``feed_update``, a mocked Bot session, a real database migrated with Alembic.

Use these where a whole journey over the fake server is more than the case needs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Update
from sqlalchemy import select

from bot.factory import create_dispatcher
from bot.settings import load_settings
from models import User
from models.db import create_engine, make_sessionmaker
from models.migrate import upgrade_async
from services.i18n import Texts
from tests.fakes.mocked_bot import TOKEN, MockedSession, mocked_bot

STRANGER_ID = 555


def command(text: str, user_id: int, update_id: int = 1) -> Update:
    """A private message ``text`` (a command) from ``user_id``."""
    person = {"id": user_id, "is_bot": False, "first_name": "Пётр", "language_code": "ru"}
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(datetime.now().timestamp()),
                "chat": {"id": user_id, "type": "private", "first_name": "Пётр"},
                "from": person,
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
            },
        }
    )


async def feed(dispatcher: Dispatcher, bot: Bot, update: Update) -> None:
    """Handle ``update`` as the update runner does (a returned method is sent too)."""
    result = await dispatcher.feed_update(bot, update)
    if isinstance(result, TelegramMethod):
        await dispatcher.silent_call_request(bot=bot, result=result)


@pytest.fixture
async def production(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """The production dispatcher (no scheduler) on a migrated SQLite database."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'roadmap.db'}"
    await upgrade_async(url)
    settings = load_settings(
        _env_file=None, BOT_TOKEN=TOKEN, DATABASE_URL=url, DATA_DIR=tmp_path / "data"
    )
    engine = create_engine(url)
    sessions = make_sessionmaker(engine)
    texts = Texts(default_locale=settings.DEFAULT_LOCALE)
    bot = mocked_bot()
    dispatcher = create_dispatcher(settings, sessions, texts, bot, with_scheduler=False)
    try:
        yield {"dispatcher": dispatcher, "bot": bot, "sessions": sessions, "texts": texts}
    finally:
        await dispatcher.storage.close()
        await engine.dispose()


async def test_help_for_a_stranger(production: dict[str, Any]) -> None:
    bot, texts = production["bot"], production["texts"]
    await feed(production["dispatcher"], bot, command("/help", STRANGER_ID))

    session = bot.session
    assert isinstance(session, MockedSession)
    [answer] = session.requests
    assert isinstance(answer, SendMessage)
    assert answer.chat_id == STRANGER_ID
    assert answer.text == texts.for_locale("ru")("help-stranger")
    async with production["sessions"]() as db:  # the update's unit of work was committed
        person = await db.scalar(select(User).where(User.platform_user_id == STRANGER_ID))
    assert person is not None and person.role is None
