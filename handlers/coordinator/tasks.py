"""/tasks for a coordinator: the school's activities, nearest deadline first, and their cards."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import TaskCb
from handlers.keyboards import TASKS_PER_PAGE, task_card_keyboard, tasks_keyboard
from models import User
from services.i18n import BoundTexts
from services.render import task_card, task_line
from services.submissions import link_message
from services.tasks import TaskItem, coordinator_task_card, coordinator_tasks
from services.unit_of_work import persist_before_io


def create_router() -> Router:
    """/tasks and its pages and cards (coordinators only)."""
    router = Router(name=__name__)
    router.message.register(list_tasks, Command("tasks"))
    router.callback_query.register(page, TaskCb.filter(F.action == "page"))
    router.callback_query.register(card, TaskCb.filter(F.action == "card"))
    return router


def tasks_text(t: BoundTexts, tasks: list[TaskItem], page_number: int, today: date) -> str:
    """One page of /tasks: the header, the page's activities, the page number, the hint."""
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
    """/tasks: the first page of the school's activities."""
    listing = await coordinator_tasks(session, user)
    if not listing.tasks:
        return message.answer(t("tasks-empty"))
    return message.answer(
        tasks_text(t, listing.tasks, 0, listing.today),
        reply_markup=tasks_keyboard(t, listing.tasks, 0),
    )


async def page(
    callback: CallbackQuery, callback_data: TaskCb, t: BoundTexts, session: AsyncSession, user: User
):
    """Another page of /tasks."""
    listing = await coordinator_tasks(session, user)
    tasks = listing.tasks
    pages = max(1, (len(tasks) + TASKS_PER_PAGE - 1) // TASKS_PER_PAGE)
    number = min(max(callback_data.page, 0), pages - 1)
    await callback.answer()
    if callback.message is None:
        return None
    return callback.message.answer(
        tasks_text(t, tasks, number, listing.today), reply_markup=tasks_keyboard(t, tasks, number)
    )


async def card(
    callback: CallbackQuery, callback_data: TaskCb, t: BoundTexts, session: AsyncSession, user: User
):
    """An activity's card; a reply to it will mean that activity."""
    found = await coordinator_task_card(session, user, callback_data.assignment_id)
    await callback.answer()
    if callback.message is None:
        return None
    await persist_before_io(session, "release the database while the card is sent")
    sent = await callback.message.answer(
        task_card(t, found.task, found.today, found.returned_comment),
        reply_markup=task_card_keyboard(t, found.task),
    )
    # A reply to this card means this activity.
    await link_message(session, sent.chat.id, sent.message_id, [found.task.assignment_id])
    return None
