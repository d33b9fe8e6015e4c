"""Builds the bot, the dispatcher and everything they need from Settings.

Nothing is created at import time: tests build exactly the production dispatcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.intake import UpdateRunner, run_polling
from bot.middlewares.best_effort import BestEffortMiddleware
from bot.middlewares.db import DbSessionMiddleware
from bot.middlewares.db import install as install_unit_of_work
from bot.middlewares.flood_wait import FloodWaitMiddleware
from bot.middlewares.long_text import LongTextMiddleware
from bot.middlewares.private_chats import PrivateChatsOnly
from bot.middlewares.typed_commands import TypedCommands
from bot.middlewares.user import UserMiddleware
from bot.settings import Settings
from bot.storage import DatabaseStorage
from bot.transport import TelegramTransport
from handlers import get_routers
from handlers.coordinator.albums import AlbumAnswers
from handlers.keyboards import reminder_item_button
from handlers.menu import set_default_commands, set_user_commands
from models import Role, User, utcnow
from models.db import create_engine, make_sessionmaker
from models.migrate import upgrade_async
from scheduler import Jobs
from scheduler.evidence import EvidenceDownloads
from services.background import Background
from services.evidence import EvidenceStore
from services.i18n import Texts
from services.plan_import.pending import PendingImports
from services.sending import Sender

log = logging.getLogger(__name__)


def create_bot(settings: Settings) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.TELEGRAM_API_URL))
    # Outermost first: a refused acknowledgement is not an error (after any 429 waits), and a
    # long text goes in parts, each paced on its own.
    session.middleware(BestEffortMiddleware())
    session.middleware(LongTextMiddleware())
    session.middleware(FloodWaitMiddleware())
    return Bot(
        token=settings.require_token(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def create_sender(bot: Bot, sessions: async_sessionmaker[AsyncSession]) -> Sender:
    async def mark_unreachable(chat_id: int) -> None:
        async with sessions() as session:
            await session.execute(
                update(User).where(User.chat_id == chat_id).values(blocked_at=utcnow())
            )
            await session.commit()

    return Sender(TelegramTransport(bot), on_unreachable=mark_unreachable)


def create_evidence_downloads(
    settings: Settings,
    bot: Bot,
    sessions: async_sessionmaker[AsyncSession],
    store: EvidenceStore,
) -> EvidenceDownloads:
    """The evidence download queue: Telegram's getFile and the file, with retries."""

    async def fetch(file_id: str, destination: Path) -> None:
        await bot.download(file_id, destination=destination)

    return EvidenceDownloads(sessions, store, fetch, retry_delays=settings.evidence_retry_delays)


