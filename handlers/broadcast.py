"""/remind (nudge now every school that is behind) and /broadcast <text> (to every coordinator).

Both go through the one sender, in the background: the supervisor is answered at once and told
the outcome when the last message is out.
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.context import municipality_of, supervisor_today
from handlers.filters import RoleFilter
from models import Role, User
from services.background import Background
from services.i18n import BoundTexts, Texts
from services.nudges import nudge_messages
from services.render import esc
from services.sending import OutgoingMessage, Sender
from services.submissions import link_message

MAX_BROADCAST = 3500


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(RoleFilter(Role.SUPERVISOR))
    router.message.register(remind, Command("remind"))
    router.message.register(broadcast, Command("broadcast"))
    return router


async def _report(
    bot: Bot, chat_id: int, t: BoundTexts, key: str, summary, blocked: list[str]
) -> None:  # type: ignore[no-untyped-def]
    text = t(key, sent=summary.sent, unreachable=summary.unreachable, failed=summary.failed)
    if blocked:
        text += "\n" + t("send-blocked-list", names=", ".join(esc(n) for n in blocked))
    await bot.send_message(chat_id, text)


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
    municipality = await municipality_of(session, user)
    today = await supervisor_today(session, user)
    nudges, behind = await nudge_messages(session, texts, municipality.id, today)
    if not behind:
        return message.answer(t("remind-nobody"))
    if not nudges:
        return message.answer(t("remind-no-recipients", n=behind))
    chat_id = message.chat.id

    async def run() -> None:
        summary = await sender.send_many((n.chat_id, n.message) for n in nudges)
        async with sessions() as link_session:
            by_chat = {d.chat_id: d for d in summary.deliveries}
            for nudge in nudges:
                delivery = by_chat.get(nudge.chat_id)
                if delivery and delivery.message_id:
                    await link_message(
                        link_session, nudge.chat_id, delivery.message_id, nudge.assignment_ids
                    )
            await link_session.commit()
        blocked = [
            n.name
            for n in nudges
            if by_chat.get(n.chat_id) and by_chat[n.chat_id].outcome.value == "unreachable"
        ]
        await _report(bot, chat_id, t, "remind-done", summary, blocked)

    background.spawn(run(), name=f"remind:{municipality.id}")
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
    body = (command.args or "").strip()
    if not body:
        return message.answer(t("broadcast-usage"))
    if len(body) > MAX_BROADCAST:
        return message.answer(t("broadcast-too-long", limit=MAX_BROADCAST))
    coordinators = (
        await session.scalars(
            select(User).where(
                User.municipality_id == user.municipality_id,
                User.role == Role.COORDINATOR,
                User.chat_id.is_not(None),
                User.blocked_at.is_(None),
            )
        )
    ).all()
    if not coordinators:
        return message.answer(t("broadcast-nobody"))
    batch = [
        (
            c.chat_id,
            OutgoingMessage(texts.get("broadcast-message", c.locale, text=esc(body))),
            c.full_name,
        )
        for c in coordinators
    ]
    chat_id = message.chat.id

    async def run() -> None:
        summary = await sender.send_many((chat, text) for chat, text, _ in batch)
        unreachable = {d.chat_id for d in summary.deliveries if d.outcome.value == "unreachable"}
        blocked = [name for chat, _, name in batch if chat in unreachable]
        await _report(bot, chat_id, t, "broadcast-done", summary, blocked)

    background.spawn(run(), name=f"broadcast:{user.municipality_id}")
    return message.answer(t("broadcast-started", n=len(batch)))
