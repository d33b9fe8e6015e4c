"""The school coordinator's routers: /tasks with its cards, and confirming an activity with files,
albums, comments and the draft's buttons.

The role filter (a coordinator bound to a school) is set once, on the group's router.
"""

from __future__ import annotations

from aiogram import Router

from handlers.filters import RoleFilter
from models import Role


def create_router() -> Router:
    """One router for everything only a coordinator may do."""
    from handlers.coordinator import submissions, tasks

    router = Router(name=__name__)
    router.message.filter(RoleFilter(Role.COORDINATOR))
    router.callback_query.filter(RoleFilter(Role.COORDINATOR))
    router.include_routers(tasks.create_router(), submissions.create_router())
    return router
