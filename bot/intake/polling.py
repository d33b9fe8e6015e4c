"""Long polling that confirms an update only after it is stored in the inbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramRetryAfter, TelegramUnauthorizedError
from aiogram.types import Update

from bot.intake.runner import UpdateRunner
from bot.intake.updates import allowed_updates

log = logging.getLogger(__name__)
# However long Telegram was unreachable, people are answered again within this many seconds.
LONGEST_POLL_BACKOFF = 10.0


async def _sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _fetch(
    bot: Bot, stop: asyncio.Event, offset: int | None, poll_seconds: int, allowed: list[str] | None
) -> list[Update] | None:
    """One getUpdates; None if ``stop`` was set first (the request is cancelled). Errors of the
    request propagate."""
    fetch = asyncio.ensure_future(
        bot.get_updates(offset=offset, timeout=poll_seconds, allowed_updates=allowed)
    )
    stopping = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if fetch not in done:
        fetch.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await fetch
        return None
    stopping.cancel()
    return list(fetch.result())


async def poll(
    runner: UpdateRunner,
    stop: asyncio.Event,
    *,
    polling_timeout: int = 25,
    allowed_updates: list[str] | None = None,
) -> None:
    """Ask Telegram for updates until ``stop``; each batch is stored (``runner.accept``) before
    the next request confirms it. Waits while too much is in flight; after a failed request
    waits 1, 2, 4 … at most :data:`LONGEST_POLL_BACKOFF` seconds (or 429's ``retry_after``).
    Raises ``TelegramUnauthorizedError`` (a wrong token)."""
    offset: int | None = None
    backoff = 1.0
    while not stop.is_set():
        if not runner.in_flight.has_room:  # backpressure: let handling catch up
            await runner.in_flight.wait_for_room(stop)
            continue
        try:
            updates = await _fetch(runner.bot, stop, offset, polling_timeout, allowed_updates)
        except TelegramUnauthorizedError:
            raise
        except Exception as exc:  # network, 5xx, 409, 429: wait and try again
            wait = float(exc.retry_after) if isinstance(exc, TelegramRetryAfter) else backoff
            log.warning("getUpdates failed (%s); retrying in %.0f s", type(exc).__name__, wait)
            await _sleep_unless_stopped(stop, wait)
            backoff = min(backoff * 2, LONGEST_POLL_BACKOFF)
            continue
        if updates is None:
            break
        backoff = 1.0
        if not updates:
            continue
        try:
            await runner.accept(updates)
        except Exception:  # not stored → not confirmed: Telegram will send them again
            log.exception("could not store %d update(s); they will come again", len(updates))
            await _sleep_unless_stopped(stop, backoff)
            continue
        offset = updates[-1].update_id + 1


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
        await poll(
            runner,
            stop,
            polling_timeout=polling_timeout,
            allowed_updates=allowed_updates(dispatcher),
        )
        await runner.drain(drain_timeout)
    finally:
        await dispatcher.emit_shutdown(
            bot=bot, dispatcher=dispatcher, **dispatcher.workflow_data, **workflow
        )
