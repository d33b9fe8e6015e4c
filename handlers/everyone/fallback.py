"""Anything no other handler took: a helpful answer, never silence.

A command of another role says whom it is for and what this person can do instead; a command
that is nobody's but close to some suggests them (:mod:`handlers.everyone.typed`).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from handlers.everyone.typed import ONLY_FOR, near_commands
from handlers.menu import commands_for
from handlers.views import help_key
from models import Role, User
from services.i18n import BoundTexts

FOR_ROLE = {
    Role.SUPERVISOR: "command-for-supervisors",
    Role.COORDINATOR: "command-for-coordinators",
}
WHAT_NEXT = {
    None: "command-next-stranger",
    Role.SUPERVISOR: "command-next-supervisor",
    Role.COORDINATOR: "command-next-coordinator",
}


def create_router() -> Router:
    """The last router: whatever no other handler took."""
    router = Router(name=__name__)
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(unknown_message)
    router.callback_query.register(stale_button)
    return router


def _command_of(text: str) -> str:
    return text.split(maxsplit=1)[0][1:].partition("@")[0]


async def unknown_command(message: Message, t: BoundTexts, user: User | None = None):
    """A command the person's role does not have: whom it is for and what to do; a slip:
    the commands it is close to; else: not known, with their help."""
    role = user.role if user is not None else None
    command = _command_of(message.text or "")
    owner = ONLY_FOR.get(command)
    if owner is not None and command not in commands_for(role):
        return message.answer(
            t(FOR_ROLE[owner], command=command) + "\n\n" + t(WHAT_NEXT.get(role, WHAT_NEXT[None]))
        )
    close = [name for name in near_commands(command, role) if name in commands_for(role)]
    if close:
        listed = ", ".join(f"/{name}" for name in close)
        return message.answer(t("unknown-command-close", commands=listed))
    return message.answer(t("unknown-command") + "\n\n" + t(help_key(user)))


async def unknown_message(message: Message, t: BoundTexts, user: User | None = None):
    """Anything else: not understood, with their help."""
    return message.answer(t("unknown-message") + "\n\n" + t(help_key(user)))


async def stale_button(callback: CallbackQuery, t: BoundTexts):
    """A button no handler took: out of date."""
    return callback.answer(t("button-stale"), show_alert=True)
