"""Update throughput through the whole stack against a bare aiogram echo bot, in the same run.

1,000 coordinators each send 10 photos captioned «Выполнено» (10,000 updates, all queued at
once) to the fake Bot API over HTTP. The roadmap bot takes them through its durable update inbox,
the database middlewares, the submission handler (draft row, evidence row, the photo downloaded
into the evidence store) and answers each with the draft card. The reference is an aiogram echo
bot (``message.send_copy``) polling the same fake server for the same 10,000 updates.

Two phases for each bot. The burst: every update queued at once; reported are updates per
second (first update queued → last answer received), the ratio to the echo bot, and handler
latency p50/p95, from the moment the dispatcher is handed the update to the moment the fake
server has the bot's answer (in a burst that is mostly waiting for a handler slot and the
database: latency = handlers in flight / throughput). Then a steady load (by default 20 photos a
second, far above a region's real peak): the time from a photo being sent to its answer, p50/p95.
Each bot gets its own fresh fake server (same implementation, no flood limits: this measures the
bot, not Telegram), running in the same process and event loop as the bot, for both alike.

    python -m bench.throughput [--coordinators 1000] [--messages 10] [--photo-kb 100]
                               [--database-url postgresql+asyncpg://…] [--telegram-pace]
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import hashlib
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import CopyMessage, SendMessage, SendPhoto, TelegramMethod
from aiogram.types import Message, Update
from aiolimiter import AsyncLimiter
from sqlalchemy import func, insert, select

from bench.measure import percentile
from bot.middlewares.flood_wait import FloodWaitMiddleware
from models import Assignment, DueDate, EvidenceFile, Municipality, Role, School, SchoolKind, User
from services.plan_import.parser import parse_plan
from services.plans import save_plan
from tests.fakes import FakeBotAPI, FakeUser, RateLimits
from tests.harness import downloads_settled, running_bot

PLAN = "\n".join(
    [
        "План мероприятий («дорожная карта») на 2026-2027 учебный год",
        "№ п/п\tМероприятие\tОтветственные исполнители\tСроки исполнения\tРезультат",
        "1.\tПровести педсовет по итогам четверти\tШНОР\tДо 30 декабря 2026 г\tПротокол",
    ]
).encode()
USER_BASE = 20_000_000
ANSWERS = (SendMessage, SendPhoto, CopyMessage)
CURRENT_UPDATE: contextvars.ContextVar[int | None] = contextvars.ContextVar("bench_update")


@dataclass
class Timings:
    """When each update was queued, handed to the dispatcher and answered (monotonic seconds)."""

    queued: dict[int, float] = field(default_factory=dict)
    handed: dict[int, float] = field(default_factory=dict)
    answered: dict[int, float] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    expected: int = 0
    cpu_started: float = 0.0
    cpu_seconds: float = 0.0

    def answer(self, update_id: int) -> None:
        self.answered.setdefault(update_id, time.monotonic())
        if len(self.answered) >= self.expected and not self.done.is_set():
            self.cpu_seconds = time.process_time() - self.cpu_started
            self.done.set()


@dataclass
class Stopwatch:
    """The phase being timed (the bot stays up between the burst and the steady load)."""

    phase: Timings = field(default_factory=Timings)


class AnswerClock(BaseRequestMiddleware):
    """Notes when the Bot API accepted the answer to the update being handled."""

    def __init__(self, watch: Stopwatch) -> None:
        self.watch = watch

    async def __call__(
        self,
        make_request: Callable[[Bot, TelegramMethod[Any]], Awaitable[Any]],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Any:
        response = await make_request(bot, method)
        update_id = CURRENT_UPDATE.get(None)
        if update_id is not None and isinstance(method, ANSWERS):
            self.watch.phase.answer(update_id)
        return response


def clock_dispatcher(dispatcher: Dispatcher, bot: Bot) -> Stopwatch:
    """Time every update from the dispatcher's door (both bots go through ``feed_update``)."""
    watch = Stopwatch()
    feed = dispatcher.feed_update

    async def timed(bot: Bot, update: Update, **kwargs: Any) -> Any:
        watch.phase.handed.setdefault(update.update_id, time.monotonic())
        CURRENT_UPDATE.set(update.update_id)
        return await feed(bot, update, **kwargs)

    dispatcher.feed_update = timed  # type: ignore[method-assign]
    bot.session.middleware(AnswerClock(watch))
    return watch


