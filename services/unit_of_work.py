"""The update's unit of work and its one named commit point.

Each update runs in one transaction that the session middleware (``bot/middlewares/db.py``)
opens and commits when the handler returns (and rolls back when it raises). Handlers never call
``commit()``. Where a flow must make its writes durable before slow I/O — the draft row before a
file download, a decision before the messages that announce it, releasing SQLite's single write
lock before a network call — it calls :func:`persist_before_io`, which names why.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)


async def persist_before_io(session: AsyncSession, why: str) -> None:
    """Commit what the update has written so far; the session goes on in a new transaction.

    ``why`` is a short reason kept in the debug log (e.g. ``"draft before download"``).
    Raises whatever the database raises on commit (the update then fails as a whole).
    """
    await session.commit()
    log.debug("persisted before I/O: %s", why)
