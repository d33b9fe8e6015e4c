"""Inline keyboards, built from plain data and the translator."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import DraftCb, ForgetCb, ImportCb, LangCb, ReviewCb, SchoolCb, TaskCb
from services.i18n import Translator
from services.render import STATE_ICONS, short
from services.sending import Button
from services.tasks import TaskItem

TASKS_PER_PAGE = 8
PICK_LIMIT = 8


def import_keyboard(t: Translator, key: str, *, schools: bool) -> InlineKeyboardMarkup:
    """Save or cancel a plan's preview (and save with the new schools)."""
    builder = InlineKeyboardBuilder()
    builder.button(text=t("btn-import-save"), callback_data=ImportCb(action="save", key=key))
    builder.button(text=t("btn-cancel"), callback_data=ImportCb(action="cancel", key=key))
    if schools:
        builder.button(
            text=t("btn-import-save-schools"), callback_data=ImportCb(action="schools", key=key)
        )
    builder.adjust(2, 1)
    return builder.as_markup()


def _task_button_text(t: Translator, task: TaskItem) -> str:
    from services.render import activity_text

    number = "" if not task.number or task.activity_kind.value != "plan" else f"{task.number}. "
    return f"{STATE_ICONS[task.state]} {number}{short(activity_text(t, task), 40)}"


def tasks_keyboard(t: Translator, tasks: list[TaskItem], page: int) -> InlineKeyboardMarkup:
    """One page of /tasks: a button per activity, and the pager."""
    builder = InlineKeyboardBuilder()
    start = page * TASKS_PER_PAGE
    for task in tasks[start : start + TASKS_PER_PAGE]:
        builder.row(
            InlineKeyboardButton(
                text=_task_button_text(t, task),
                callback_data=TaskCb(action="card", assignment_id=task.assignment_id).pack(),
            )
        )
    pages = (len(tasks) + TASKS_PER_PAGE - 1) // TASKS_PER_PAGE
    add_pager(builder, t, page, pages, lambda n: TaskCb(action="page", page=n).pack())
    return builder.as_markup()


def add_pager(
    builder: InlineKeyboardBuilder,
    t: Translator,
    page: int,
    pages: int,
    callback: Callable[[int], str],
) -> None:
    """«◀️ Назад» / «Дальше ▶️» under a paged list, where there is somewhere to go."""
    navigation = []
    if page > 0:
        navigation.append(
            InlineKeyboardButton(text=t("btn-prev"), callback_data=callback(page - 1))
        )
    if page + 1 < pages:
        navigation.append(
            InlineKeyboardButton(text=t("btn-next"), callback_data=callback(page + 1))
        )
    if navigation:
        builder.row(*navigation)


def task_card_keyboard(t: Translator, task: TaskItem) -> InlineKeyboardMarkup | None:
    """«Mark done» under an open activity's card; ``None`` for a done one."""
    if not task.is_open:
        return None
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("btn-mark-done"),
        callback_data=TaskCb(action="done", assignment_id=task.assignment_id),
    )
    return builder.as_markup()


def reminder_item_button(assignment_id: int, label: str) -> Button:
    """The button under a reminder's item that starts submitting for it, messenger-neutral:
    the factory hands this to the scheduler (:class:`scheduler.reminders.TaskButton`)."""
    return Button(label, callback_data=TaskCb(action="done", assignment_id=assignment_id).pack())


def draft_keyboard(t: Translator, draft_id: int, *, can_send: bool) -> InlineKeyboardMarkup:
    """Under the draft: send (when it can be sent), cancel, another activity."""
    builder = InlineKeyboardBuilder()
    if can_send:
        builder.button(text=t("btn-send"), callback_data=DraftCb(action="send", draft_id=draft_id))
    builder.button(text=t("btn-cancel"), callback_data=DraftCb(action="cancel", draft_id=draft_id))
    builder.button(
        text=t("btn-other-activity"), callback_data=DraftCb(action="other", draft_id=draft_id)
    )
    builder.adjust(2, 1)
    return builder.as_markup()


def pick_keyboard(t: Translator, draft_id: int, tasks: list[TaskItem]) -> InlineKeyboardMarkup:
    """Which activity the draft is for: the first ``PICK_LIMIT`` open ones, and cancel."""
    builder = InlineKeyboardBuilder()
    for task in tasks[:PICK_LIMIT]:
        builder.row(
            InlineKeyboardButton(
                text=_task_button_text(t, task),
                callback_data=DraftCb(
                    action="pick", draft_id=draft_id, assignment_id=task.assignment_id
                ).pack(),
            )
        )
    builder.row(
        InlineKeyboardButton(
            text=t("btn-cancel"), callback_data=DraftCb(action="cancel", draft_id=draft_id).pack()
        )
    )
    return builder.as_markup()


def review_keyboard(t: Translator, submission_id: int) -> InlineKeyboardMarkup:
    """Under a submission on review: accept, return, next."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("btn-accept"), callback_data=ReviewCb(action="accept", submission_id=submission_id)
    )
    builder.button(
        text=t("btn-return"), callback_data=ReviewCb(action="return", submission_id=submission_id)
    )
    builder.button(
        text=t("btn-review-next"),
        callback_data=ReviewCb(action="next", submission_id=submission_id),
    )
    builder.adjust(2, 1)
    return builder.as_markup()


def schools_keyboard(
    t: Translator, schools: list[tuple[int, str]], action: str
) -> InlineKeyboardMarkup:
    """A button per school (at most 50), each with ``action``."""
    builder = InlineKeyboardBuilder()
    for school_id, name in schools[:50]:
        builder.row(
            InlineKeyboardButton(
                text=short(name, 50),
                callback_data=SchoolCb(action=action, school_id=school_id).pack(),
            )
        )
    return builder.as_markup()


def language_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """The languages the bot speaks."""
    builder = InlineKeyboardBuilder()
    builder.button(text=t("lang-name-ru"), callback_data=LangCb(locale="ru"))
    builder.button(text=t("lang-name-en"), callback_data=LangCb(locale="en"))
    return builder.as_markup()


def forget_keyboard(t: Translator, user_id: int) -> InlineKeyboardMarkup:
    """/forgetme's confirmation button, for this person only."""
    builder = InlineKeyboardBuilder()
    builder.button(text=t("btn-forget-confirm"), callback_data=ForgetCb(user_id=user_id))
    return builder.as_markup()
