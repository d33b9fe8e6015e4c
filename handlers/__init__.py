"""aiogram routers, one per feature; thin: parse input, call a service, render from locales/."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    # Imported here so that building a dispatcher twice (tests) gets fresh routers.
    from handlers import (
        broadcast,
        common,
        errors,
        export,
        fallback,
        plan_import,
        plan_view,
        review,
        schools,
        status,
        submissions,
        tasks,
    )

    return [
        errors.create_router(),
        common.create_router(),
        # Supervisors: a text waited for (a return comment, a date) comes before commands' text.
        review.create_router(),
        plan_view.create_router(),
        plan_import.create_router(),
        schools.create_router(),
        status.create_router(),
        broadcast.create_router(),
        export.create_router(),
        # Coordinators.
        tasks.create_router(),
        submissions.create_router(),
        fallback.create_router(),
    ]
