"""One unit of work per update (bot/middlewares/db.py), fed straight to a dispatcher.

A handler that raises leaves nothing behind, and the error handlers run after the rollback; the
FSM storage reads and writes the conversation state in the update's own transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.dispatcher.middlewares.error import ErrorsMiddleware
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.types import ErrorEvent, Message, Update
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.middlewares.db import CURRENT_SESSION, DbSessionMiddleware, install
from bot.storage import DatabaseStorage
from models import AuditLog, ConversationState
from services.errors import DomainError

TOKEN = "123456:AAFakeTokenForTests_unitofwork"
USER_ID = 7


def _message_update(text: str, update_id: int = 1) -> Update:
    person = {"id": USER_ID, "is_bot": False, "first_name": "Анна"}
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(datetime(2025, 1, 1).timestamp()),
                "chat": {"id": USER_ID, "type": "private", "first_name": "Анна"},
                "from": person,
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
            },
        }
    )


class RecordingStorage(DatabaseStorage):
    """The database storage, noting which session each read of the state used."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(sessions)
        self.read_in: list[AsyncSession | None] = []

    async def get_state(self, key: Any) -> str | None:
        self.read_in.append(CURRENT_SESSION.get())
        return await super().get_state(key)


def _dispatcher(sessions: async_sessionmaker[AsyncSession], seen: dict[str, Any]) -> Dispatcher:
    dispatcher = Dispatcher(storage=RecordingStorage(sessions))
    install(dispatcher, DbSessionMiddleware(sessions))
    router = Router()

    @router.message(Command("fail"))
    async def fail(message: Message, session: AsyncSession, state: FSMContext) -> None:
        session.add(AuditLog(action="half-done"))
        await session.flush()
        await state.set_state("somewhere")
        raise DomainError("task-not-found")

    @router.message(Command("work"))
    async def work(message: Message, session: AsyncSession, state: FSMContext) -> None:
        seen["handler_session"] = session
        session.add(AuditLog(action="done"))
        await state.set_state("somewhere")

    @router.errors()
    async def on_error(event: ErrorEvent, session: AsyncSession) -> bool:
        seen["error"] = event.exception
        seen["in_transaction"] = session.in_transaction()
        seen["pending"] = list(session.new)
        seen["current_session"] = CURRENT_SESSION.get()
        async with sessions() as other:  # would wait on SQLite's write lock if still held
            seen["rows_seen"] = await other.scalar(select(func.count()).select_from(AuditLog))
            await other.rollback()
        return True

    dispatcher.include_router(router)
    return dispatcher


async def _count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_failing_handler_is_rolled_back_before_the_error_handlers(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    seen: dict[str, Any] = {}
    dispatcher = _dispatcher(sessions, seen)
    bot = Bot(TOKEN)
    try:
        await dispatcher.feed_update(bot, _message_update("/fail"))
    finally:
        await bot.session.close()

    assert isinstance(seen["error"], DomainError)
    assert seen["in_transaction"] is False
    assert seen["pending"] == []
    assert seen["current_session"] is None
    assert seen["rows_seen"] == 0
    assert await _count(sessions, AuditLog) == 0
    assert await _count(sessions, ConversationState) == 0


async def test_the_conversation_state_is_read_and_written_in_the_updates_transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    seen: dict[str, Any] = {}
    dispatcher = _dispatcher(sessions, seen)
    bot = Bot(TOKEN)
    try:
        await dispatcher.feed_update(bot, _message_update("/work"))
    finally:
        await bot.session.close()

    storage = dispatcher.fsm.storage
    assert isinstance(storage, RecordingStorage)
    assert storage.read_in == [seen["handler_session"]]  # aiogram's raw_state read included
    assert await _count(sessions, AuditLog) == 1
    async with sessions() as session:
        states = (await session.scalars(select(ConversationState.state))).all()
    assert states == ["somewhere"]


async def test_the_production_dispatcher_orders_its_update_middlewares(tmp_path) -> None:
    from bot.factory import create_dispatcher
    from bot.middlewares.private_chats import PrivateChatsOnly
    from bot.middlewares.user import UserMiddleware
    from bot.settings import load_settings
    from models.db import create_engine, make_sessionmaker
    from services.i18n import Texts

    settings = load_settings(_env_file=None, BOT_TOKEN=TOKEN, DATA_DIR=tmp_path)
    engine = create_engine(settings.DATABASE_URL)
    bot = Bot(TOKEN)
    try:
        dispatcher = create_dispatcher(
            settings, make_sessionmaker(engine), Texts(), bot, with_scheduler=False
        )
        kinds = [type(m) for m in dispatcher.update.outer_middleware]
    finally:
        await bot.session.close()
        await engine.dispose()
    assert kinds == [
        ErrorsMiddleware,  # outermost: error handlers run after the unit of work ended
        UserContextMiddleware,
        PrivateChatsOnly,  # nothing from a group reaches the unit of work
        DbSessionMiddleware,
        FSMContextMiddleware,  # the state is read inside the unit of work
        UserMiddleware,
    ]
