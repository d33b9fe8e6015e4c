"""Event-loop lag while a reminder fan-out, an Excel export and evidence downloads run at once.

A region is built (by default 1,000 schools × 40 activities × 2 years, 20,000 reports, as in
bench/export_scale.py) and the production bot runs against the fake Bot API with Telegram's flood
limits. Then, together: the reminder pass to every school's coordinator, the supervisor's
«/export → Всё» (the workbook built and uploaded), and coordinators sending photos that the bot
downloads into its evidence store. A 10 ms ticker measures how late the event loop wakes it;
a late ticker is a late answer to everybody. Goal: p99 ≤ 100 ms.

    python -m bench.loop_lag [--schools 1000] [--photos 300] [--photo-kb 1024]
                             [--database-url postgresql+asyncpg://…]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.export_scale import build
from bench.measure import percentile, ticker
from bot.factory import freeze_startup_objects
from handlers.keyboards import reminder_item_button
from models import EvidenceFile
from scheduler.reminders import run_pass
from tests.fakes import FakeBotAPI, RateLimits
from tests.harness import SUPERVISOR_ID, running_bot, wait_message, with_button

# 7 days before the activities due on 15 March 2023 (bench/export_scale.py's calendar), 9:00 in
# Perm: every coordinator is owed a reminder.
REMINDER_MOMENT = datetime(2023, 3, 8, 4, 0, tzinfo=UTC)
COORDINATOR_BASE = 50_000_000  # bench/export_scale.py's coordinators: this + their school id
PARTS = frozenset({"fan-out", "export", "downloads"})


async def timed(work, seconds: dict[str, float], name: str):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = await work
    seconds[name] = time.perf_counter() - started
    return result


async def main(
    schools: int, photos: int, photo_kb: int, database_url: str | None, parts: set[str] = PARTS
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'region.db'}"
        started = time.perf_counter()
        municipality_id = await build(url, schools)
        print(f"region built in {time.perf_counter() - started:.0f} s ({url.split(':', 1)[0]})")
        limits = RateLimits(global_per_second=30, per_chat_per_second=1)
        async with (
            FakeBotAPI(rate_limits=limits) as api,
            running_bot(Path(tmp), api=api, database_url=url, TIMEZONE="Asia/Yekaterinburg") as bot,
        ):
            boss = api.user(SUPERVISOR_ID, first_name="Ольга", language_code="ru")
            boss.send_text("/export")
            menu = await wait_message(api, boss.chat_id, with_button("📊 Всё"), timeout=60)
            photo = os.urandom(photo_kb * 1024)
            senders = [
                api.user(COORDINATOR_BASE + 1 + i, language_code="ru") for i in range(photos)
            ]

            freeze_startup_objects()  # as the bot does once it is up (bot/factory.py)
            lags: list[float] = []
            stop = asyncio.Event()
            watch = asyncio.create_task(ticker(lags, stop))
            seconds: dict[str, float] = {}
            overall = time.perf_counter()

            async def fan_out() -> Any:
                return await timed(
                    run_pass(
                        bot.sessions,
                        bot.dispatcher["sender"],
                        bot.texts,
                        municipality_id,
                        task_button=reminder_item_button,
                        now=REMINDER_MOMENT,
                    ),
                    seconds,
                    "fan-out",
                )

            async def workbook_arrived() -> None:
                await api.wait_for(
                    lambda a: a.calls("sendDocument", boss.chat_id), 600, what="the workbook"
                )
                seconds["export"] = time.perf_counter() - overall

            async def photos_downloaded() -> None:
                await api.wait_for(
                    lambda a: sum(r.status == 200 for r in a.calls("downloadFile")) >= photos,
                    600,
                    what="the photos downloaded",
                )
                seconds["downloads"] = time.perf_counter() - overall

            work: dict[str, Any] = {}
            if "fan-out" in parts:
                work["fan-out"] = asyncio.create_task(fan_out())
            if "export" in parts:
                boss.press(menu, button_text="📊 Всё")
                work["export"] = asyncio.create_task(workbook_arrived())
            if "downloads" in parts:
                for person in senders:
                    person.send_photo(caption="Выполнено", file_size=len(photo), content=photo)
                work["downloads"] = asyncio.create_task(photos_downloaded())
            await asyncio.gather(*work.values())
            total = time.perf_counter() - overall
            stop.set()
            await watch
            documents = api.calls("sendDocument", boss.chat_id)
            workbook_mb = (
                sum(len(c) for _, c in documents[0].files.values()) / 2**20 if documents else 0
            )
            await bot.runner.idle()
            async with bot.sessions() as session:
                stored = await session.scalar(
                    select(func.count(EvidenceFile.id)).where(
                        EvidenceFile.stored_path.is_not(None),
                        EvidenceFile.file_id.startswith("FAKE"),
                    )
                )

    if "fan-out" in parts:
        report = work["fan-out"].result()
        print(f"reminders sent:      {report.messages} in {seconds['fan-out']:.1f} s")
    if "export" in parts:
        print(
            f"export:              a {workbook_mb:.1f} MB workbook uploaded "
            f"{seconds['export']:.1f} s after the button"
        )
    if "downloads" in parts:
        print(
            f"evidence downloads:  {photos} photos of {photo_kb} KB downloaded in "
            f"{seconds['downloads']:.1f} s ({stored} stored)"
        )
    print(f"together:            {total:.1f} s, {len(lags)} ticks")
    print(
        f"event-loop lag:      p50 {percentile(lags, 0.5) * 1000:.1f} ms, "
        f"p99 {percentile(lags, 0.99) * 1000:.1f} ms, max {max(lags) * 1000:.0f} ms "
        "(goal: p99 ≤ 100 ms)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--photo-kb", type=int, default=1024)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--only", nargs="+", choices=sorted(PARTS), default=sorted(PARTS), help="run only these"
    )
    args = parser.parse_args()
    asyncio.run(main(args.schools, args.photos, args.photo_kb, args.database_url, set(args.only)))
