"""Webhook mode (WEBHOOK_URL set): an aiohttp server for Telegram's POSTs and a /health page.

Every request must carry X-Telegram-Bot-Api-Secret-Token = WEBHOOK_SECRET. An update is
stored in the inbox before Telegram gets its 200 (if it cannot be stored, Telegram gets a 500
and sends it again), then handled in the background. Several replicas can serve one webhook
behind a load balancer: the inbox's key lets exactly one of them handle each update.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from typing import Any
from urllib.parse import urlparse

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.intake import UpdateRunner, allowed_updates
from bot.settings import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RECOVER_EVERY_SECONDS = 60
TELEGRAM_CHECK_TTL = 30.0


class Health:
    def __init__(self, bot: Bot, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.bot = bot
        self.sessions = sessions
        self._telegram: tuple[float, bool] = (0.0, False)

    async def database(self) -> bool:
        try:
            async with self.sessions() as session:
                await asyncio.wait_for(session.execute(text("SELECT 1")), timeout=5)
                await session.rollback()
            return True
        except Exception:
            log.warning("health: the database does not answer", exc_info=True)
            return False

    async def telegram(self) -> bool:
        checked_at, ok = self._telegram
        if time.monotonic() - checked_at < TELEGRAM_CHECK_TTL:
            return ok
        try:
            await asyncio.wait_for(self.bot.get_me(), timeout=5)
            ok = True
        except Exception:
            ok = False
        self._telegram = (time.monotonic(), ok)
        return ok

    async def page(self, _request: web.Request) -> web.Response:
        database, telegram = await asyncio.gather(self.database(), self.telegram())
        body = {"database": database, "telegram": telegram}
        return web.json_response(body, status=200 if database else 503)


def webhook_path(settings: Settings) -> str:
    return urlparse(settings.WEBHOOK_URL or "").path or "/webhook"


def build_app(
    settings: Settings, runner: UpdateRunner, bot: Bot, health: Health
) -> web.Application:
    secret = settings.WEBHOOK_SECRET.get_secret_value() if settings.WEBHOOK_SECRET else ""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=401)
        try:
            update = Update.model_validate(await request.json(), context={"bot": bot})
        except (ValueError, ValidationError):
            return web.Response(status=400)
        try:
            await runner.accept([update])
        except Exception:
            log.exception(
                "could not store update %s; Telegram will send it again", update.update_id
            )
            return web.Response(status=500)
        return web.json_response({})

    app = web.Application(client_max_size=2 * 1024 * 1024)
    app.router.add_post(webhook_path(settings), receive)
    app.router.add_get("/health", health.page)
    return app


async def run_webhook(
    settings: Settings,
    runner: UpdateRunner,
    dispatcher: Dispatcher,
    bot: Bot,
    sessions: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    *,
    drain_timeout: float = 30,
    **workflow: Any,
) -> None:
    health = Health(bot, sessions)
    app = build_app(settings, runner, bot, health)
    site_runner = web.AppRunner(app, access_log=None)
    await site_runner.setup()
    site = web.TCPSite(site_runner, settings.WEBHOOK_HOST, settings.WEBHOOK_PORT)
    await dispatcher.emit_startup(
        bot=bot, dispatcher=dispatcher, **dispatcher.workflow_data, **workflow
    )
    recovering: asyncio.Task[None] | None = None
    try:
        await site.start()
        await bot.set_webhook(
            settings.WEBHOOK_URL,  # type: ignore[arg-type]
            secret_token=settings.WEBHOOK_SECRET.get_secret_value(),  # type: ignore[union-attr]
            allowed_updates=allowed_updates(dispatcher),
            drop_pending_updates=False,
        )
        log.info("webhook set; serving on %s:%s", settings.WEBHOOK_HOST, settings.WEBHOOK_PORT)

        async def recover_forever() -> None:
            while True:
                with contextlib.suppress(Exception):
                    await runner.recover(all_pending=False)
                await asyncio.sleep(RECOVER_EVERY_SECONDS)

        recovering = asyncio.create_task(recover_forever(), name="inbox-recovery")
        await stop.wait()
    finally:
        if recovering is not None:
            recovering.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recovering
        await site_runner.cleanup()  # no new requests
        await runner.drain(drain_timeout)
        await dispatcher.emit_shutdown(
            bot=bot, dispatcher=dispatcher, **dispatcher.workflow_data, **workflow
        )
