"""``remind``: the daily reminder pass now, for every municipality (``--dry-run`` prints it)."""

from __future__ import annotations

import argparse
import asyncio
import re

from sqlalchemy import select

from bot.settings import Settings
from handlers.keyboards import reminder_item_button
from models import Municipality
from models.db import create_engine, make_sessionmaker
from models.migrate import upgrade
from scheduler.reminders import run_pass
from services.i18n import BoundTexts, Texts


def cmd_remind(args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:
    if not args.dry_run:
        settings.require_token()
    upgrade(settings.DATABASE_URL)
    return asyncio.run(_remind(args.dry_run, settings, t))


async def _remind(dry_run: bool, settings: Settings, t: BoundTexts) -> int:
    engine = create_engine(settings.DATABASE_URL)
    sessions = make_sessionmaker(engine)
    texts = Texts(t.texts.translations, default_locale=settings.DEFAULT_LOCALE)
    bot = None
    try:
        sender = None
        if not dry_run:
            from bot.factory import create_bot, create_sender

            bot = create_bot(settings)
            sender = create_sender(bot, sessions)
        async with sessions() as session:
            municipalities = (
                await session.execute(select(Municipality.id, Municipality.name))
            ).all()
            await session.rollback()
        for municipality_id, name in municipalities:
            report = await run_pass(
                sessions,
                sender,
                texts,
                municipality_id,
                task_button=reminder_item_button,
                dry_run=dry_run,
                force=True,
            )
            if dry_run:
                if not report.planned:
                    print(t("cli-remind-none"))
                for planned in report.planned:
                    print(t("cli-remind-message", name=planned.name, school=planned.school))
                    print(re.sub(r"<[^>]+>", "", planned.message.text))
                    print()
                continue
            print(
                t(
                    "cli-remind-done",
                    municipality=name,
                    messages=report.messages,
                    sent=report.sent,
                    released=report.released,
                    unreachable=report.unreachable,
                )
            )
        return 0
    finally:
        if bot is not None:
            await bot.session.close()
        await engine.dispose()
