"""/remind (nudge now every school that is behind) and /broadcast <text> (to every coordinator).

Both go through the one sender, in the background: the supervisor is answered at once and told
the outcome when the last message is out. What is sent to whom is ``services.broadcast``.
"""

from __future__ import annotations

from collections.abc import Awaitable

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import User
from services.background import Background
from services.broadcast import (
    Delivered,
    broadcast_batch,
    deliver,
    deliver_nudges,
    delivery_report,
    nudges_now,
)
from services.i18n import BoundTexts, Texts
from services.sending import Sender


def create_router() -> Router:
    """The supervisor's router for /remind and /broadcast."""
    router = Router(name=__name__)
    router.message.register(remind, Command("remind"))
    router.message.register(broadcast, Command("broadcast"))
    return router


async def _report_when_done(
    bot: Bot, chat_id: int, t: BoundTexts, key: str, work: Awaitable[Delivered]
) -> None:
    """Wait for the delivery, then tell the supervisor how it went."""
    await bot.send_message(chat_id, delivery_report(t, key, await work))


async def remind(
    message: Message,
    t: BoundTexts,
    texts: Texts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    sender: Sender,
    background: Background,
    sessions: async_sessionmaker[AsyncSession],
):
    """/remind: nudge every coordinator of a school that is behind; report when done."""
    nudges, behind = await nudges_now(session, texts, user)
    if not behind:
        return message.answer(t("remind-nobody"))
    if not nudges:
        return message.answer(t("remind-no-recipients", n=behind))
    work = deliver_nudges(sender, sessions, nudges)
    background.spawn(
        _report_when_done(bot, message.chat.id, t, "remind-done", work),
        name=f"remind:{user.municipality_id}",
    )
    return message.answer(t("remind-started", n=len(nudges)))


async def broadcast(
    message: Message,
    command: CommandObject,
    t: BoundTexts,
    texts: Texts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    sender: Sender,
    background: Background,
):
    """/broadcast <text>: the text to every reachable coordinator; report when done."""
    body = (command.args or "").strip()
    if not body:
        return message.answer(t("broadcast-usage"))
    batch = await broadcast_batch(session, texts, user, body)
    if not batch:
        return message.answer(t("broadcast-nobody"))
    background.spawn(
        _report_when_done(bot, message.chat.id, t, "broadcast-done", deliver(sender, batch)),
        name=f"broadcast:{user.municipality_id}",
    )
    return message.answer(t("broadcast-started", n=len(batch)))
