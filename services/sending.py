"""One sender for every bulk message: reminders, nudges, broadcasts, digests.

It keeps within the messenger's limits (Telegram: about 30 messages a second overall, one a
second per chat), waits out a «retry after» for everyone (a 429 is about the whole bot), retries
network failures with backoff, and reports people who blocked the bot instead of retrying them
forever. The messenger itself sits behind :class:`Transport`, so another platform can bring its
own limits and client.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from aiolimiter import AsyncLimiter
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Button:
    """One button under a message: ``callback_data`` (at most 64 bytes on Telegram) or ``url``."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    """Text (HTML) with optional rows of buttons; no messenger types."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


class DeliveryError(Exception):
    """What a transport raises; the sender decides what to do about it."""


class RetryAfter(DeliveryError):
    """The messenger asks the bot to wait ``seconds`` before sending anything more."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = max(float(seconds), 0.0)


class Unreachable(DeliveryError):
    """The person blocked the bot, or the chat is gone: do not try again."""


class Transient(DeliveryError):
    """Network trouble or a server error: worth another try."""


class Rejected(DeliveryError):
    """The messenger refused this message (bad request): another try would fail the same way."""


class Transport(Protocol):
    """A messenger's client for sending (``bot/transport.py`` for Telegram): it raises only
    :class:`DeliveryError` kinds, never its own library's errors."""

    platform: str

    async def send(self, chat_id: int, message: OutgoingMessage) -> int:
        """Deliver and return the new message's id."""
        ...


class Outcome(StrEnum):
    """How a message ended: sent, unreachable (blocked or gone) or failed (given up)."""

    SENT = "sent"
    UNREACHABLE = "unreachable"
    FAILED = "failed"


@dataclass
class Delivery:
    """One message's outcome; ``message_id`` when sent, ``error`` (≤ 200 characters) when not."""

    chat_id: int
    outcome: Outcome
    message_id: int | None = None
    error: str | None = None


@dataclass
class Summary:
    """The deliveries of a batch, in the order they finished."""

    deliveries: list[Delivery] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for d in self.deliveries if d.outcome is outcome)

    @property
    def sent(self) -> int:
        return self.count(Outcome.SENT)

    @property
    def unreachable(self) -> int:
        return self.count(Outcome.UNREACHABLE)

    @property
    def failed(self) -> int:
        return self.count(Outcome.FAILED)


@dataclass(frozen=True)
class Limits:
    """A messenger's pace for bulk sending: messages a second overall, seconds between two
    messages to one chat, attempts per message, and the longest backoff in seconds."""

    per_second: float = 25.0  # below Telegram's ~30/s, leaving room for replies to people
    per_chat_interval: float = 1.0
    attempts: int = 6
    max_backoff: float = 30.0


TELEGRAM_LIMITS = Limits()


class Sender:
    """Sends through a :class:`Transport` within :class:`Limits`; ``on_unreachable`` is told
    each chat that blocked the bot (e.g. to mark the person blocked)."""

    def __init__(
        self,
        transport: Transport,
        limits: Limits = TELEGRAM_LIMITS,
        *,
        on_unreachable: Callable[[int], Awaitable[None]] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.transport = transport
        self.limits = limits
        self.on_unreachable = on_unreachable
        self._sleep = sleep
        # One token every 1/per_second seconds: an even pace with no initial burst (a full
        # bucket of 25 at once could exceed 30 in Telegram's one-second window).
        self._global = AsyncLimiter(1, 1 / limits.per_second)
        self._chats: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._resume_at = 0.0  # a 429 pauses everyone until then (monotonic seconds)

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            limiter = AsyncLimiter(1, self.limits.per_chat_interval)
            self._chats[chat_id] = limiter
            while len(self._chats) > 20_000:
                self._chats.popitem(last=False)
        else:
            self._chats.move_to_end(chat_id)
        return limiter

    async def _wait_for_pause(self) -> None:
        while (delay := self._resume_at - time.monotonic()) > 0:
            await self._sleep(delay)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetryAfter):
            self._resume_at = max(self._resume_at, time.monotonic() + error.seconds)
            return 0.0  # _wait_for_pause does the waiting, for every message at once
        return wait_random_exponential(multiplier=0.5, max=self.limits.max_backoff)(state)

    async def _attempt(self, chat_id: int, message: OutgoingMessage) -> int:
        await self._wait_for_pause()
        async with self._chat_limiter(chat_id), self._global:
            await self._wait_for_pause()
            return await self.transport.send(chat_id, message)

    async def send(self, chat_id: int, message: OutgoingMessage) -> Delivery:
        """Send one message, waiting out «retry after» and retrying transient failures; never
        raises a :class:`DeliveryError` (the outcome says what happened)."""
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.limits.attempts),
                retry=retry_if_exception_type((RetryAfter, Transient)),
                wait=self._wait,
                sleep=self._sleep,
                reraise=True,
            ):
                with attempt:
                    message_id = await self._attempt(chat_id, message)
            return Delivery(chat_id, Outcome.SENT, message_id)
        except Unreachable as error:
            log.info("chat %s is unreachable: %s", chat_id, error)
            if self.on_unreachable is not None:
                await self.on_unreachable(chat_id)
            return Delivery(chat_id, Outcome.UNREACHABLE, error=str(error)[:200])
        except DeliveryError as error:
            log.warning("could not deliver to chat %s: %s", chat_id, error)
            return Delivery(chat_id, Outcome.FAILED, error=str(error)[:200])

    async def send_many(
        self, batch: Iterable[tuple[int, OutgoingMessage]], *, concurrency: int = 50
    ) -> Summary:
        """Send a batch; messages to different chats go out in parallel within the limits."""
        semaphore = asyncio.Semaphore(concurrency)
        summary = Summary()

        async def one(chat_id: int, message: OutgoingMessage) -> None:
            async with semaphore:
                summary.deliveries.append(await self.send(chat_id, message))

        await asyncio.gather(*(one(chat_id, message) for chat_id, message in batch))
        return summary
