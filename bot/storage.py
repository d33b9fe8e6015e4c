"""aiogram FSM storage in the database: a restart keeps every half-finished conversation."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.middlewares.db import CURRENT_SESSION
from models import ConversationState, utcnow


def storage_key(key: StorageKey) -> str:
    parts = [
        str(key.bot_id),
        str(key.chat_id),
        str(key.user_id),
        str(key.thread_id or ""),
        key.business_connection_id or "",
        key.destiny,
    ]
    return ":".join(parts)[:255]


class DatabaseStorage(BaseStorage):
    """Inside an update the state is read and written in the update's own transaction
    (:data:`~bot.middlewares.db.CURRENT_SESSION`, committed or rolled back with everything else
    the handler did — aiogram's own ``raw_state`` read included, see
    :func:`bot.middlewares.db.install`); outside one, each call is a short transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @contextlib.asynccontextmanager
    async def _session(self) -> AsyncIterator[tuple[AsyncSession, bool]]:
        current = CURRENT_SESSION.get()
        if current is not None:
            yield current, False
            return
        async with self.sessions() as session:
            yield session, True

    async def _row(self, session: AsyncSession, key: StorageKey) -> ConversationState | None:
        return await session.get(ConversationState, storage_key(key))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        async with self._session() as (session, own):
            row = await self._row(session, key)
            if row is None:
                if value is None:
                    return
                row = ConversationState(key=storage_key(key), data={})
                session.add(row)
            row.state = value
            row.updated_at = utcnow()
            await self._drop_if_empty(session, row)
            await (session.commit() if own else session.flush())

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._session() as (session, own):
            row = await self._row(session, key)
            value = row.state if row is not None else None
            if own:
                await session.rollback()
            return value

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        async with self._session() as (session, own):
            row = await self._row(session, key)
            if row is None:
                if not data:
                    return
                row = ConversationState(key=storage_key(key), state=None)
                session.add(row)
            row.data = dict(data)
            row.updated_at = utcnow()
            await self._drop_if_empty(session, row)
            await (session.commit() if own else session.flush())

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._session() as (session, own):
            row = await self._row(session, key)
            data = dict(row.data or {}) if row is not None else {}
            if own:
                await session.rollback()
            return data

    async def close(self) -> None:
        return None

    @staticmethod
    async def _drop_if_empty(session: AsyncSession, row: ConversationState) -> None:
        if row.state is None and not row.data:
            if row in session.new:
                session.expunge(row)
            else:
                await session.delete(row)
