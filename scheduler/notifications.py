"""Supervisors hear about new submissions in batches, not one ping per photo.

A job collects everything sent since the last batch, tells each supervisor of the municipality
in one message, and marks those submissions notified (claimed before sending, so two runs never
announce the same submission twice).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Municipality, Role, School, Submission, User, utcnow
from services.clock import local_today
from services.i18n import Texts, Translator
from services.render import activity_title, esc
from services.review import unnotified_submissions
from services.sending import OutgoingMessage, Sender
from services.tasks import get_task_in_municipality
from services.unit_of_work import persist_before_io

log = logging.getLogger(__name__)
MAX_LINES = 15


async def notify_new_submissions(
    sessions: async_sessionmaker[AsyncSession], sender: Sender, texts: Texts
) -> int:
    """Tell each municipality's supervisors about the submissions sent since the last batch.

    Returns how many submissions were announced."""
    announced = 0
    async with sessions() as session:
        municipalities = (
            await session.execute(select(Municipality.id, Municipality.timezone))
        ).all()
        await session.rollback()
    for municipality_id, timezone in municipalities:
        announced += await _notify_municipality(sessions, sender, texts, municipality_id, timezone)
    return announced


async def _notify_municipality(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    texts: Texts,
    municipality_id: int,
    timezone: str,
) -> int:
    """Claim the municipality's unannounced submissions and announce them; returns how many.

    The claim (``notified_at``) is committed before sending: two runs never announce the same
    submission twice, and a failed send is not repeated."""
    today = local_today(timezone)
    async with sessions() as session:
        fresh = await unnotified_submissions(session, municipality_id)
        if not fresh:
            await session.rollback()
            return 0
        claimed = 0
        ids = [s.id for s in fresh]
        for start in range(0, len(ids), 1000):
            result = await session.execute(
                update(Submission)
                .where(
                    Submission.id.in_(ids[start : start + 1000]), Submission.notified_at.is_(None)
                )
                .values(notified_at=utcnow())
            )
            claimed += result.rowcount
        if claimed != len(fresh):
            await session.rollback()  # another run got there first; it will announce them
            return 0
        supervisors = (
            await session.scalars(
                select(User).where(
                    User.municipality_id == municipality_id,
                    User.role == Role.SUPERVISOR,
                    User.chat_id.is_not(None),
                    User.blocked_at.is_(None),
                )
            )
        ).all()
        schools = {
            s.id: s.name
            for s in (
                await session.scalars(
                    select(School).where(School.municipality_id == municipality_id)
                )
            ).all()
        }
        messages = []
        for supervisor in supervisors:
            t = texts.for_locale(supervisor.locale)
            lines = await _lines(session, t, fresh, schools, municipality_id, today)
            messages.append((supervisor.chat_id, OutgoingMessage("\n".join(lines))))
        await persist_before_io(session, "submissions claimed before announcing them")
    await sender.send_many(messages)
    return len(fresh)


async def _lines(
    session: AsyncSession,
    t: Translator,
    fresh: list[Submission],
    schools: dict[int, str],
    municipality_id: int,
    today: date,
) -> list[str]:
    """The announcement's lines: at most :data:`MAX_LINES` submissions, school by school."""
    by_school: dict[int, list[Submission]] = defaultdict(list)
    for submission in fresh:
        by_school[submission.school_id].append(submission)
    lines = [t("notify-header", n=len(fresh))]
    shown = 0
    for school_id, items in by_school.items():
        for submission in items:
            if shown >= MAX_LINES:
                break
            task = await get_task_in_municipality(
                session, submission.assignment_id, municipality_id, today
            )
            lines.append(
                t(
                    "notify-line",
                    school=esc(schools.get(school_id, "")),
                    activity=activity_title(t, task, 80) if task else "—",
                    files=t("count-files", n=len(submission.files)),
                )
            )
            shown += 1
    if len(fresh) > shown:
        lines.append(t("list-more", n=len(fresh) - shown))
    lines.append(t("notify-footer"))
    return lines
