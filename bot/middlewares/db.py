"""One database session per update, committed when the handler succeeds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

# The update's session, for code that runs inside the handler but is not handed the session
# (the FSM storage): on SQLite a second transaction would wait on the first's write lock.
CURRENT_SESSION: ContextVar[AsyncSession | None] = ContextVar("current_session", default=None)


class DbSessionMiddleware(BaseMiddleware):
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self.sessions() as session:
            data["session"] = session
            token = CURRENT_SESSION.set(session)
            try:
                result = await handler(event, data)
                await session.commit()
                return result
            finally:
                CURRENT_SESSION.reset(token)
