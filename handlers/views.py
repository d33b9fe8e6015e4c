"""Texts and keyboards from the use cases' plain data, shared by several handler modules.

The greeting, the help by role and the coordinator's draft are rendered here, once: /start and
/cancel (handlers/everyone/common.py), the coordinator's files and buttons
(handlers/coordinator/submissions.py) and the fallback all use them, and none of those modules
imports another.
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.keyboards import draft_keyboard, pick_keyboard
from models import Role, User
from services.drafts import DraftStep, DraftView, Receipt
from services.i18n import BoundTexts, Translator
from services.onboarding import Greeting, greeting_of
from services.render import activity_title, due_label, esc, short

DRAFT_COMMENT_CHARS = 300


def help_key(user: User | None) -> str:
    """The help text's key for the person's role."""
    if user is not None and user.role is Role.SUPERVISOR:
        return "help-supervisor"
    if user is not None and user.role is Role.COORDINATOR:
        return "help-coordinator"
    return "help-stranger"


def greeting_text(t: Translator, greeting: Greeting) -> str:
    """/start's text for a :class:`~services.onboarding.Greeting` (HTML, escaped)."""
    if greeting.role is Role.SUPERVISOR:
        return t("start-supervisor", name=esc(greeting.name), municipality=esc(greeting.place))
    if greeting.role is not Role.COORDINATOR:
        return t("start-stranger")
    text = t("start-coordinator", name=esc(greeting.name), school=esc(greeting.place))
    if greeting.open_tasks:
        text += "\n\n" + t("start-coordinator-tasks", n=greeting.open_tasks)
        if greeting.nearest is not None:
            text += " " + t("start-coordinator-nearest", due=due_label(t, greeting.nearest))
    return text + "\n\n" + t("start-coordinator-how")


async def greeting(t: BoundTexts, session: AsyncSession, user: User | None) -> str:
    """The person's greeting, rendered."""
    return greeting_text(t, await greeting_of(session, user))


def draft_message(t: Translator, view: DraftView) -> tuple[str, InlineKeyboardMarkup]:
    """What the coordinator sees after each step: for which activity, how many files, what
    next — or which activity the files are for."""
    if view.step is DraftStep.PICK:
        return (
            t("draft-which-activity", n=view.files),
            pick_keyboard(t, view.draft_id, list(view.candidates)),
        )
    if view.step is DraftStep.NO_OPEN_TASKS:
        return t("draft-no-open-tasks", n=view.files), draft_keyboard(
            t, view.draft_id, can_send=False
        )
    if view.step is DraftStep.TASK_GONE or view.task is None:
        return t("task-not-found"), draft_keyboard(t, view.draft_id, can_send=False)
    text = t("draft-for", activity=activity_title(t, view.task), due=due_label(t, view.task))
    text += "\n" + t("draft-files", n=view.files)
    text += _fetch_note(t, view.fetching, view.lost, "draft-files-lost")
    if view.comment:
        text += "\n" + t("draft-comment", comment=esc(short(view.comment, DRAFT_COMMENT_CHARS)))
    text += "\n\n" + t("draft-next" if view.can_send else "draft-send-files")
    return text, draft_keyboard(t, view.draft_id, can_send=view.can_send)


def _fetch_note(t: Translator, fetching: int, lost: int, lost_key: str) -> str:
    """What is true of the files received: some still being fetched, some lost («» if none)."""
    note = ""
    if fetching:
        note += " " + t("draft-files-fetching", n=fetching)
    if lost:
        note += "\n" + t(lost_key, n=lost)
    return note


def receipt_text(t: BoundTexts, receipt: Receipt) -> str | None:
    """The receipt of a sent draft: files received, and how many are still being fetched or
    were lost (never «stored» for a file not in the store); ``None`` when its activity is gone
    (only the short answer under the button is given then)."""
    if receipt.task is None or receipt.submitted_at is None:
        return None
    text = t(
        "draft-receipt",
        activity=activity_title(t, receipt.task),
        files=t("count-files", n=receipt.files),
        time=t.datetime(receipt.submitted_at, receipt.timezone),
    )
    return text + _fetch_note(t, receipt.fetching, receipt.lost, "draft-receipt-lost")
