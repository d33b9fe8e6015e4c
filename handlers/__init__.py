"""aiogram routers, grouped by who may use them; thin: parse input, call a use case in
``services/``, render from ``locales/``.

- ``everyone/`` — /start, /help, /lang, /cancel, /forgetme, and the fallback;
- ``supervisor/`` — the department's commands (role filter set once on the group);
- ``coordinator/`` — the school's tasks and confirmations (role filter set once);
- ``errors.py`` — domain errors and failures, translated once;
- shared pieces: ``callbacks.py`` (typed CallbackData), ``keyboards.py``, ``views.py``
  (rendering shared by groups), ``filters.py``, ``context.py``, ``menu.py`` (command menus).
"""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    """The routers in the order updates try them; fresh ones on every call (tests build the
    dispatcher more than once)."""
    from handlers import coordinator, errors, supervisor
    from handlers.everyone import common, fallback

    return [
        errors.create_router(),
        common.create_router(),
        supervisor.create_router(),
        coordinator.create_router(),
        fallback.create_router(),
    ]
