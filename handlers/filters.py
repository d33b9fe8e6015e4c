"""Role filters: a router for supervisors carries ``RoleFilter(Role.SUPERVISOR)`` once."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from models import Role, User


class RoleFilter(Filter):
    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, event: TelegramObject, user: User | None = None, **_: Any) -> bool:
        if user is None or user.role not in self.roles:
            return False
        if user.role is Role.COORDINATOR:
            return user.school_id is not None
        return user.municipality_id is not None
