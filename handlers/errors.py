"""Errors, translated once: a domain error becomes a polite answer in the user's language; any
other failure is logged with its context and apologised for. The bot keeps running.

A handler never catches :class:`~services.errors.DomainError` itself: it lets the use case's error
rise; the update's transaction is rolled back (nothing half-done is kept) and
:func:`on_domain_error` answers the person — an alert under a pressed button, a message otherwise.
"""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent, Update

from services.errors import DomainError
from services.i18n import Texts
from services.render import error_text

log = logging.getLogger(__name__)


def create_router() -> Router:
    """The router that must come first: its error handlers see every other router's failures."""
    router = Router(name=__name__)
    router.errors.register(on_domain_error, ExceptionTypeFilter(DomainError))
    router.errors.register(on_error)
    return router


def _sender_and_chat(update: Update) -> tuple[int | None, int | None]:
    """(user id, chat id) of the person behind ``update``; ``None`` where the update has none."""
    if update.message:
        user = update.message.from_user
        return (user.id if user else None), update.message.chat.id
    if update.callback_query:
        sender = update.callback_query.from_user
        message = update.callback_query.message
        return sender.id, (message.chat.id if message else sender.id)
    return None, None


async def on_domain_error(event: ErrorEvent, bot: Bot, texts: Texts, **data: object) -> bool:
    """Answer a refused action (``DomainError``) with its localised text; nothing was changed."""
    error = event.exception
    assert isinstance(error, DomainError)
    update = event.update
    user_id, chat_id = _sender_and_chat(update)
    log.info("refused: update_id=%s user_id=%s key=%s", update.update_id, user_id, error.key)
    t = data.get("t") or texts.for_locale(None)
    text = error_text(t, error)  # type: ignore[arg-type]
    with contextlib.suppress(TelegramAPIError):
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif chat_id is not None:
            await bot.send_message(chat_id, text)
    return True


async def on_error(event: ErrorEvent, bot: Bot, texts: Texts, **data: object) -> bool:
    """Log an unexpected failure with the update and the sender, and apologise to them."""
    update = event.update
    user_id, chat_id = _sender_and_chat(update)
    log.error(
        "handler failed: update_id=%s user_id=%s error=%s",
        update.update_id,
        user_id,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    if chat_id is not None:
        t = data.get("t") or texts.for_locale(None)
        try:
            await bot.send_message(chat_id, t("error-apology"))  # type: ignore[operator]
        except Exception:  # the apology itself failed (network, blocked): nothing more to do
            log.warning("could not apologise to chat %s", chat_id)
    return True
