"""/status and /overdue for a supervisor, and one school's details."""

from __future__ import annotations

import asyncio

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import SchoolCb
from handlers.context import municipality_of, supervisor_today
from handlers.keyboards import schools_keyboard
from models import User
from services.charts import progress_png
from services.i18n import BoundTexts
from services.preview import chunk_lines, kind_label
from services.progress import (
    municipality_counts,
    municipality_progress,
    overdue_by_school,
    school_sections,
)
from services.render import esc, school_line, task_line
from services.tasks import TaskState

MAX_ITEMS_PER_SCHOOL = 10
SECTION_TITLES = {
    TaskState.OVERDUE: "school-section-overdue",
    TaskState.SUBMITTED: "school-section-submitted",
    TaskState.OPEN: "school-section-open",
}


def create_router() -> Router:
    """The supervisor's /status, /overdue and school details router."""
    router = Router(name=__name__)
    router.message.register(status, Command("status"))
    router.message.register(overdue, Command("overdue"))
    router.callback_query.register(school_details, SchoolCb.filter(F.action == "open"))
    return router


async def status(message: Message, t: BoundTexts, session: AsyncSession, user: User):
    """The municipality's tallies, a line per school, school buttons and the picture."""
    municipality = await municipality_of(session, user)
    today = await supervisor_today(session, user)
    progress = await municipality_counts(session, municipality.id, today)
    if not progress.schools:
        return message.answer(t("schools-empty"))
    total = progress.total
    lines = [
        t("status-header", municipality=esc(municipality.name), date=t.date(today)),
        t(
            "status-total",
            assigned=total.assigned,
            accepted=total.accepted,
            percent=total.percent_done,
            submitted=total.submitted,
            overdue=total.overdue,
            due=total.due,
        ),
        "",
    ]
    lines.extend(school_line(t, school) for school in progress.schools)
    lines += ["", t("status-hint")]
    chunks = chunk_lines(lines)
    for chunk in chunks[:-1]:
        await message.answer(chunk)
    keyboard = schools_keyboard(t, [(s.school_id, s.name) for s in progress.schools], "open")
    await message.answer(chunks[-1], reply_markup=keyboard)
    picture = await asyncio.to_thread(
        progress_png, t, progress.schools, t("status-chart-title", date=t.date(today))
    )
    return message.answer_photo(BufferedInputFile(picture, filename="progress.png"))


async def overdue(message: Message, t: BoundTexts, session: AsyncSession, user: User):
    """Everything overdue, school by school (the most overdue school first)."""
    municipality = await municipality_of(session, user)
    today = await supervisor_today(session, user)
    progress = await municipality_progress(session, municipality.id, today)
    rows = overdue_by_school(progress, today)
    if not rows:
        return message.answer(t("overdue-none", date=t.date(today)))
    lines = [t("overdue-header", date=t.date(today))]
    for school, items in rows:
        lines.append("")
        lines.append(f"<b>{esc(school.name)}</b> — {t('count-overdue', n=len(items))}")
        for item in items[:MAX_ITEMS_PER_SCHOOL]:
            lines.append(task_line(t, item, today))
        if len(items) > MAX_ITEMS_PER_SCHOOL:
            lines.append(t("list-more", n=len(items) - MAX_ITEMS_PER_SCHOOL))
    chunks = chunk_lines(lines)
    for chunk in chunks[:-1]:
        await message.answer(chunk)
    return message.answer(chunks[-1])


async def school_details(
    callback: CallbackQuery,
    callback_data: SchoolCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
):
    """One school: its coordinators, its tallies and its tasks by section."""
    municipality = await municipality_of(session, user)
    today = await supervisor_today(session, user)
    progress = await municipality_progress(
        session, municipality.id, today, school_id=callback_data.school_id
    )
    if not progress.schools:
        return callback.answer(t("button-not-yours"), show_alert=True)
    school = progress.schools[0]
    tasks = progress.tasks[school.school_id]
    lines = [
        f"<b>{esc(school.name)}</b> ({kind_label(t, school.kind)})",
        t(
            "school-coordinators",
            names=", ".join(esc(c) for c in school.coordinators) or t("schools-no-coordinator"),
        ),
        school_line(t, school),
    ]
    for state, items in school_sections(tasks):
        lines += ["", f"<b>{t(SECTION_TITLES[state], n=len(items))}</b>"]
        lines += [task_line(t, item, today) for item in items[:MAX_ITEMS_PER_SCHOOL]]
        if len(items) > MAX_ITEMS_PER_SCHOOL:
            lines.append(t("list-more", n=len(items) - MAX_ITEMS_PER_SCHOOL))
    await callback.answer()
    if callback.message is not None:
        for chunk in chunk_lines(lines):
            await callback.message.answer(chunk)
    return None
