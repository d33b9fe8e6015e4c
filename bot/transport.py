"""Telegram as a :class:`services.sending.Transport`: aiogram errors become delivery errors."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.middlewares.flood_wait import PACED
from services.sending import (
    OutgoingMessage,
    Rejected,
    RetryAfter,
    Transient,
    Unreachable,
)

_UNREACHABLE_WORDS = ("chat not found", "user is deactivated", "bot was kicked", "have no rights")


def inline_keyboard(message: OutgoingMessage) -> InlineKeyboardMarkup | None:
    """The message's rows of buttons as Telegram's inline keyboard; None without buttons."""
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=b.text, callback_data=b.callback_data, url=b.url)
                for b in row
            ]
            for row in message.buttons
        ]
    )


class TelegramTransport:
    """Sends an :class:`OutgoingMessage` with the bot; aiogram's errors become
    :class:`services.sending.DeliveryError` kinds (429 → RetryAfter, blocked or gone →
    Unreachable, a bad request → Rejected, network and server trouble → Transient)."""

    platform = "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, message: OutgoingMessage) -> int:
        """Send as HTML; returns the new message's id. The request is marked paced, so the
        flood-wait middleware leaves 429s to the sender."""
        paced = PACED.set(True)  # the sender deals with 429 itself (see bot/middlewares)
        try:
            sent = await self.bot.send_message(
                chat_id, message.text, reply_markup=inline_keyboard(message)
            )
        except TelegramRetryAfter as error:
            raise RetryAfter(error.retry_after) from error
        except TelegramForbiddenError as error:
            raise Unreachable(error.message) from error
        except TelegramBadRequest as error:
            if any(word in error.message.lower() for word in _UNREACHABLE_WORDS):
                raise Unreachable(error.message) from error
            raise Rejected(error.message) from error
        except (TelegramNetworkError, TelegramServerError, TelegramNotFound) as error:
            raise Transient(str(error)) from error
        except TelegramAPIError as error:
            raise Transient(str(error)) from error
        except ClientDecodeError as error:  # a proxy's HTML error page instead of JSON
            raise Transient("undecodable answer") from error
        except (OSError, TimeoutError) as error:
            raise Transient(type(error).__name__) from error
        finally:
            PACED.reset(paced)
        return sent.message_id
