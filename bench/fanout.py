"""Reminder fan-out: N coordinators (default 10,000) get their reminder in one pass.

The fake Bot API enforces Telegram's flood limits (30 messages a second overall, 1 a second per
chat) and answers 429 beyond them. Reported: messages per second achieved against the 30/s
limit, messages lost (a coordinator who got nothing), messages sent twice, 429 answers, and
how long the pass held the event loop (the p99 lag of a 10 ms ticker running meanwhile).

    python -m bench.fanout [--coordinators 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, select

from bench.measure import ticker
from bot.factory import create_bot, create_sender
from bot.settings import load_settings
from handlers.keyboards import reminder_item_button
from models import Assignment, DueDate, Municipality, Role, School, SchoolKind, User
from models.db import create_engine, make_sessionmaker
from models.migrate import upgrade_async
from scheduler.reminders import run_pass
from services.i18n import Texts
from services.plan_import.parser import parse_plan
from services.plans import save_plan
from tests.fakes import FakeBotAPI, RateLimits

PLAN = "\n".join(
    [
        "План мероприятий («дорожная карта») на 2021-2022 учебный год",
        "№ п/п\tМероприятие\tОтветственные исполнители\tСроки исполнения\tРезультат",
        "1.\tПредставить приказ о назначении ответственного\tШНОР\tДо 30 сентября 2021 г\tПриказ",
    ]
).encode()
CHAT_BASE = 10_000_000


async def build(url: str, coordinators: int) -> int:
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        municipality = Municipality(name="Регион", timezone="Asia/Chita")
        session.add(municipality)
        await session.flush()
        parsed = parse_plan("plan.txt", PLAN, today=date(2021, 9, 1))
        await save_plan(session, municipality, parsed, sha256=hashlib.sha256(PLAN).hexdigest())
        await session.execute(
            insert(School),
            [
                {
                    "municipality_id": municipality.id,
                    "name": f"Школа № {i}",
                    "name_key": f"школа №{i}",
                    "kind": SchoolKind.SHNOR,
                    "created_at": datetime.now(UTC),
                }
                for i in range(coordinators)
            ],
        )
        schools = (await session.scalars(select(School.id).order_by(School.id))).all()
        due = await session.scalar(select(DueDate.id).where(DueDate.due_on == date(2021, 9, 30)))
        await session.execute(
            insert(Assignment),
            [
                {
                    "school_id": s,
                    "due_date_id": due,
                    "status": "open",
                    "status_at": datetime.now(UTC),
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
                    "platform_user_id": CHAT_BASE + i,
                    "chat_id": CHAT_BASE + i,
                    "full_name": f"Координатор {i}",
                    "role": Role.COORDINATOR,
                    "municipality_id": municipality.id,
                    "school_id": school_id,
                    "created_at": datetime.now(UTC),
                }
                for i, school_id in enumerate(schools)
            ],
        )
        await session.commit()
        municipality_id = municipality.id
    await engine.dispose()
    return municipality_id


async def main(coordinators: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        municipality_id = await build(url, coordinators)
        async with FakeBotAPI(
            rate_limits=RateLimits(global_per_second=30, per_chat_per_second=1)
        ) as api:
            settings = load_settings(
                _env_file=None,
                BOT_TOKEN=api.token,
                TELEGRAM_API_URL=api.base_url,
                DATA_DIR=tmp,
                DATABASE_URL=url,
            )
            engine = create_engine(url)
            sessions = make_sessionmaker(engine)
            bot = create_bot(settings)
            sender = create_sender(bot, sessions)
            lags: list[float] = []
            stop = asyncio.Event()
            watch = asyncio.create_task(ticker(lags, stop))
            started = time.perf_counter()
            report = await run_pass(
                sessions,
                sender,
                Texts(),
                municipality_id,
                task_button=reminder_item_button,
                now=datetime(2021, 9, 23, 1, 0, tzinfo=UTC),
            )
            elapsed = time.perf_counter() - started
            stop.set()
            await watch
            received = Counter(m.chat_id for m in api.sent_messages() if m.chat_id >= CHAT_BASE)
            lost = sum(1 for i in range(coordinators) if received[CHAT_BASE + i] == 0)
            twice = sum(1 for count in received.values() if count > 1)
            await bot.session.close()
            await engine.dispose()
    rate = report.messages / elapsed if elapsed else 0.0
    lags.sort()
    p99 = lags[int(len(lags) * 0.99) - 1] * 1000 if lags else 0.0
    print(f"coordinators:            {coordinators}")
    print(f"messages sent:           {report.messages} in {elapsed:.1f} s")
    print(f"messages per second:     {rate:.1f} (Telegram's limit: 30/s; the sender aims at 25/s)")
    print(f"lost:                    {lost}")
    print(f"sent twice:              {twice}")
    print(f"429 answers from server: {api.flood_rejections}")
    print(f"event-loop lag p99:      {p99:.1f} ms (median {statistics.median(lags) * 1000:.1f} ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coordinators", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().coordinators))