def create_storage(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> BaseStorage:
    """Redis when REDIS_URL is set (shared by replicas); otherwise the database."""
    if settings.REDIS_URL:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(settings.REDIS_URL)
    return DatabaseStorage(sessions)


def create_runner(
    settings: Settings, bot: Bot, dispatcher: Dispatcher, sessions: async_sessionmaker[AsyncSession]
) -> UpdateRunner:
    return UpdateRunner(
        bot,
        dispatcher,
        sessions,
        dispatcher["texts"],
        concurrency=settings.MAX_CONCURRENT_UPDATES,
        per_user_per_minute=settings.USER_UPDATES_PER_MINUTE,
    )


def create_dispatcher(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    texts: Texts,
    bot: Bot,
    *,
    with_scheduler: bool = True,
) -> Dispatcher:
    """The production dispatcher: storage, the services handlers get (see
    :func:`_provide_services`), the reminder jobs (unless ``with_scheduler=False``), the
    middlewares, every router, and what runs at startup and shutdown."""
    dispatcher = Dispatcher(storage=create_storage(settings, sessions))
    sender = create_sender(bot, sessions)
    _provide_services(dispatcher, settings, sessions, texts, sender)
    jobs = (
        Jobs(
            sessions,
            sender,
            texts,
            settings.REMINDER_TIME,
            task_button=reminder_item_button,
            store=dispatcher["evidence_store"],
            retention_days=settings.EVIDENCE_RETENTION_DAYS,
        )
        if with_scheduler
        else None
    )
    dispatcher["jobs"] = jobs
    dispatcher["evidence_downloads"] = create_evidence_downloads(
        settings, bot, sessions, dispatcher["evidence_store"]
    )
    _install_middlewares(dispatcher, settings, sessions, texts)
    dispatcher.include_routers(*get_routers())
    dispatcher.startup.register(on_startup)
    dispatcher.shutdown.register(on_shutdown)
    return dispatcher


def _provide_services(
    dispatcher: Dispatcher,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    texts: Texts,
    sender: Sender,
) -> None:
    """What every handler (and the startup/shutdown hooks) may ask for by name."""
    dispatcher["settings"] = settings
    dispatcher["texts"] = texts
    dispatcher["sessions"] = sessions
    dispatcher["sender"] = sender
    dispatcher["background"] = Background()
    dispatcher["evidence_store"] = EvidenceStore(settings.evidence_dir)
    dispatcher["pending_imports"] = PendingImports(settings.DATA_DIR / "imports")
    dispatcher["album_answers"] = AlbumAnswers()


def _install_middlewares(
    dispatcher: Dispatcher,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    texts: Texts,
) -> None:
    """Private chats only (nothing from a group reaches the database, see
    :mod:`bot.middlewares.private_chats`), the update's unit of work (see
    :mod:`bot.middlewares.db`), the sender with role and language, and what people type for
    a command understood (:mod:`bot.middlewares.typed_commands`)."""
    dispatcher.update.outer_middleware(PrivateChatsOnly(texts))
    install_unit_of_work(dispatcher, DbSessionMiddleware(sessions))
    dispatcher.update.outer_middleware(UserMiddleware(settings, texts))
    dispatcher.message.outer_middleware(TypedCommands(texts))


async def set_commands(bot: Bot, texts: Texts, sessions: async_sessionmaker[AsyncSession]) -> None:
    """The command menu: the default one for everybody, the supervisors' own for each of them."""
    await set_default_commands(bot, texts)
    async with sessions() as session:
        supervisors = (
            await session.execute(
                select(User.chat_id, User.locale).where(User.role == Role.SUPERVISOR)
            )
        ).all()
        await session.rollback()
    for chat_id, locale in supervisors:
        await set_user_commands(bot, texts, chat_id, Role.SUPERVISOR, locale)


async def on_startup(
    bot: Bot,
    texts: Texts,
    sessions: async_sessionmaker[AsyncSession],
    jobs: Jobs | None,
    background: Background,
    evidence_downloads: EvidenceDownloads,
    settings: Settings,
) -> None:
    """Set the command menus; start the evidence download queue (files left by an earlier
    process first); start the reminder jobs and catch up on today's owed passes."""
    await set_commands(bot, texts, sessions)
    # Polling is one process (Telegram allows one getUpdates): whatever is queued is ours.
    evidence_downloads.start(resume_all=not settings.WEBHOOK_URL)
    if jobs is not None:
        jobs.start()
        await jobs.sync()
        # The bot may have been down at reminder time: today's passes that are owed run now.
        background.spawn(jobs.catch_up(), name="reminders-catch-up")


async def on_shutdown(
    jobs: Jobs | None,
    album_answers: AlbumAnswers,
    background: Background,
    evidence_downloads: EvidenceDownloads,
) -> None:
    """Stop the jobs and the download queue, flush the album answers, let background work
    finish (at most 30 s)."""
    if jobs is not None:
        jobs.shutdown()
    await evidence_downloads.stop()
    await album_answers.close()
    await background.wait(timeout=30)


def freeze_startup_objects() -> None:
    """Exempt everything built at startup from garbage collection.

    aiogram's types, SQLAlchemy's metadata and the translations are some 350,000 objects that
    live as long as the process; every full collection walked them all, stopping the event loop
    for about 200 ms (bench/loop_lag.py). Frozen, they are skipped; what handlers create is
    still collected as usual.
    """
    gc.collect()
    gc.freeze()


async def run_bot(settings: Settings) -> None:
    """Polling (or webhook when WEBHOOK_URL is set) until SIGTERM/SIGINT; then in-flight
    updates finish, the scheduler stops, the database and the sessions close."""
    await upgrade_async(settings.DATABASE_URL)
    engine = create_engine(settings.DATABASE_URL)
    sessions = make_sessionmaker(engine)
    texts = Texts(default_locale=settings.DEFAULT_LOCALE)
    bot = create_bot(settings)
    dispatcher = create_dispatcher(settings, sessions, texts, bot)
    runner = create_runner(settings, bot, dispatcher, sessions)
    freeze_startup_objects()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        me = await bot.get_me()
        if settings.WEBHOOK_URL:
            from bot.webhook import run_webhook

            log.info("bot @%s starts in webhook mode", me.username)
            await run_webhook(settings, runner, dispatcher, bot, sessions, stop)
        else:
            log.info("bot @%s starts polling", me.username)
            await run_polling(runner, dispatcher, bot, stop)
    finally:
        await dispatcher.storage.close()
        await bot.session.close()
        await engine.dispose()
        log.info("stopped")
