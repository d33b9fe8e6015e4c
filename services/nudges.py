"""A nudge now (/remind): every coordinator of a school that is behind hears what is overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Role, User
from services.i18n import Texts
from services.progress import municipality_progress, overdue_by_school
from services.render import task_line
from services.sending import OutgoingMessage

MAX_ITEMS = 10


@dataclass
class Nudge:
    """One coordinator's nudge: the message, and the assignments it names (at most
    :data:`MAX_ITEMS`), so a reply to it is evidence for them."""

    chat_id: int
    name: str
    message: OutgoingMessage
    assignment_ids: list[int]


async def nudge_messages(
    session: AsyncSession, texts: Texts, municipality_id: int, today: date
) -> tuple[list[Nudge], int]:
    """The nudges, and how many schools are behind (some may have nobody to tell)."""
    progress = await municipality_progress(session, municipality_id, today)
    nudges = []
    behind = overdue_by_school(progress, today)
    for school, items in behind:
        coordinators = (
            await session.scalars(
                select(User).where(
                    User.school_id == school.school_id,
                    User.role == Role.COORDINATOR,
                    User.chat_id.is_not(None),
                    User.blocked_at.is_(None),
                )
            )
        ).all()
        for coordinator in coordinators:
            t = texts.for_locale(coordinator.locale)
            lines = [t("nudge-header", n=len(items))]
            lines += [task_line(t, item, today) for item in items[:MAX_ITEMS]]
            if len(items) > MAX_ITEMS:
                lines.append(t("list-more", n=len(items) - MAX_ITEMS))
            lines.append(t("nudge-footer"))
            nudges.append(
                Nudge(
                    chat_id=coordinator.chat_id,  # type: ignore[arg-type]
                    name=coordinator.full_name,
                    message=OutgoingMessage("\n\n".join(lines)),
                    assignment_ids=[item.assignment_id for item in items[:MAX_ITEMS]],
                )
            )
    return nudges, len(behind)
