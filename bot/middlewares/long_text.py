"""Long answers always arrive: every text over the messenger's limit is sent in parts.

Registered on the Bot's session, so no handler, job or sender can forget it: a sendMessage
longer than ``text_chars`` goes as several messages split at line boundaries
(:func:`services.chunks.split_text`, HTML kept valid), the buttons under the last part and a
reply on the first; a media caption longer than ``caption_chars`` keeps what fits on the file
and the rest follows as messages. Before, /schools with ninety schools got «message is too
long» and the supervisor got silence.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.enums import ParseMode
from aiogram.methods import (
    SendAnimation,
    SendAudio,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendVideo,
    SendVoice,
    TelegramMethod,
)

from services.chunks import split_text, units
from services.messenger import TELEGRAM, MessengerLimits

WITH_CAPTION = (SendPhoto, SendDocument, SendVideo, SendAnimation, SendAudio, SendVoice)


def _is_html(bot: Bot, parse_mode: Any) -> bool:
    if isinstance(parse_mode, Default):
        parse_mode = bot.default[parse_mode.name]
    return parse_mode == ParseMode.HTML


class LongTextMiddleware(BaseRequestMiddleware):
    def __init__(self, limits: MessengerLimits = TELEGRAM) -> None:
        self.limits = limits

    async def __call__(
        self,
        make_request: Callable[[Bot, TelegramMethod[Any]], Awaitable[Any]],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Any:
        if self._too_long_text(method):
            return await self._send_text(make_request, bot, method)  # type: ignore[arg-type]
        if self._too_long_caption(method):
            return await self._send_captioned(make_request, bot, method)
        return await make_request(bot, method)

    def _too_long_text(self, method: TelegramMethod[Any]) -> bool:
        return (
            isinstance(method, SendMessage)
            and not method.entities
            and units(method.text) > self.limits.text_chars
        )

    def _too_long_caption(self, method: TelegramMethod[Any]) -> bool:
        return (
            isinstance(method, WITH_CAPTION)
            and bool(method.caption)
            and not method.caption_entities
            and units(method.caption or "") > self.limits.caption_chars
        )

    async def _send_text(
        self,
        make_request: Callable[[Bot, TelegramMethod[Any]], Awaitable[Any]],
        bot: Bot,
        method: SendMessage,
    ) -> Any:
        parts = split_text(
            method.text, self.limits.text_chars, html=_is_html(bot, method.parse_mode)
        )
        return await self._send_parts(make_request, bot, method, parts, first=True)

    async def _send_parts(
        self,
        make_request: Callable[[Bot, TelegramMethod[Any]], Awaitable[Any]],
        bot: Bot,
        method: SendMessage,
        parts: list[str],
        *,
        first: bool,
    ) -> Any:
        """Each part as a message: the reply on the first, the buttons under the last; the
        last message is returned (it carries the buttons)."""
        result = None
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            changes: dict[str, Any] = {"text": part}
            if not last:
                changes["reply_markup"] = None
            if index or not first:
                changes.update(reply_parameters=None, reply_to_message_id=None)
            result = await make_request(bot, method.model_copy(update=changes))
        return result

    async def _send_captioned(
        self,
        make_request: Callable[[Bot, TelegramMethod[Any]], Awaitable[Any]],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Any:
        html = _is_html(bot, method.parse_mode)  # type: ignore[attr-defined]
        caption, *rest = split_text(
            method.caption,  # type: ignore[attr-defined]
            self.limits.text_chars,
            first_limit=self.limits.caption_chars,
            html=html,
        )
        sent = await make_request(bot, method.model_copy(update={"caption": caption}))
        if not rest:
            return sent
        follow = SendMessage(
            chat_id=method.chat_id,  # type: ignore[attr-defined]
            text=rest[0],
            parse_mode=method.parse_mode,  # type: ignore[attr-defined]
            message_thread_id=method.message_thread_id,  # type: ignore[attr-defined]
        )
        await self._send_parts(make_request, bot, follow, rest, first=False)
        return sent
