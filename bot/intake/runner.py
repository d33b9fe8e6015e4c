"""The update runner: the inbox and the concurrency control around ``feed_update``."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.intake.concurrency import FloodGate, InFlight, PersonalOrder, sender_of
from bot.intake.inbox import Inbox
from bot.logging import update_context
from services.i18n import Texts

log = logging.getLogger(__name__)


class UpdateRunner:
    """Accepts updates (polling or webhook), stores them in the inbox and handles each once.

    ``concurrency``: handlers running at once; ``per_user_per_minute``: one person's updates
    a minute beyond which they are dropped (:attr:`dropped` counts them).
    """

    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        sessions: async_sessionmaker[AsyncSession],
        texts: Texts,
        *,
        concurrency: int = 100,
        per_user_per_minute: int = 60,
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.texts = texts
        self.inbox = Inbox(sessions, bot.id)
        self.in_flight = InFlight(concurrency)
        self.order = PersonalOrder(bot.id)
        self.gate = FloodGate(per_user_per_minute)
        self.dropped = 0

    async def accept(self, updates: list[Update]) -> list[Update]:
        """Store the updates durably, then start handling the ones not seen before (returned).
        Raises what the database raises: then the updates must not be acknowledged."""
        fresh = await self.inbox.store(updates)
        for item in fresh:
            self._spawn(item)
        return fresh

    async def recover(self, *, all_pending: bool) -> int:
        """Handle what was stored but not handled (a crash, a restart); returns how many.
        With replicas behind a webhook only rows nobody has touched for a while are taken
        (``all_pending=False``)."""
        taken = await self.inbox.claim_unhandled(all_pending=all_pending)
        for payload in taken:
            self._spawn(Update.model_validate(payload, context={"bot": self.bot}))
        if taken:
            log.info("recovered %d stored update(s) that were not handled", len(taken))
        return len(taken)

    def _spawn(self, item: Update) -> None:
        self.in_flight.spawn(self._handle(item), name=f"update:{item.update_id}")

    async def idle(self) -> None:
        """Until every update received so far has been handled."""
        await self.in_flight.idle()

    async def drain(self, timeout: float) -> None:  # noqa: ASYNC109
        """Let handlers in flight finish (graceful shutdown), at most ``timeout`` seconds."""
        await self.in_flight.drain(timeout)

    async def _handle(self, item: Update) -> None:
        user_id = sender_of(item)
        if user_id is not None and not await self.gate.allow(user_id):
            await self._refuse_flood(item.update_id, user_id)
            return
        error: str | None = None
        async with self.order.turn(user_id), self.in_flight.slots:
            with update_context(item.update_id, user_id):
                try:
                    result = await self.dispatcher.feed_update(self.bot, item)
                    if isinstance(result, TelegramMethod):
                        await self.dispatcher.silent_call_request(bot=self.bot, result=result)
                except Exception as exc:  # the error handlers already ran; keep the loop alive
                    error = type(exc).__name__
                    log.exception("update %s failed", item.update_id)
        await self.inbox.mark_handled(item.update_id, error)

    async def _refuse_flood(self, update_id: int, user_id: int) -> None:
        self.dropped += 1
        if self.gate.should_warn(user_id):
            with contextlib.suppress(Exception):
                await self.bot.send_message(user_id, self.texts.get("flood-slow-down"))
        await self.inbox.mark_handled(update_id, "flood")
