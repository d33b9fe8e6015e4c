"""``add-supervisor``: make a person a supervisor of a municipality by their Telegram ID."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import database, named_municipality
from bot.settings import Settings
from models.migrate import upgrade
from services.i18n import BoundTexts
from services.users import make_supervisor


def cmd_add_supervisor(args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:
    upgrade(settings.DATABASE_URL)
    return asyncio.run(_add_supervisor(args, settings, t))


async def _add_supervisor(args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:
    async with database(settings) as sessions, sessions() as session:
        municipality = await named_municipality(session, args, settings, t)
        await make_supervisor(session, args.telegram_id, municipality.id)
        await session.commit()
        print(t("cli-supervisor-added", id=args.telegram_id, municipality=municipality.name))
    return 0
