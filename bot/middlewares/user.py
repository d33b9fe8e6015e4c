"""Who is writing: the person from the database, their role and their language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from handlers.menu import set_user_commands
from models import Role
from services.i18n import Texts
from services.plans import get_or_create_municipality
from services.users import touch_user


class UserMiddleware(BaseMiddleware):
    """Loads (or creates) the sender; SUPERVISOR_IDS become supervisors on first contact."""

    def __init__(self, settings: Settings, texts: Texts) -> None:
        self.settings = settings
        self.texts = texts

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        session: AsyncSession | None = data.get("session")
        if tg_user is None or session is None or tg_user.is_bot:
            data["t"] = self.texts.for_locale(None)
            return await handler(event, data)
        chat = data.get("event_chat")
        user = await touch_user(
            session,
            platform_user_id=tg_user.id,
            chat_id=chat.id if chat is not None and chat.type == "private" else None,
            full_name=tg_user.full_name,
            username=tg_user.username,
        )
        if tg_user.id in self.settings.SUPERVISOR_IDS and user.role is not Role.SUPERVISOR:
            municipality = await get_or_create_municipality(
                session,
                None,
                self.settings.TIMEZONE,
                self.texts.get("municipality-default-name"),
            )
            user.role = Role.SUPERVISOR
            user.municipality_id = municipality.id
            user.school_id = None
            await session.flush()
            bot = data.get("bot")
            if bot is not None:
                await set_user_commands(bot, self.texts, user.chat_id, user.role, user.locale)
        data["user"] = user
        data["t"] = self.texts.for_locale(user.locale)
        return await handler(event, data)