@dataclass
class Load:
    coordinators: int
    messages: int  # photos per coordinator in the burst
    photo: bytes
    steady: int  # photos in the steady phase
    rate: float  # photos per second in the steady phase
    people: list[FakeUser] = field(default_factory=list)  # on the fake server in use


async def drive(load: Load, watch: Stopwatch, name: str) -> tuple[Result, Result]:
    """The burst (everything at once), then the steady load; both answered in full."""
    burst = watch.phase = Timings(expected=len(load.people) * load.messages)
    burst.cpu_started = time.process_time()
    for _round in range(load.messages):
        for person in load.people:  # interleaved, as from many schools at once
            created = person.send_photo(caption="Выполнено", content=load.photo)
            burst.queued[created.update_id] = time.monotonic()
    await asyncio.wait_for(burst.done.wait(), timeout=3600)

    steady = watch.phase = Timings(expected=load.steady)
    steady.cpu_started = time.process_time()
    start = time.monotonic()
    for index in range(load.steady):
        delay = start + index / load.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        person = load.people[index % len(load.people)]
        created = person.send_photo(caption="Выполнено", content=load.photo)
        steady.queued[created.update_id] = time.monotonic()
    await asyncio.wait_for(steady.done.wait(), timeout=3600)
    return result(name, burst), result(name, steady)


@dataclass
class Result:
    name: str
    updates: int
    seconds: float
    handler_ms: list[float]
    waited_ms: list[float]
    total_ms: list[float]
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0


def result(name: str, t: Timings) -> Result:
    first = min(t.queued.values())
    last = max(t.answered.values())
    handler = sorted((t.answered[u] - t.handed[u]) * 1000 for u in t.answered if u in t.handed)
    waited = sorted((t.handed[u] - t.queued[u]) * 1000 for u in t.answered if u in t.queued)
    total = sorted((t.answered[u] - t.queued[u]) * 1000 for u in t.answered if u in t.queued)
    return Result(name, len(t.answered), last - first, handler, waited, total, t.cpu_seconds)


def fake_server(first_update_id: int = 1) -> FakeBotAPI:
    no_limits = RateLimits(global_per_second=None, per_chat_per_second=None)
    return FakeBotAPI(first_update_id=first_update_id, rate_limits=no_limits)


def coordinators_of(api: FakeBotAPI, count: int) -> list[FakeUser]:
    return [
        api.user(USER_BASE + i, first_name=f"Координатор {i}", language_code="ru")
        for i in range(count)
    ]


async def echo_bot(load: Load) -> tuple[Result, Result]:
    async with fake_server() as api:
        load.people = coordinators_of(api, load.coordinators)
        router = Router()

        @router.message(F.photo)
        async def echo(message: Message) -> Any:
            return message.send_copy(chat_id=message.chat.id)

        dispatcher = Dispatcher()
        dispatcher.include_router(router)
        # Bare aiogram: no request middlewares of ours, in particular no outgoing limiter.
        bot = Bot(api.token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))
        watch = clock_dispatcher(dispatcher, bot)
        polling = asyncio.create_task(
            dispatcher.start_polling(
                bot, polling_timeout=1, handle_signals=False, close_bot_session=False
            )
        )
        try:
            return await drive(load, watch, "aiogram echo bot")
        finally:
            await dispatcher.stop_polling()
            await polling
            await bot.session.close()


async def populate(sessions: Any, coordinators: int) -> None:
    """One plan with one activity, a school per coordinator, each coordinator already joined."""
    async with sessions() as session:
        municipality = await session.scalar(select(Municipality))
        if municipality is None:
            municipality = Municipality(name="Регион", timezone="Asia/Chita")
            session.add(municipality)
            await session.flush()
        parsed = parse_plan("plan.txt", PLAN, today=date(2026, 11, 24))
        await save_plan(session, municipality, parsed, sha256=hashlib.sha256(PLAN).hexdigest())
        now = datetime.now(UTC)
        await session.execute(
            insert(School),
            [
                {
                    "municipality_id": municipality.id,
                    "name": f"Школа № {i}",
                    "name_key": f"школа №{i}",
                    "kind": SchoolKind.SHNOR,
                    "created_at": now,
                }
                for i in range(coordinators)
            ],
        )
        schools = (await session.scalars(select(School.id).order_by(School.id))).all()
        due = await session.scalar(select(DueDate.id))
        await session.execute(
            insert(Assignment),
            [
                {
                    "school_id": s,
                    "due_date_id": due,
                    "status": "open",
                    "status_at": now,
                    "active": True,
                    "manual": False,
                }
                for s in schools
            ],
        )
        await session.execute(
            insert(User),
            [
                {
                    "platform": "telegram",
                    "platform_user_id": USER_BASE + i,
                    "chat_id": USER_BASE + i,
                    "full_name": f"Координатор {i}",
                    "role": Role.COORDINATOR,
                    "locale": "ru",
                    "municipality_id": municipality.id,
                    "school_id": school_id,
                    "created_at": now,
                }
                for i, school_id in enumerate(schools)
            ],
        )
        await session.commit()


