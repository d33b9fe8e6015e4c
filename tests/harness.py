"""Run the production bot (factory-built dispatcher) against the fake Bot API over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.factory import create_bot, create_dispatcher, create_runner
from bot.intake import UpdateRunner, run_polling
from bot.settings import Settings, load_settings
from models.db import create_engine, make_sessionmaker
from models.migrate import upgrade_async
from services.i18n import Texts
from tests.fakes import FakeBotAPI, SentMessage

SUPERVISOR_ID = 1001
# Each fake server starts its update ids where the last one could not reach: like Telegram,
# a bot never sees an update id twice (a restarted test bot keeps its database).
_UPDATE_IDS = itertools.count(1, 1_000_000)


@dataclass
class RunningBot:
    api: FakeBotAPI
    bot: Bot
    dispatcher: Dispatcher
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    texts: Texts
    runner: UpdateRunner


async def polling_started(api: FakeBotAPI, timeout: float = 10) -> None:  # noqa: ASYNC109
    """The bot asked for updates (the long poll is open, not necessarily answered)."""
    await api.wait_for(
        lambda a: any(r.method == "getUpdates" for r in a.requests), timeout, what="polling"
    )


@contextlib.asynccontextmanager
async def running_bot(
    tmp_path: Path,
    *,
    database_url: str | None = None,
    api: FakeBotAPI | None = None,
    **settings: Any,
) -> AsyncIterator[RunningBot]:
    """The bot running against a fake Bot API (a new one, or ``api`` to keep the same
    «Telegram» across a restart of the bot)."""
    async with contextlib.AsyncExitStack() as stack:
        if api is None:
            api = await stack.enter_async_context(FakeBotAPI(first_update_id=next(_UPDATE_IDS)))
        async with _running_bot(tmp_path, api, database_url, settings) as running:
            yield running


@contextlib.asynccontextmanager
async def _running_bot(
    tmp_path: Path, api: FakeBotAPI, database_url: str | None, settings: dict[str, Any]
) -> AsyncIterator[RunningBot]:
    if True:
        values: dict[str, Any] = {
            "BOT_TOKEN": api.token,
            "TELEGRAM_API_URL": api.base_url,
            "DATA_DIR": tmp_path / "data",
            "SUPERVISOR_IDS": str(SUPERVISOR_ID),
            "TIMEZONE": "Asia/Chita",
        }
        if database_url:
            values["DATABASE_URL"] = database_url
        values.update(settings)
        config = load_settings(_env_file=None, **values)
        await upgrade_async(config.DATABASE_URL)
        engine = create_engine(config.DATABASE_URL)
        sessions = make_sessionmaker(engine)
        texts = Texts(default_locale=config.DEFAULT_LOCALE)
        bot = create_bot(config)
        dispatcher = create_dispatcher(config, sessions, texts, bot, with_scheduler=False)
        runner = create_runner(config, bot, dispatcher, sessions)
        stop = asyncio.Event()
        polling = asyncio.create_task(run_polling(runner, dispatcher, bot, stop, polling_timeout=5))
        try:
            await polling_started(api, timeout=10)
            yield RunningBot(api, bot, dispatcher, config, engine, sessions, texts, runner)
        finally:
            stop.set()
            await asyncio.wait_for(polling, timeout=30)
            await dispatcher.storage.close()
            await bot.session.close()
            await engine.dispose()


async def wait_message(
    api: FakeBotAPI,
    chat_id: int,
    predicate: Callable[[SentMessage], bool],
    *,
    since: int | None = None,
    timeout: float = 10,  # noqa: ASYNC109
) -> SentMessage:
    """The first message to the chat (after ``since``) that satisfies ``predicate``."""

    def found(a: FakeBotAPI) -> SentMessage | None:
        return next((m for m in a.sent_messages(chat_id, since=since) if predicate(m)), None)

    return await api.wait_for(found, timeout, what=f"a matching message to {chat_id}")


def with_button(text: str) -> Callable[[SentMessage], bool]:
    return lambda message: any(label == text for label, _ in message.buttons)


def containing(text: str) -> Callable[[SentMessage], bool]:
    return lambda message: text in (message.plain_text or "")


async def downloads_settled(running: RunningBot, timeout: float = 10) -> None:  # noqa: ASYNC109
    """Until the evidence download queue has nothing due: every file is stored or given up
    (or waits for a retry later than ``timeout``)."""
    from sqlalchemy import func, select

    from models import EvidenceFile
    from services.clock import now_utc

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with running.sessions() as session:
            left = await session.scalar(
                select(func.count(EvidenceFile.id)).where(
                    EvidenceFile.downloaded_at.is_(None),
                    EvidenceFile.failed_at.is_(None),
                )
            )
            await session.rollback()
        if not left:
            return
        if loop.time() > deadline:
            raise TimeoutError(
                f"{left} evidence file(s) still queued after {timeout}s ({now_utc()})"
            )
        await asyncio.sleep(0.05)
