"""What people type instead of a command becomes that command before any handler sees it.

A message outer middleware (after the sender and the conversation state are known): a pasted
invite link becomes ``/start <token>``; a command's name typed as a word («задачи») becomes the
command — unless the bot is waiting for a text (a return comment, a date), when the word is
that text (but «отмена» still cancels); a slip of the keyboard (``/stauts``) becomes the one
command it is close to. The rules are in :mod:`handlers.everyone.typed`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import Message, MessageEntity, TelegramObject

from handlers.everyone.typed import Vocabulary, invite_token_in
from models import User
from services.chunks import units
from services.i18n import Texts

# Words understood even while the bot waits for a text: nobody's comment is just «отмена».
ALWAYS = frozenset({"cancel"})


def as_command(message: Message, command: str, args: str = "") -> Message:
    """``message`` with its text replaced by ``/command args``, marked as a bot command."""
    text = f"/{command} {args}".strip()
    entity = MessageEntity(type="bot_command", offset=0, length=units(f"/{command}"))
    return message.model_copy(update={"text": text, "entities": [entity]})


async def _me(bot: Bot) -> str:
    """The bot's username (asked once, then cached by aiogram)."""
    return (await bot.me()).username or ""


class TypedCommands(BaseMiddleware):
    def __init__(self, texts: Texts) -> None:
        self.vocabulary = Vocabulary(texts)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Message) and event.text:
            event = await self._understood(event, data) or event
        return await handler(event, data)

    async def _understood(self, message: Message, data: dict[str, Any]) -> Message | None:
        text = (message.text or "").strip()
        bot: Bot = data["bot"]
        token = invite_token_in(text, await _me(bot)) if "start=" in text else None
        if token is not None:
            return as_command(message, "start", token)
        user: User | None = data.get("user")
        role = user.role if user is not None else None
        if text.startswith("/"):
            head, _, args = text.partition(" ")
            typed, _, mention = head[1:].partition("@")
            if mention and mention.lower() != (await _me(bot)).lower():
                return None
            command = self.vocabulary.command_for_slash(typed, role)
            return as_command(message, command, args.strip()) if command else None
        command = self.vocabulary.command_for_words(text, role)
        if data.get("raw_state") is not None and command not in ALWAYS:
            return None  # the bot waits for a text: the word is that text
        return as_command(message, command) if command else None
