"""The command menu, per role and language (setMyCommands with a chat scope)."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat

from models import Role
from services.i18n import Texts

log = logging.getLogger(__name__)

EVERYONE = ("start", "help", "lang", "cancel")
SUPERVISOR = (
    "status",
    "review",
    "overdue",
    "export",
    "plan",
    "plans",
    "schools",
    "addschool",
    "invite",
    "remind",
    "broadcast",
    "addsupervisor",
    "help",
    "lang",
    "cancel",
)
COORDINATOR = ("tasks", "help", "lang", "cancel", "forgetme")


def commands_for(role: Role | None) -> tuple[str, ...]:
    """The commands in the menu of someone with this role (``None``: a stranger)."""
    if role is Role.SUPERVISOR:
        return SUPERVISOR
    if role is Role.COORDINATOR:
        return COORDINATOR
    return EVERYONE


def _commands(texts: Texts, names: tuple[str, ...], locale: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=texts.get(f"cmd-{name}", locale)) for name in names
    ]


async def set_default_commands(bot: Bot, texts: Texts) -> None:
    """The menu of everyone's private chats, in each language."""
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(_commands(texts, EVERYONE, texts.default_locale), scope=scope)
    for locale in texts.locales:
        await bot.set_my_commands(
            _commands(texts, EVERYONE, locale), scope=scope, language_code=locale
        )


async def set_user_commands(
    bot: Bot, texts: Texts, chat_id: int | None, role: Role | None, locale: str | None
) -> None:
    """The menu of one person's chat. A failure here is logged, never shown to the person."""
    if chat_id is None:
        return
    try:
        await bot.set_my_commands(
            _commands(texts, commands_for(role), texts.resolve_locale(locale)),
            scope=BotCommandScopeChat(chat_id=chat_id),
        )
    except TelegramAPIError as error:
        log.warning("could not set commands for chat %s: %s", chat_id, type(error).__name__)
