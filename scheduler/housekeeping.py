"""Daily housekeeping: forget handled updates, and evidence files past their retention."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import EvidenceFile, Submission, UpdateInbox, utcnow
from services.evidence import EvidenceStore

log = logging.getLogger(__name__)

# Telegram re-sends an unconfirmed update for up to 24 hours; and after a week without updates
# it may start update ids anew, so handled rows must be gone well before that.
INBOX_KEEP = timedelta(days=2)


async def prune_inbox(
    sessions: async_sessionmaker[AsyncSession], now: datetime | None = None
) -> int:
    """Delete handled updates older than :data:`INBOX_KEEP`; returns how many."""
    now = now or utcnow()
    async with sessions() as session:
        result = await session.execute(
            delete(UpdateInbox).where(
                UpdateInbox.processed_at.is_not(None), UpdateInbox.processed_at < now - INBOX_KEEP
            )
        )
        await session.commit()
    return result.rowcount


async def expire_evidence(
    sessions: async_sessionmaker[AsyncSession],
    store: EvidenceStore,
    retention_days: int,
    now: datetime | None = None,
) -> int:
    """Delete stored files of submissions sent more than ``retention_days`` ago (0 = keep all).
    The record of the submission and the file's name, size and SHA-256 stay."""
    if retention_days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    removed = 0
    async with sessions() as session:
        files = (
            await session.scalars(
                select(EvidenceFile)
                .join(Submission, Submission.id == EvidenceFile.submission_id)
                .where(
                    EvidenceFile.stored_path.is_not(None),
                    Submission.submitted_at.is_not(None),
                    Submission.submitted_at < cutoff,
                )
                .limit(10_000)
            )
        ).all()
        for file in files:
            store.delete(file)
            file.stored_path = None
            file.download_error = "retention"
            removed += 1
        await session.commit()
    if removed:
        log.info("evidence retention: %d stored file(s) deleted", removed)
    return removed
