"""/tasks for a coordinator: the school's activities, nearest deadline first, and their cards."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import TaskCb
from handlers.context import coordinator_today
from handlers.filters import RoleFilter
from handlers.keyboards import TASKS_PER_PAGE, task_card_keyboard, tasks_keyboard
from models import Role, Submission, SubmissionState, User
from services.i18n import BoundTexts
from services.render import task_card, task_line
from services.submissions import link_message
from services.tasks import TaskItem, get_task, school_tasks


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(RoleFilter(Role.COORDINATOR))
    router.callback_query.filter(RoleFilter(Role.COORDINATOR))
    router.message.register(list_tasks, Command("tasks"))
    router.callback_query.register(page, TaskCb.filter(F.action == "page"))
    router.callback_query.register(card, TaskCb.filter(F.action == "card"))
    return router


def tasks_text(t: BoundTexts, tasks: list[TaskItem], page_number: int, today) -> str:  # type: ignore[no-untyped-def]
    open_count = sum(1 for task in tasks if task.is_open)
    lines = [t("tasks-header", n=len(tasks), open=open_count)]
    start = page_number * TASKS_PER_PAGE
    for task in tasks[start : start + TASKS_PER_PAGE]:
        lines.append(task_line(t, task, today))
    pages = (len(tasks) + TASKS_PER_PAGE - 1) // TASKS_PER_PAGE
    if pages > 1:
        lines.append(t("tasks-page", page=page_number + 1, pages=pages))
    lines.append(t("tasks-hint"))
    return "\n\n".join(lines)


async def list_tasks(message: Message, t: BoundTexts, session: AsyncSession, user: User):
    today = await coordinator_today(session, user)
    tasks = await school_tasks(session, user.school_id, today)  # type: ignore[arg-type]
    if not tasks:
        return message.answer(t("tasks-empty"))
    return message.answer(tasks_text(t, tasks, 0, today), reply_markup=tasks_keyboard(t, tasks, 0))


async def page(
    callback: CallbackQuery, callback_data: TaskCb, t: BoundTexts, session: AsyncSession, user: User
):
    today = await coordinator_today(session, user)
    tasks = await school_tasks(session, user.school_id, today)  # type: ignore[arg-type]
    pages = max(1, (len(tasks) + TASKS_PER_PAGE - 1) // TASKS_PER_PAGE)
    number = min(max(callback_data.page, 0), pages - 1)
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(
            tasks_text(t, tasks, number, today), reply_markup=tasks_keyboard(t, tasks, number)
        )


async def card(
    callback: CallbackQuery, callback_data: TaskCb, t: BoundTexts, session: AsyncSession, user: User
):
    today = await coordinator_today(session, user)
    task = await get_task(session, callback_data.assignment_id, user.school_id, today)  # type: ignore[arg-type]
    if task is None:
        return callback.answer(t("button-not-yours"), show_alert=True)
    returned = await session.scalar(
        select(Submission.review_comment)
        .where(
            Submission.assignment_id == task.assignment_id,
            Submission.state == SubmissionState.RETURNED,
        )
        .order_by(Submission.id.desc())
        .limit(1)
    )
    await callback.answer()
    if callback.message is None:
        return None
    await session.commit()
    sent = await callback.message.answer(
        task_card(t, task, today, returned), reply_markup=task_card_keyboard(t, task)
    )
    # A reply to this card means this activity.
    await link_message(session, sent.chat.id, sent.message_id, [task.assignment_id])
    return None
