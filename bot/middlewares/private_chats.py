"""The bot speaks in private chats only.

School data, invites and evidence belong to one person's chat with the bot. Before, a
supervisor's ``/status@bot`` in a group posted the whole municipality's progress there, a
coordinator's «выполнено 1.2» photo started a draft, ``/start@bot <token>`` used the invite
and bound a person who has no private chat, and every «Коллеги, добрый день» got «Не понял…».

This gate is an outer update middleware placed before the update's unit of work: an update
from a group, supergroup or channel never reaches a handler or the database. Instead:

- a command addressed to the bot (``/status@bot``, or ``/status`` with no bot named) gets one
  short line — write to me in private, with the link to the private chat;
- a button under an old message in a group gets the same line as an alert;
- the bot added to a channel leaves it (``my_chat_member`` → ``leaveChat``);
- anything else is left alone: silence.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Chat, Message, ReplyParameters, TelegramObject, Update
from aiogram.types import User as TgUser

from services.i18n import BoundTexts, Texts
from services.messenger import TELEGRAM, MessengerLimits

log = logging.getLogger(__name__)

PRESENT = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR}


async def addressed_to(message: Message, bot: Bot) -> bool:
    """A command meant for this bot: ``/cmd@this_bot``, or ``/cmd`` naming no bot."""
    text = message.text or message.caption or ""
    entities = message.entities or message.caption_entities or []
    if not any(e.type == "bot_command" and e.offset == 0 for e in entities):
        return False
    _, _, mention = text.split(maxsplit=1)[0].partition("@")
    return not mention or mention.lower() == ((await bot.me()).username or "").lower()


class PrivateChatsOnly(BaseMiddleware):
    """Lets private chats through; answers, leaves or ignores the rest (see module)."""

    def __init__(self, texts: Texts, limits: MessengerLimits = TELEGRAM) -> None:
        self.texts = texts
        self.limits = limits

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat: Chat | None = data.get("event_chat")
        if chat is None or chat.type == ChatType.PRIVATE or not isinstance(event, Update):
            return await handler(event, data)
        sender: TgUser | None = data.get("event_from_user")
        t = self.texts.for_locale(sender.language_code if sender else None)
        try:
            await self._outside(event, chat, data["bot"], t)
        except TelegramAPIError as error:  # no right to write there, the chat is gone …
            log.info("nothing said in chat %s: %s", chat.id, error)
        return None

    async def _outside(self, update: Update, chat: Chat, bot: Bot, t: BoundTexts) -> None:
        if update.my_chat_member is not None:
            joined = update.my_chat_member.new_chat_member.status in PRESENT
            if joined and chat.type == ChatType.CHANNEL:
                log.info("added to channel %s: leaving it", chat.id)
                await bot.leave_chat(chat.id)
            return
        if update.callback_query is not None:
            await update.callback_query.answer(await self._line(bot, t), show_alert=True)
            return
        message = update.message
        if message is not None and await addressed_to(message, bot):
            await bot.send_message(
                chat.id,
                await self._line(bot, t),
                reply_parameters=ReplyParameters(
                    message_id=message.message_id, allow_sending_without_reply=True
                ),
            )

    async def _line(self, bot: Bot, t: BoundTexts) -> str:
        username = (await bot.me()).username or ""
        return t("private-chats-only", link=self.limits.private_chat_link(username))
