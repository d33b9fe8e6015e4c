"""The last line of defence: log the failure with its context, apologise, keep running."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.types import ErrorEvent

from services.i18n import Texts

log = logging.getLogger(__name__)


def create_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_error)
    return router


async def on_error(event: ErrorEvent, bot: Bot, texts: Texts, **data: object) -> bool:
    update = event.update
    sender = None
    chat_id = None
    if update.message:
        sender, chat_id = update.message.from_user, update.message.chat.id
    elif update.callback_query:
        sender = update.callback_query.from_user
        message = update.callback_query.message
        chat_id = message.chat.id if message else sender.id
    log.error(
        "handler failed: update_id=%s user_id=%s error=%s",
        update.update_id,
        sender.id if sender else None,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    if chat_id is not None:
        t = data.get("t") or texts.for_locale(None)
        try:
            await bot.send_message(chat_id, t("error-apology"))
        except Exception:  # the apology itself failed (network, blocked): nothing more to do
            log.warning("could not apologise to chat %s", chat_id)
    return True
