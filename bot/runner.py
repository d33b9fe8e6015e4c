"""How updates come in and get handled, without losing or doubling any.

aiogram's own polling confirms a batch of updates (by asking for the next one) before their
handlers have finished, so a crash could drop what a person just sent. Here every update is
first written to the database inbox — before the next getUpdates confirms it, or before a
webhook request is answered — and marked when handled. The same update delivered twice finds
its row and is skipped; after a crash, what was stored but not handled is handled at the next
start.

Handling is concurrent but bounded (MAX_CONCURRENT_UPDATES), polling waits while too much is
in flight, and one person sending thousands of messages is slowed down on their own
(USER_UPDATES_PER_MINUTE) without delaying anybody else. One person's updates are handled one at
a time, in the order they were sent: ten photos land in the draft in their order, and they do
not take ten handler slots to wait on each other's rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from datetime import timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramRetryAfter, TelegramUnauthorizedError
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiolimiter import AsyncLimiter
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.logging import update_context
from models import UpdateInbox, utcnow
from models.upsert import insert_ignore
from services.i18n import Texts

log = logging.getLogger(__name__)
# However long Telegram was unreachable, people are answered again within this many seconds.
LONGEST_POLL_BACKOFF = 10.0

MAX_ATTEMPTS = 3
STALE = timedelta(minutes=2)
WARN_EVERY_SECONDS = 60.0
MARKS_PER_STATEMENT = 500


def sender_of(update: Update) -> int | None:
    for event in (
        update.message,
        update.edited_message,
        update.callback_query,
        update.my_chat_member,
    ):
        person = getattr(event, "from_user", None)
        if person is not None:
            return person.id
    return None


class FloodGate:
    """Per person: at most ``per_minute`` updates; beyond that they are dropped (once a minute
    the person is told to slow down)."""

    def __init__(self, per_minute: int, capacity: int = 50_000) -> None:
        self.per_minute = per_minute
        self.capacity = capacity
        self._limiters: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._warned: dict[int, float] = {}

    async def allow(self, user_id: int) -> bool:
        limiter = self._limiters.get(user_id)
        if limiter is None:
            limiter = AsyncLimiter(self.per_minute, 60)
            self._limiters[user_id] = limiter
            while len(self._limiters) > self.capacity:
                old, _ = self._limiters.popitem(last=False)
                self._warned.pop(old, None)
        else:
            self._limiters.move_to_end(user_id)
        if not limiter.has_capacity():
            return False
        await limiter.acquire()  # there is room: returns at once
        return True

    def should_warn(self, user_id: int) -> bool:
        now = time.monotonic()
        if now - self._warned.get(user_id, -WARN_EVERY_SECONDS) < WARN_EVERY_SECONDS:
            return False
        self._warned[user_id] = now
        return True


class UpdateRunner:
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
        self.sessions = sessions
        self.texts = texts
        self.concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._room = asyncio.Event()  # set while fewer than 2 × concurrency updates are in flight
        self._room.set()
        self.gate = FloodGate(per_user_per_minute)
        self.one_at_a_time = SimpleEventIsolation()
        self._marks: list[tuple[int, str | None, asyncio.Future[None]]] = []
        self._marking: asyncio.Task[None] | None = None
        self.dropped = 0

    # ---------------------------------------------------------------- storing

    async def accept(self, updates: list[Update]) -> list[Update]:
        """Store the updates durably, then start handling the ones not seen before."""
        if not updates:
            return []
        now = utcnow()
        async with self.sessions() as session:
            result = await session.execute(
                insert_ignore(session, UpdateInbox)
                .values(
                    [
                        {
                            "bot_id": self.bot.id,
                            "update_id": u.update_id,
                            "payload": u.model_dump(
                                mode="json", exclude_none=True, exclude_defaults=True
                            ),
                            "received_at": now,
                            "started_at": now,
                            "attempts": 1,
                        }
                        for u in updates
                    ]
                )
                .on_conflict_do_nothing(index_elements=["bot_id", "update_id"])
                .returning(UpdateInbox.update_id)
            )
            new = set(result.scalars().all())
            await session.commit()
        fresh = [u for u in updates if u.update_id in new]
        if len(fresh) < len(updates):
            log.info("skipped %d update(s) delivered again", len(updates) - len(fresh))
        for item in fresh:
            self._spawn(item)
        return fresh

    async def recover(self, *, all_pending: bool) -> int:
        """Handle what was stored but not handled (a crash, a restart). With replicas behind a
        webhook only rows nobody has touched for a while are taken (``all_pending=False``)."""
        now = utcnow()
        async with self.sessions() as session:
            query = select(UpdateInbox.update_id, UpdateInbox.payload).where(
                UpdateInbox.bot_id == self.bot.id, UpdateInbox.processed_at.is_(None)
            )
            if not all_pending:
                query = query.where(UpdateInbox.started_at < now - STALE)
            rows = (await session.execute(query.order_by(UpdateInbox.update_id))).all()
            taken = []
            for update_id, payload in rows:
                claim = await session.execute(
                    update(UpdateInbox)
                    .where(
                        UpdateInbox.bot_id == self.bot.id,
                        UpdateInbox.update_id == update_id,
                        UpdateInbox.processed_at.is_(None),
                    )
                    .values(started_at=now, attempts=UpdateInbox.attempts + 1)
                    .returning(UpdateInbox.attempts)
                )
                attempts = claim.scalar_one_or_none()
                if attempts is None:
                    continue
                if attempts > MAX_ATTEMPTS:
                    await session.execute(
                        update(UpdateInbox)
                        .where(
                            UpdateInbox.bot_id == self.bot.id, UpdateInbox.update_id == update_id
                        )
                        .values(processed_at=now, error="gave up after repeated failures")
                    )
                    log.error("update %s failed %d times; given up", update_id, MAX_ATTEMPTS)
                    continue
                taken.append(payload)
            await session.commit()
        for payload in taken:
            self._spawn(Update.model_validate(payload, context={"bot": self.bot}))
        if taken:
            log.info("recovered %d stored update(s) that were not handled", len(taken))
        return len(taken)

    # ---------------------------------------------------------------- handling

    def _spawn(self, item: Update) -> None:
        self._idle.clear()
        if len(self._tasks) + 1 >= 2 * self.concurrency:
            self._room.clear()
        task = asyncio.create_task(self._handle(item), name=f"update:{item.update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if len(self._tasks) < 2 * self.concurrency:
            self._room.set()
        if not self._tasks:
            self._idle.set()

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def idle(self) -> None:
        """Until every update received so far has been handled."""
        await self._idle.wait()

    async def _handle(self, item: Update) -> None:
        user_id = sender_of(item)
        error: str | None = None
        if user_id is not None and not await self.gate.allow(user_id):
            self.dropped += 1
            if self.gate.should_warn(user_id):
                with contextlib.suppress(Exception):
                    await self.bot.send_message(user_id, self.texts.get("flood-slow-down"))
            await self._done(item.update_id, "flood")
            return
        async with self._in_order(user_id), self._slots:
            with update_context(item.update_id, user_id):
                try:
                    result = await self.dispatcher.feed_update(self.bot, item)
                    if isinstance(result, TelegramMethod):
                        await self.dispatcher.silent_call_request(bot=self.bot, result=result)
                except Exception as exc:  # the error handlers already ran; keep the loop alive
                    error = type(exc).__name__
                    log.exception("update %s failed", item.update_id)
        await self._done(item.update_id, error)

    def _in_order(self, user_id: int | None) -> contextlib.AbstractAsyncContextManager[None]:
        if user_id is None:
            return contextlib.nullcontext()
        key = StorageKey(bot_id=self.bot.id, chat_id=user_id, user_id=user_id)
        return self.one_at_a_time.lock(key)

    async def _done(self, update_id: int, error: str | None) -> None:
        """Mark the update handled. Marks made while a write is waiting for the database go
        out together in one transaction (a group commit), and this returns once it is done."""
        marked = asyncio.get_running_loop().create_future()
        self._marks.append((update_id, error, marked))
        if self._marking is None or self._marking.done():
            self._marking = asyncio.create_task(self._write_marks(), name="inbox-marks")
        await asyncio.shield(marked)

    async def _write_marks(self) -> None:
        while self._marks:
            batch, self._marks = self._marks, []
            by_error: dict[str | None, list[int]] = {}
            for update_id, error, _ in batch:
                by_error.setdefault(error, []).append(update_id)
            try:
                async with self.sessions() as session:
                    now = utcnow()
                    for error, ids in by_error.items():
                        for start in range(0, len(ids), MARKS_PER_STATEMENT):
                            await session.execute(
                                update(UpdateInbox)
                                .where(
                                    UpdateInbox.bot_id == self.bot.id,
                                    UpdateInbox.update_id.in_(
                                        ids[start : start + MARKS_PER_STATEMENT]
                                    ),
                                )
                                .values(processed_at=now, error=error)
                            )
                    await session.commit()
            except Exception:  # the database is away: the updates stay pending and are redone
                log.exception("could not mark %d update(s) handled", len(batch))
            finally:  # also when cancelled: nobody waits forever for a mark
                for _, _, marked in batch:
                    if not marked.done():
                        marked.set_result(None)

    # ---------------------------------------------------------------- polling

    async def poll(
        self,
        stop: asyncio.Event,
        *,
        polling_timeout: int = 25,
        allowed_updates: list[str] | None = None,
    ) -> None:
        offset: int | None = None
        backoff = 1.0
        while not stop.is_set():
            # Backpressure: let handling catch up before asking for more.
            if not self._room.is_set():
                room = asyncio.ensure_future(self._room.wait())
                stopping = asyncio.ensure_future(stop.wait())
                await asyncio.wait({room, stopping}, return_when=asyncio.FIRST_COMPLETED)
                room.cancel()
                stopping.cancel()
                continue
            fetch = asyncio.ensure_future(
                self.bot.get_updates(
                    offset=offset, timeout=polling_timeout, allowed_updates=allowed_updates
                )
            )
            stopping = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if fetch not in done:
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await fetch
                break
            stopping.cancel()
            try:
                updates = fetch.result()
            except TelegramUnauthorizedError:
                raise
            except Exception as exc:  # network, 5xx, 409, 429: wait and try again
                wait = float(exc.retry_after) if isinstance(exc, TelegramRetryAfter) else backoff
                log.warning("getUpdates failed (%s); retrying in %.0f s", type(exc).__name__, wait)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=wait)
                backoff = min(backoff * 2, LONGEST_POLL_BACKOFF)
                continue
            backoff = 1.0
            if not updates:
                continue
            try:
                await self.accept(list(updates))
            except Exception:  # not stored → not confirmed: Telegram will send them again
                log.exception("could not store %d update(s); they will come again", len(updates))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=backoff)
                continue
            offset = updates[-1].update_id + 1

    async def drain(self, timeout: float) -> None:  # noqa: ASYNC109
        """Let handlers in flight finish (graceful shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


async def run_polling(
    runner: UpdateRunner,
    dispatcher: Dispatcher,
    bot: Bot,
    stop: asyncio.Event,
    *,
    polling_timeout: int = 25,
    drain_timeout: float = 30,
    **workflow: Any,
) -> None:
    """The whole life of a polling bot: startup, recovery, polling until ``stop``, drain."""
    await bot.delete_webhook(drop_pending_updates=False)
    await dispatcher.emit_startup(
        bot=bot, dispatcher=dispatcher, **dispatcher.workflow_data, **workflow
    )
    try:
        await runner.recover(all_pending=True)
        await runner.poll(
            stop,
            polling_timeout=polling_timeout,
            allowed_updates=dispatcher.resolve_used_update_types(),
        )
        await runner.drain(drain_timeout)
    finally:
        await dispatcher.emit_shutdown(
            bot=bot, dispatcher=dispatcher, **dispatcher.workflow_data, **workflow
        )
