"""Claiming: what makes the daily pass and each reminder happen exactly once.

- **The day's pass**: one :class:`models.ReminderPass` row per municipality and local date. A
  second instance or a second trigger sees it and stays away; a pass that died half-way is taken
  over once it is :data:`STALE_PASS` old. On PostgreSQL a session advisory lock per
  municipality (:func:`only_one_replica`) keeps replicas from even trying at the same moment.
- **Each reminder's key** (assignment, kind, date) in the reminder log: claimed before the
  message goes out (:func:`claim_keys`), then marked sent or unreachable, or released — deleted —
  when the send failed, so the next pass tries again (:func:`settle_keys`). A crash after the
  claim never leads to a second message.
- **The digest**: claimed once a day on the pass row (:func:`claim_digest`).

The functions that take a session neither commit nor roll back: the caller owns the session and
names its commit points.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import ReminderLog, ReminderPass, ReminderState, utcnow
from models.upsert import insert_ignore

ADVISORY_BASE = 7_000_000_000  # advisory lock keys: this + municipality id
STALE_PASS = timedelta(minutes=15)
SETTLE_CHUNK = 300  # keys per UPDATE/DELETE … WHERE (assignment, kind, date) IN (…)

Key = tuple[int, str, date]  # (assignment id, point kind, point date): the log's unique key


@contextlib.asynccontextmanager
async def only_one_replica(
    sessions: async_sessionmaker[AsyncSession], municipality_id: int
) -> AsyncIterator[bool]:
    """On PostgreSQL, a session advisory lock per municipality: with several replicas exactly
    one runs the pass (the others see False). Elsewhere (SQLite: one process) always True."""
    engine = sessions.kw["bind"]
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = ADVISORY_BASE + municipality_id
    async with engine.connect() as connection:
        got = (
            await connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
        ).scalar()
        await connection.commit()
        try:
            yield bool(got)
        finally:
            if got:
                await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                await connection.commit()


async def claim_pass(
    session: AsyncSession, municipality_id: int, today: date, now: datetime, force: bool
) -> str | None:
    """Claim the municipality's pass of ``today`` (its local date) in ``session``.

    Returns None when this run may go ahead; otherwise why not: ``"already_done"`` (finished
    today) or ``"running"`` (another run holds it and is not :data:`STALE_PASS` old).
    ``force`` takes the day's pass over even when it finished. Not committed.
    """
    existing = await session.scalar(
        select(ReminderPass).where(
            ReminderPass.municipality_id == municipality_id, ReminderPass.local_date == today
        )
    )
    if existing is None:
        result = await session.execute(
            insert_ignore(session, ReminderPass)
            .values(
                municipality_id=municipality_id, local_date=today, started_at=now, messages_sent=0
            )
            .on_conflict_do_nothing(index_elements=["municipality_id", "local_date"])
        )
        return None if result.rowcount == 1 else "running"
    if force:
        existing.started_at, existing.finished_at = now, None
        return None
    if existing.finished_at is not None:
        return "already_done"
    if existing.started_at > now - STALE_PASS:
        return "running"
    existing.started_at = now  # it died half-way: take it over (claimed keys stay claimed)
    return None


async def finish_pass(
    sessions: async_sessionmaker[AsyncSession], municipality_id: int, today: date, messages: int
) -> None:
    """Mark the day's pass finished with ``messages`` sent, in its own committed transaction."""
    async with sessions() as session:
        await session.execute(
            update(ReminderPass)
            .where(
                ReminderPass.municipality_id == municipality_id, ReminderPass.local_date == today
            )
            .values(finished_at=utcnow(), messages_sent=messages)
        )
        await session.commit()


async def claim_digest(
    session: AsyncSession, municipality_id: int, today: date, now: datetime
) -> bool:
    """Claim the day's supervisor digest on the pass row; False when it was already claimed.
    Not committed."""
    claimed = await session.execute(
        update(ReminderPass)
        .where(
            ReminderPass.municipality_id == municipality_id,
            ReminderPass.local_date == today,
            ReminderPass.digest_sent_at.is_(None),
        )
        .values(digest_sent_at=now)
    )
    return claimed.rowcount == 1


async def claim_keys(session: AsyncSession, keys: list[Key]) -> set[int]:
    """Claim the reminders' keys in the log; returns the assignment ids whose key this run got
    (another run may hold the rest). Not committed: commit before sending."""
    if not keys:
        return set()
    result = await session.execute(
        insert_ignore(session, ReminderLog)
        .values(
            [
                {
                    "assignment_id": assignment_id,
                    "kind": kind,
                    "for_date": for_date,
                    "state": ReminderState.CLAIMED.value,
                    "claimed_at": utcnow(),
                    "attempts": 1,
                }
                for assignment_id, kind, for_date in keys
            ]
        )
        .on_conflict_do_nothing(index_elements=["assignment_id", "kind", "for_date"])
        .returning(ReminderLog.assignment_id)
    )
    return set(result.scalars().all())


async def settle_keys(
    session: AsyncSession, sent: list[Key], unreachable: list[Key], released: list[Key]
) -> None:
    """After the send: mark keys sent, or failed as unreachable (never tried again), or release
    them (deleted: the next pass claims them anew). Not committed."""
    key = tuple_(ReminderLog.assignment_id, ReminderLog.kind, ReminderLog.for_date)
    for start in range(0, max(len(sent), len(unreachable), len(released)), SETTLE_CHUNK):
        if chunk := sent[start : start + SETTLE_CHUNK]:
            await session.execute(
                update(ReminderLog)
                .where(key.in_(chunk))
                .values(state=ReminderState.SENT, sent_at=utcnow())
            )
        if chunk := unreachable[start : start + SETTLE_CHUNK]:
            await session.execute(
                update(ReminderLog)
                .where(key.in_(chunk))
                .values(state=ReminderState.FAILED, error="unreachable")
            )
        if chunk := released[start : start + SETTLE_CHUNK]:
            await session.execute(delete(ReminderLog).where(key.in_(chunk)))
