"""What the operator's commands share: the database for one command, the municipality it is
about, a yes/no question on the terminal."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from models import Municipality
from models.db import create_engine, make_sessionmaker
from services.i18n import BoundTexts
from services.plans import get_or_create_municipality

YES_ANSWERS = {"y", "yes", "д", "да"}

Command = Callable[[argparse.Namespace, Settings, BoundTexts], int]
"""A command: parsed arguments, settings, the operator's translator → the process exit code."""


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings.DATABASE_URL)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


async def named_municipality(
    session: AsyncSession, args: argparse.Namespace, settings: Settings, t: BoundTexts
) -> Municipality:
    """The municipality ``--municipality`` names (created on first use), else the only one."""
    return await get_or_create_municipality(
        session, args.municipality, settings.TIMEZONE, t("municipality-default-name")
    )


def ask(t: BoundTexts, key: str) -> bool:
    try:
        answer = input(t(key) + " ")
    except EOFError:
        return False
    return answer.strip().lower() in YES_ANSWERS
