"""Outgoing messages stay under Telegram's limits, and answers obey «retry after N seconds».

Every message the bot sends — a handler's answer or a paced reminder — passes one process-wide
limiter a little under Telegram's 30 messages a second. The paced sender keeps itself to
25/s, so during a fan-out to a region the answers to people writing in still fit; before, they
met the global limit, were refused three times and were lost (bench/loop_lag.py).

A supervisor who presses a button right after the bot's previous message may meet Telegram's
per-chat limit (about one message a second): the answer is refused with 429 and a wait. Without
this, the handler failed and, for example, the export never started. A refused request was not
carried out, so sending it again after the wait cannot double anything.

The paced sender (reminders, broadcasts) handles 429 itself — it pauses every send, not only
the refused one — and marks its requests with :data:`PACED`: they pass the limiter but are not
retried here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiolimiter import AsyncLimiter
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
)

log = logging.getLogger(__name__)

PACED: ContextVar[bool] = ContextVar("paced_by_sender", default=False)
ATTEMPTS = 5
LONGEST_WAIT = 30.0  # seconds; a longer ban is not waited out inside a handler
MESSAGES_PER_SECOND = 29  # Telegram: about 30 a second to different chats, bot-wide


def _wait(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    return float(error.retry_after) if isinstance(error, TelegramRetryAfter) else 1.0


def _give_up(state: RetryCallState) -> bool:
    error = state.outcome.exception() if state.outcome else None
    too_long = isinstance(error, TelegramRetryAfter) and error.retry_after > LONGEST_WAIT
    return too_long or stop_after_attempt(ATTEMPTS)(state)


def sends_a_message(method: TelegramMethod[Any]) -> bool:
    name = type(method).__name__
    return name.startswith(("Send", "Copy", "Forward")) and name != "SendChatAction"


class FloodWaitMiddleware(BaseRequestMiddleware):
    def __init__(self, per_second: int = MESSAGES_PER_SECOND) -> None:
        self.outgoing = AsyncLimiter(1, 1 / per_second)  # evenly spaced, no bursts

    async def __call__(
        self,
        make_request: Callable[[Bot, TelegramMethod[Any]], Awaitable[Any]],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Any:
        if PACED.get():
            return await self._send(make_request, bot, method)
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(TelegramRetryAfter),
            wait=_wait,
            stop=_give_up,
            reraise=True,
            before_sleep=lambda state: log.info(
                "Telegram asked to wait %.0f s before %s", _wait(state), type(method).__name__
            ),
        ):
            with attempt:
                return await self._send(make_request, bot, method)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _send(
        self,
        make_request: Callable[[Bot, TelegramMethod[Any]], Awaitable[Any]],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Any:
        if sends_a_message(method):
            await self.outgoing.acquire()
        return await make_request(bot, method)
