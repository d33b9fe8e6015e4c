"""One unit of work per update: one database session, committed when the handler succeeds and
rolled back when it raises.

Registered as the outermost of the project's update middlewares (:func:`install`), inside
aiogram's own ``ErrorsMiddleware``: when a handler raises, the rollback here happens before
aiogram's error handlers run (``handlers/errors.py`` answers a refused action after nothing of it
was kept). The FSM storage (``bot/storage.py``) reads and writes the conversation state through
:data:`CURRENT_SESSION`, in this same transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Dispatcher
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

# The update's session, for code that runs inside the handler but is not handed the session
# (the FSM storage): on SQLite a second transaction would wait on the first's write lock.
CURRENT_SESSION: ContextVar[AsyncSession | None] = ContextVar("current_session", default=None)


class DbSessionMiddleware(BaseMiddleware):
    """Puts ``session`` (an :class:`AsyncSession` from ``sessions``) into the handler data and
    owns its transaction: commit after the handler returns, rollback if anything raises."""

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
            except BaseException:
                await session.rollback()
                raise
            finally:
                CURRENT_SESSION.reset(token)


def install(dispatcher: Dispatcher, middleware: DbSessionMiddleware) -> None:
    """Register ``middleware`` on the dispatcher's updates ahead of aiogram's FSM middleware, so
    that the conversation state is read (``raw_state``) inside the update's unit of work too;
    aiogram's error middleware stays outside it."""
    manager = dispatcher.update.outer_middleware
    with_fsm = dispatcher.fsm in manager  # Dispatcher(disable_fsm=True) has none
    if with_fsm:
        manager.unregister(dispatcher.fsm)
    manager.register(middleware)
    if with_fsm:
        manager.register(dispatcher.fsm)
