"""A Bot whose session answers in process (aiogram's ``MockedBot`` pattern): for narrow handler
tests with ``Dispatcher.feed_update``, where the fake server over HTTP is more than needed.

Every call is recorded in :attr:`MockedSession.requests`; ``sendMessage`` answers with the
message it would have created, any other method with ``True``.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Chat, Message

TOKEN = "123456:AAFakeTokenForTests_mockedbot"


class MockedSession(BaseSession):
    """Records requests instead of sending them."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self._message_ids = itertools.count(1)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 — aiogram's signature
    ) -> Any:
        self.requests.append(method)
        if isinstance(method, SendMessage):
            return Message(
                message_id=next(self._message_ids),
                date=datetime.now(UTC),
                chat=Chat(id=int(method.chat_id), type="private"),
                text=method.text,
            )
        return True

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError("a mocked bot downloads nothing")
        yield b""  # pragma: no cover — makes this an async generator

    async def close(self) -> None:
        return None


def mocked_bot(token: str = TOKEN) -> Bot:
    """A :class:`Bot` with a :class:`MockedSession` (``bot.session.requests``)."""
    return Bot(token, session=MockedSession())