@dataclass
class Outcome:
    burst: Result
    steady: Result
    evidence_rows: int
    downloaded: int
    cards: int


def lift_outgoing_limit(bot: Bot) -> None:
    """The fake server has no flood limits; measure the bot, not Telegram's 30 messages/s.

    In production :class:`FloodWaitMiddleware` keeps every answer under Telegram's bot-wide
    limit, so there the ceiling is about 29 answers a second whatever the bot can do.
    """
    for middleware in bot.session.middleware:
        if isinstance(middleware, FloodWaitMiddleware):
            middleware.outgoing = AsyncLimiter(1_000_000, 1)


async def roadmap_bot(
    load: Load, tmp: Path, database_url: str, *, telegram_pace: bool = False
) -> Outcome:
    async with (
        fake_server() as api,
        running_bot(tmp, api=api, database_url=database_url) as running,
    ):
        load.people = coordinators_of(api, load.coordinators)
        await populate(running.sessions, load.coordinators)
        if not telegram_pace:
            lift_outgoing_limit(running.bot)
        watch = clock_dispatcher(running.dispatcher, running.bot)
        burst, steady = await drive(load, watch, "roadmap bot")
        await running.runner.idle()
        await downloads_settled(running, timeout=600)  # the queue fetches off the answer path
        async with running.sessions() as session:
            files = await session.scalar(select(func.count(EvidenceFile.id)))
            stored = await session.scalar(
                select(func.count(EvidenceFile.id)).where(EvidenceFile.stored_path.is_not(None))
            )
        # The draft card («Файлов: N») is the handler's answer to every photo.
        cards = sum(
            1
            for m in api.sent_messages()
            if m.chat_id >= USER_BASE and "Файлов:" in (m.plain_text or "")
        )
    return Outcome(burst, steady, int(files or 0), int(stored or 0), cards)


def ms(values: list[float], share: float) -> str:
    return f"{percentile(values, share):.0f} ms"


async def main(args: argparse.Namespace) -> None:
    photo = os.urandom(args.photo_kb * 1024)

    def load() -> Load:
        return Load(args.coordinators, args.messages, photo, args.steady, args.rate)

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        echo_burst, echo_steady = await echo_bot(load())
        ours = await roadmap_bot(load(), Path(tmp), url, telegram_pace=args.telegram_pace)
    print(
        f"burst:                   {args.coordinators} coordinators × {args.messages} photos "
        f"of {args.photo_kb} KB, all queued at once; database {url.split(':', 1)[0]}; "
        f"outgoing limit {'29/s as in production' if args.telegram_pace else 'lifted'}"
    )
    for r in (echo_burst, ours.burst):
        print(
            f"  {r.name + ':':22}{r.rate:6.1f} updates/s ({r.updates} in {r.seconds:.0f} s); "
            f"handler p50 {ms(r.handler_ms, 0.5)}, p95 {ms(r.handler_ms, 0.95)}; "
            f"CPU {r.cpu_seconds / r.updates * 1000:.1f} ms per update (fake server included)"
        )
    print(f"  throughput ratio:      {ours.burst.rate / echo_burst.rate:.2f} of the echo bot")
    print(f"steady:                  {args.steady} photos at {args.rate:g} a second")
    for r in (echo_steady, ours.steady):
        print(
            f"  {r.name + ':':22}sent → answered p50 {ms(r.total_ms, 0.5)}, "
            f"p95 {ms(r.total_ms, 0.95)}, max {ms(r.total_ms, 1.0)}"
        )
    print(f"evidence rows:           {ours.evidence_rows} ({ours.downloaded} downloaded)")
    print(f"draft cards answered:    {ours.cards}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coordinators", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--photo-kb", type=int, default=100)
    parser.add_argument("--steady", type=int, default=1000, help="photos in the steady phase")
    parser.add_argument("--rate", type=float, default=20.0, help="steady photos per second")
    parser.add_argument("--database-url")
    parser.add_argument(
        "--telegram-pace",
        action="store_true",
        help="keep the roadmap bot's outgoing limit of 29 messages/s (production)",
    )
    asyncio.run(main(parser.parse_args()))
