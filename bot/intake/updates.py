"""Which update types the bot asks Telegram for: exactly what it handles.

The routers' handlers say most of it (``Dispatcher.resolve_used_update_types``); added here is
what the middlewares handle before any router: ``my_chat_member`` (the bot added to a channel
leaves it, :mod:`bot.middlewares.private_chats`) and ``edited_message`` (a coordinator's edited
caption or text changes the open draft). Nothing else: no channel posts, reactions, polls or
inline queries reach the inbox.
"""

from __future__ import annotations

from aiogram import Dispatcher

BEYOND_THE_ROUTERS = ("my_chat_member", "edited_message")


def allowed_updates(dispatcher: Dispatcher) -> list[str]:
    """The update types to ask for, sorted (getUpdates and setWebhook take the same list)."""
    return sorted(set(dispatcher.resolve_used_update_types()) | set(BEYOND_THE_ROUTERS))
