"""Concurrency control for incoming updates: how many are handled at once, in what order per
person, and how fast one person may send.

- :class:`InFlight` — the set of updates being handled: bounded handler slots, a «room» signal
  that tells polling to wait, «idle» and «drain» for tests and shutdown;
- :class:`PersonalOrder` — one person's updates one at a time, in the order they came;
- :class:`FloodGate` — at most so many updates a minute per person.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Coroutine
from typing import Any

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import Update
from aiolimiter import AsyncLimiter

WARN_EVERY_SECONDS = 60.0


def sender_of(update: Update) -> int | None:
    """The Telegram user id of whoever caused ``update``; None for updates without a person."""
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
    the person is told to slow down). Remembers at most ``capacity`` people (least recent go)."""

    def __init__(self, per_minute: int, capacity: int = 50_000) -> None:
        self.per_minute = per_minute
        self.capacity = capacity
        self._limiters: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._warned: dict[int, float] = {}

    async def allow(self, user_id: int) -> bool:
        """True if this update of ``user_id`` is within the limit (and counts it)."""
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
        """True at most once a minute per person: time to tell them to slow down."""
        now = time.monotonic()
        if now - self._warned.get(user_id, -WARN_EVERY_SECONDS) < WARN_EVERY_SECONDS:
            return False
        self._warned[user_id] = now
        return True


class PersonalOrder:
    """One person's updates one at a time, in the order they asked (``bot_id`` scopes the
    locks)."""

    def __init__(self, bot_id: int) -> None:
        self.bot_id = bot_id
        self._isolation = SimpleEventIsolation()

    def turn(self, user_id: int | None) -> contextlib.AbstractAsyncContextManager[None]:
        """Held while one update of ``user_id`` is handled; no wait for updates of nobody."""
        if user_id is None:
            return contextlib.nullcontext()
        key = StorageKey(bot_id=self.bot_id, chat_id=user_id, user_id=user_id)
        return self._isolation.lock(key)


class InFlight:
    """The updates being handled, as tasks. At most ``concurrency`` handlers run at once
    (:attr:`slots`); polling should wait while 2 × ``concurrency`` are in flight
    (:meth:`wait_for_room`)."""

    def __init__(self, concurrency: int) -> None:
        self.concurrency = concurrency
        self.slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._room = asyncio.Event()  # set while fewer than 2 × concurrency are in flight
        self._room.set()

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run ``work`` as a task counted in flight until it ends."""
        self._idle.clear()
        if len(self._tasks) + 1 >= 2 * self.concurrency:
            self._room.clear()
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if len(self._tasks) < 2 * self.concurrency:
            self._room.set()
        if not self._tasks:
            self._idle.set()

    def __len__(self) -> int:
        return len(self._tasks)

    @property
    def has_room(self) -> bool:
        """False while polling should not ask for more."""
        return self._room.is_set()

    async def wait_for_room(self, stop: asyncio.Event) -> None:
        """Until there is room again, or ``stop`` is set."""
        room = asyncio.ensure_future(self._room.wait())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({room, stopping}, return_when=asyncio.FIRST_COMPLETED)
        room.cancel()
        stopping.cancel()

    async def idle(self) -> None:
        """Until nothing is in flight."""
        await self._idle.wait()

    async def drain(self, timeout: float) -> None:  # noqa: ASYNC109
        """Let what is in flight finish, waiting at most ``timeout`` seconds."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
