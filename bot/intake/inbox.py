"""The durable inbox of updates (table ``update_inbox``): stored before Telegram is told it
got them, marked when handled.

A duplicate delivery finds its row and is not handled again; a row stored but never marked
(the process died) is claimed again at the next start — at most :data:`MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from aiogram.types import Update
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import UpdateInbox, utcnow
from models.upsert import insert_ignore

log = logging.getLogger(__name__)

# An update that failed (the process died while handling it) this many times is given up.
MAX_ATTEMPTS = 3
# With replicas behind a webhook, a row nobody has touched for this long is taken over.
STALE = timedelta(minutes=2)
MARKS_PER_STATEMENT = 500
GAVE_UP = "gave up after repeated failures"


class Inbox:
    """The ``update_inbox`` rows of one bot (``bot_id``), reached through ``sessions``.

    Every method opens its own short transaction; none of them runs inside an update's unit of
    work.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], bot_id: int) -> None:
        self.sessions = sessions
        self.bot_id = bot_id
        self._marks: list[tuple[int, str | None, asyncio.Future[None]]] = []
        self._marking: asyncio.Task[None] | None = None

    async def store(self, updates: list[Update]) -> list[Update]:
        """Write ``updates`` durably (committed when this returns) and return those not seen
        before, in their order. Database errors propagate: then nothing may be acknowledged."""
        if not updates:
            return []
        now = utcnow()
        async with self.sessions() as session:
            result = await session.execute(
                insert_ignore(session, UpdateInbox)
                .values([self._row(u, now) for u in updates])
                .on_conflict_do_nothing(index_elements=["bot_id", "update_id"])
                .returning(UpdateInbox.update_id)
            )
            new = set(result.scalars().all())
            await session.commit()
        fresh = [u for u in updates if u.update_id in new]
        if len(fresh) < len(updates):
            log.info("skipped %d update(s) delivered again", len(updates) - len(fresh))
        return fresh

    def _row(self, item: Update, now: Any) -> dict[str, Any]:
        payload = item.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        return {
            "bot_id": self.bot_id,
            "update_id": item.update_id,
            "payload": payload,
            "received_at": now,
            "started_at": now,
            "attempts": 1,
        }

    async def claim_unhandled(self, *, all_pending: bool) -> list[dict[str, Any]]:
        """Claim the stored but unhandled updates (their JSON payloads, oldest first).

        ``all_pending=False`` takes only rows nobody touched for :data:`STALE` (another replica
        may be handling the rest). A row claimed more than :data:`MAX_ATTEMPTS` times is marked
        given up instead of returned.
        """
        now = utcnow()
        async with self.sessions() as session:
            query = select(UpdateInbox.update_id, UpdateInbox.payload).where(
                UpdateInbox.bot_id == self.bot_id, UpdateInbox.processed_at.is_(None)
            )
            if not all_pending:
                query = query.where(UpdateInbox.started_at < now - STALE)
            rows = (await session.execute(query.order_by(UpdateInbox.update_id))).all()
            taken = []
            for update_id, payload in rows:
                if await self._claim(session, update_id, now):
                    taken.append(payload)
            await session.commit()
        return taken

    async def _claim(self, session: AsyncSession, update_id: int, now: Any) -> bool:
        """One more attempt at ``update_id``: True to handle it, False if another process took
        it meanwhile or it has failed too often (then it is marked given up)."""
        mine = (UpdateInbox.bot_id == self.bot_id, UpdateInbox.update_id == update_id)
        claim = await session.execute(
            update(UpdateInbox)
            .where(*mine, UpdateInbox.processed_at.is_(None))
            .values(started_at=now, attempts=UpdateInbox.attempts + 1)
            .returning(UpdateInbox.attempts)
        )
        attempts = claim.scalar_one_or_none()
        if attempts is None:
            return False
        if attempts > MAX_ATTEMPTS:
            await session.execute(
                update(UpdateInbox).where(*mine).values(processed_at=now, error=GAVE_UP)
            )
            log.error("update %s failed %d times; given up", update_id, MAX_ATTEMPTS)
            return False
        return True

    async def mark_handled(self, update_id: int, error: str | None) -> None:
        """Mark the update handled (``error``: why it failed, or None). Marks made while a
        write is waiting for the database go out together in one transaction (a group commit),
        and this returns once it is done. A database error is logged, not raised: the update
        stays pending and is handled again later."""
        marked = asyncio.get_running_loop().create_future()
        self._marks.append((update_id, error, marked))
        if self._marking is None or self._marking.done():
            self._marking = asyncio.create_task(self._write_marks(), name="inbox-marks")
        await asyncio.shield(marked)

    async def _write_marks(self) -> None:
        while self._marks:
            batch, self._marks = self._marks, []
            try:
                await self._write_batch(batch)
            except Exception:  # the database is away: the updates stay pending and are redone
                log.exception("could not mark %d update(s) handled", len(batch))
            finally:  # also when cancelled: nobody waits forever for a mark
                for _, _, marked in batch:
                    if not marked.done():
                        marked.set_result(None)

    async def _write_batch(self, batch: list[tuple[int, str | None, asyncio.Future[None]]]) -> None:
        by_error: dict[str | None, list[int]] = {}
        for update_id, error, _ in batch:
            by_error.setdefault(error, []).append(update_id)
        async with self.sessions() as session:
            now = utcnow()
            for error, ids in by_error.items():
                for start in range(0, len(ids), MARKS_PER_STATEMENT):
                    await session.execute(
                        update(UpdateInbox)
                        .where(
                            UpdateInbox.bot_id == self.bot_id,
                            UpdateInbox.update_id.in_(ids[start : start + MARKS_PER_STATEMENT]),
                        )
                        .values(processed_at=now, error=error)
                    )
            await session.commit()
