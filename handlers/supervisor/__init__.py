"""The supervisor's routers (the municipal department): plan import and dates, schools and
invites, status, review, reminders and broadcasts, export.

The role filter is set once, on the group's router; aiogram checks a router's filters before its
own handlers and its sub-routers, so no module of the group repeats it.
"""

from __future__ import annotations

from aiogram import Router

from handlers.filters import RoleFilter
from models import Role


def create_router() -> Router:
    """One router for everything only a supervisor may do, in the order handlers must match."""
    from handlers.supervisor import (
        broadcast,
        export,
        plan_import,
        plan_view,
        plans,
        review,
        row_schools,
        schools,
        status,
    )

    router = Router(name=__name__)
    router.message.filter(RoleFilter(Role.SUPERVISOR))
    router.callback_query.filter(RoleFilter(Role.SUPERVISOR))
    router.include_routers(
        # A text waited for (a return comment, a date) comes before the commands' text.
        review.create_router(),
        plan_view.create_router(),
        plans.create_router(),
        row_schools.create_router(),
        plan_import.create_router(),
        schools.create_router(),
        status.create_router(),
        broadcast.create_router(),
        export.create_router(),
    )
    return router
