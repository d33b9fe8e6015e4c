"""/broadcast and /remind as use cases: who gets which message, the delivery, and the report.

The messages are rendered here, each in its reader's language; the handler only decides when to
start and runs :func:`deliver` / :func:`deliver_nudges` in the background.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Municipality, Role, User
from services.clock import local_today
from services.errors import DomainError
from services.i18n import Texts, Translator
from services.nudges import Nudge, nudge_messages
from services.render import esc
from services.sending import Delivery, Outcome, OutgoingMessage, Sender
from services.submissions import link_message
from services.text import clean_text

# What a supervisor may write in one broadcast (characters): with the header it stays well
# within one message (services.messenger.TELEGRAM.text_chars).
MAX_BROADCAST = 3500


class Addressed(Protocol):
    """A message for one person: their chat, their name (for the report), the message."""

    chat_id: int
    name: str
    message: OutgoingMessage


@dataclass(frozen=True, slots=True)
class Announcement:
    """A broadcast message for one coordinator."""

    chat_id: int
    name: str
    message: OutgoingMessage


@dataclass(frozen=True, slots=True)
class Delivered:
    """How a batch went: counts per outcome, the names of those who blocked the bot, and each
    chat's delivery (with the new message's id when sent)."""

    sent: int
    unreachable: int
    failed: int
    blocked: list[str]
    by_chat: dict[int, Delivery]


async def broadcast_batch(
    session: AsyncSession, texts: Texts, supervisor: User, body: str
) -> list[Announcement]:
    """``body`` (HTML-escaped) for every reachable coordinator of the supervisor's municipality,
    under the header in each one's language; empty when nobody can get it.

    Raises DomainError("broadcast-too-long", limit=MAX_BROADCAST) for a longer ``body``.
    """
    body = clean_text(body)
    if len(body) > MAX_BROADCAST:
        raise DomainError("broadcast-too-long", limit=MAX_BROADCAST)
    coordinators = (
        await session.scalars(
            select(User).where(
                User.municipality_id == supervisor.municipality_id,
                User.role == Role.COORDINATOR,
                User.chat_id.is_not(None),
                User.blocked_at.is_(None),
            )
        )
    ).all()
    return [
        Announcement(
            chat_id=c.chat_id,  # type: ignore[arg-type]
            name=c.full_name,
            message=OutgoingMessage(texts.get("broadcast-message", c.locale, text=esc(body))),
        )
        for c in coordinators
    ]


async def nudges_now(
    session: AsyncSession, texts: Texts, supervisor: User
) -> tuple[list[Nudge], int]:
    """/remind: the nudges for every coordinator of a school that is behind today, and how many
    schools are behind (some may have nobody to tell)."""
    municipality = await session.get(Municipality, supervisor.municipality_id)
    if municipality is None:
        raise LookupError(f"user {supervisor.id} has no municipality")
    today = local_today(municipality.timezone)
    return await nudge_messages(session, texts, municipality.id, today)


async def deliver(sender: Sender, batch: Sequence[Addressed]) -> Delivered:
    """Send the batch through the one sender (paced, retried) and tally the outcome."""
    summary = await sender.send_many((m.chat_id, m.message) for m in batch)
    by_chat = {d.chat_id: d for d in summary.deliveries}
    blocked = [
        m.name
        for m in batch
        if (d := by_chat.get(m.chat_id)) is not None and d.outcome is Outcome.UNREACHABLE
    ]
    return Delivered(summary.sent, summary.unreachable, summary.failed, blocked, by_chat)


async def deliver_nudges(
    sender: Sender, sessions: async_sessionmaker[AsyncSession], nudges: Sequence[Nudge]
) -> Delivered:
    """Send the nudges, then remember which activities each delivered message named (so a
    reply to it is evidence for them). Opens and commits its own session."""
    delivered = await deliver(sender, nudges)
    async with sessions() as session:
        for nudge in nudges:
            delivery = delivered.by_chat.get(nudge.chat_id)
            if delivery and delivery.message_id:
                await link_message(
                    session, nudge.chat_id, delivery.message_id, nudge.assignment_ids
                )
        await session.commit()
    return delivered


def delivery_report(t: Translator, key: str, delivered: Delivered) -> str:
    """The supervisor's report (``remind-done`` / ``broadcast-done``) with the blocked names."""
    text = t(key, sent=delivered.sent, unreachable=delivered.unreachable, failed=delivered.failed)
    if delivered.blocked:
        text += "\n" + t("send-blocked-list", names=", ".join(esc(n) for n in delivered.blocked))
    return text
