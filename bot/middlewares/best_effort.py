"""Acknowledgements are best effort: the work never depends on them.

Closing a button's spinner (answerCallbackQuery), a typing indicator, deleting or editing an
old message only tell the person something already true. Telegram refuses them for reasons that
say nothing about the work: a button pressed while the bot was restarting and handled later is
«query is too old»; a message already deleted or unchanged cannot be edited. Before, such a 400
rose out of the handler, the update's transaction was rolled back (the supervisor's «Принять»
undone, the school never told) or the person got an apology instead of the receipt.

Registered on the Bot's session, this covers every caller at once — handlers awaiting
``callback.answer()``, answers returned to the update runner, jobs. A refused acknowledgement
is logged and reported as done (``True``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import ClientDecodeError, TelegramAPIError
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    DeleteMessages,
    EditMessageCaption,
    EditMessageMedia,
    EditMessageReplyMarkup,
    EditMessageText,
    SendChatAction,
    SetMessageReaction,
    TelegramMethod,
)

log = logging.getLogger(__name__)

# What only acknowledges or tidies up: nothing the person needs is lost when it is refused.
ACKNOWLEDGEMENTS: tuple[type[TelegramMethod[Any]], ...] = (
    AnswerCallbackQuery,
    SendChatAction,
    SetMessageReaction,
    DeleteMessage,
    DeleteMessages,
    EditMessageText,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageMedia,
)


class BestEffortMiddleware(BaseRequestMiddleware):
    """An acknowledgement Telegram refuses (or that cannot reach it) is logged, not raised."""

    async def __call__(
        self,
        make_request: Callable[[Bot, TelegramMethod[Any]], Awaitable[Any]],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Any:
        if not isinstance(method, ACKNOWLEDGEMENTS):
            return await make_request(bot, method)
        try:
            return await make_request(bot, method)
        except (TelegramAPIError, ClientDecodeError) as error:
            log.info("%s not done (best effort): %s", type(method).__name__, error)
            return True
