"""Anything no other handler took: a helpful answer, never silence."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from handlers.views import help_key
from models import User
from services.i18n import BoundTexts


def create_router() -> Router:
    """The last router: whatever no other handler took."""
    router = Router(name=__name__)
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(unknown_message)
    router.callback_query.register(stale_button)
    return router


async def unknown_command(message: Message, t: BoundTexts, user: User | None = None):
    """A command the person's role does not have: say so, with their help."""
    return message.answer(t("unknown-command") + "\n\n" + t(help_key(user)))


async def unknown_message(message: Message, t: BoundTexts, user: User | None = None):
    """Anything else: not understood, with their help."""
    return message.answer(t("unknown-message") + "\n\n" + t(help_key(user)))


async def stale_button(callback: CallbackQuery, t: BoundTexts):
    """A button no handler took: out of date."""
    return callback.answer(t("button-stale"), show_alert=True)
