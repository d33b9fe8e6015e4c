"""The evidence download queue: every file a coordinator sends is fetched here, not on the
answer path.

The evidence row (with the messenger's file id) is committed when the file arrives
(:func:`services.drafts.keep_file`), which nudges the queue. The queue takes the rows that are
neither downloaded nor given up and are due (``next_try_at`` empty or past), claims each with a
lease (``next_try_at`` moved ahead, ``download_attempts`` + 1, committed before the download),
fetches it into the store and records the path, SHA-256 and size. A failed try (network, API, a
full disk) is tried again after the next of ``retry_delays``; after the last one the file is
given up (``failed_at``): the supervisors' digest reports it, the export marks it. A row claimed
by a process that died is taken again when its lease runs out; a row never claimed (the process
died right after the file arrived) at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import (
    Activity,
    Assignment,
    DueDate,
    EvidenceFile,
    EvidenceKind,
    School,
    Submission,
    SubmissionState,
)
from services.clock import now_utc
from services.evidence import EvidenceStore, Fetch, Stored, TooLarge, default_name
from services.i18n import Translator
from services.render import esc

log = logging.getLogger(__name__)

# 30 s, 2 min, 10 min, 30 min, 2 h, 6 h: a day-long Telegram or disk trouble is ridden out.
RETRY_DELAYS: tuple[float, ...] = (30, 120, 600, 1800, 7200, 21600)
LEASE = timedelta(minutes=2)  # a try under way; a dead process's claim runs out after it
BATCH = 20
PARALLEL = 4
IDLE_SECONDS = 60.0


@dataclass(frozen=True)
class Job:
    """A snapshot of one queued file, enough to fetch it outside any transaction."""

    id: int
    submission_id: int
    school_id: int
    kind: EvidenceKind
    file_id: str
    file_name: str | None
    mime_type: str | None
    size: int | None
    attempts: int  # this try included


def _pending(now: datetime | None = None):
    """Rows neither downloaded nor given up, and due at ``now`` (``None``: due or not)."""
    conditions = [EvidenceFile.downloaded_at.is_(None), EvidenceFile.failed_at.is_(None)]
    if now is not None:
        conditions.append(or_(EvidenceFile.next_try_at.is_(None), EvidenceFile.next_try_at <= now))
    return tuple(conditions)


class EvidenceDownloads:
    """The queue's worker in the bot process: :meth:`start` at startup, :meth:`stop` at
    shutdown, :meth:`wake` when new rows are committed; :meth:`run_once` does one round."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store: EvidenceStore,
        fetch: Fetch,
        *,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        lease: timedelta = LEASE,
    ) -> None:
        self.sessions = sessions
        self.store = store
        self.fetch = fetch
        self.retry_delays = retry_delays
        self.lease = lease
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """New rows are committed: look at the queue now."""
        self._wakeup.set()

    def start(self, *, resume_all: bool) -> None:
        """Run the queue until :meth:`stop`. ``resume_all``: the only process (polling) first
        takes every file not yet fetched, also those claimed by a process that died and those
        waiting for a retry; with webhook replicas a claim is left until its lease runs out."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(resume_all), name="evidence_downloads")

    async def stop(self) -> None:
        """Stop the worker; a try cut short is taken again when its lease runs out."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self, resume_all: bool) -> None:
        if resume_all:
            try:
                await self.resume_all()
            except Exception:
                log.exception("evidence downloads: resuming at start failed")
        while True:
            self._wakeup.clear()
            try:
                while await self.run_once():
                    pass
                wait = await self._seconds_to_next()
            except Exception:
                log.exception("evidence download round failed")
                wait = self.retry_delays[0] if self.retry_delays else IDLE_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=wait)

    async def resume_all(self) -> int:
        """Make every file not yet fetched due now: those claimed by a process that died and
        those waiting for a retry (a restart is a fresh start). Returns how many."""
        async with self.sessions() as session:
            result = await session.execute(
                update(EvidenceFile)
                .where(*_pending(), EvidenceFile.next_try_at.is_not(None))
                .values(next_try_at=None)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        return result.rowcount  # type: ignore[attr-defined]

    async def run_once(self, now: datetime | None = None) -> int:
        """Try the due files (at most :data:`BATCH`); returns how many were tried."""
        jobs = await self._claim(now or now_utc())
        for start in range(0, len(jobs), PARALLEL):
            await asyncio.gather(*(self._try(job) for job in jobs[start : start + PARALLEL]))
        return len(jobs)

    async def _claim(self, now: datetime) -> list[Job]:
        """The due rows, each claimed (lease, attempt counted) and committed before fetching."""
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(EvidenceFile, Submission.school_id)
                    .join(Submission, Submission.id == EvidenceFile.submission_id)
                    .where(*_pending(now), Submission.state != SubmissionState.CANCELLED)
                    .order_by(EvidenceFile.id)
                    .limit(BATCH)
                )
            ).all()
            jobs = []
            for row, school_id in rows:
                claimed = await session.execute(
                    update(EvidenceFile)
                    .where(EvidenceFile.id == row.id, *_pending(now))
                    .values(
                        next_try_at=now + self.lease,
                        download_attempts=EvidenceFile.download_attempts + 1,
                    )
                    .execution_options(synchronize_session=False)
                )
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    jobs.append(_job(row, school_id))
            await session.commit()
        return jobs

    async def _try(self, job: Job) -> None:
        try:
            stored = await self.store.fetch(job, job.school_id, self.fetch)
        except TooLarge:
            await self._failed(job, "too_large", give_up=True)
        except Exception as error:  # network, API or disk: tried again later
            log.warning(
                "evidence download failed: evidence_id=%s attempt=%s error=%s",
                job.id,
                job.attempts,
                type(error).__name__,
            )
            give_up = job.attempts > len(self.retry_delays)
            await self._failed(job, type(error).__name__[:255], give_up=give_up)
        else:
            await self._stored(job, stored)

    async def _stored(self, job: Job, stored: Stored) -> None:
        """Record where the file is; a draft dropped in the meantime loses it again."""
        async with self.sessions() as session:
            row = await session.get(EvidenceFile, job.id)
            submission = await session.get(Submission, job.submission_id)
            if row is None or submission is None or submission.state is SubmissionState.CANCELLED:
                await session.rollback()
                self.store.delete_path(stored.relative, job.id)
                return
            row.stored_path, row.sha256, row.size = stored.relative, stored.sha256, stored.size
            row.downloaded_at, row.download_error, row.next_try_at = now_utc(), None, None
            await session.commit()

    async def _failed(self, job: Job, error: str, *, give_up: bool) -> None:
        now = now_utc()
        values: dict[str, object] = {"download_error": error}
        if give_up:
            values.update(failed_at=now, next_try_at=None)
            log.error("evidence download given up: evidence_id=%s error=%s", job.id, error)
        else:
            delay = self.retry_delays[min(job.attempts, len(self.retry_delays)) - 1]
            values["next_try_at"] = now + timedelta(seconds=delay)
        async with self.sessions() as session:
            await session.execute(
                update(EvidenceFile).where(EvidenceFile.id == job.id).values(**values)
            )
            await session.commit()

    async def _seconds_to_next(self) -> float:
        """How long until the earliest queued try is due (at most :data:`IDLE_SECONDS`)."""
        async with self.sessions() as session:
            earliest = await session.scalar(
                select(func.min(EvidenceFile.next_try_at)).where(
                    EvidenceFile.downloaded_at.is_(None), EvidenceFile.failed_at.is_(None)
                )
            )
            await session.rollback()
        if earliest is None:
            return IDLE_SECONDS
        if earliest.tzinfo is None:
            earliest = earliest.replace(tzinfo=now_utc().tzinfo)
        seconds = (earliest - now_utc()).total_seconds()
        return min(IDLE_SECONDS, max(0.05, seconds))


def _job(row: EvidenceFile, school_id: int) -> Job:
    return Job(
        id=row.id,
        submission_id=row.submission_id,
        school_id=school_id,
        kind=row.kind,
        file_id=row.file_id,
        file_name=row.file_name,
        mime_type=row.mime_type,
        size=row.size,
        attempts=(row.download_attempts or 0) + 1,
    )


@dataclass(frozen=True)
class LostFile:
    """A file given up after the retries, for the supervisors' digest."""

    school: str
    number: str
    name: str


async def take_lost_files(session: AsyncSession, municipality_id: int) -> list[LostFile]:
    """The municipality's files given up and not yet reported, marked reported (in the
    caller's transaction: the digest's claim, so a digest lost with it is never half-told)."""
    rows = (
        await session.execute(
            select(EvidenceFile, School.name, Activity.number)
            .join(Submission, Submission.id == EvidenceFile.submission_id)
            .join(School, School.id == Submission.school_id)
            .outerjoin(Assignment, Assignment.id == Submission.assignment_id)
            .outerjoin(DueDate, DueDate.id == Assignment.due_date_id)
            .outerjoin(Activity, Activity.id == DueDate.activity_id)
            .where(
                School.municipality_id == municipality_id,
                EvidenceFile.failed_at.is_not(None),
                EvidenceFile.downloaded_at.is_(None),
                EvidenceFile.failure_reported_at.is_(None),
                Submission.state != SubmissionState.CANCELLED,
            )
            .order_by(School.name, EvidenceFile.id)
        )
    ).all()
    now = now_utc()
    lost = []
    for row, school, number in rows:
        row.failure_reported_at = now
        name = row.file_name or default_name(row.kind, row.mime_type)
        lost.append(LostFile(school, number or "—", name))
    await session.flush()
    return lost


def lost_files_text(t: Translator, lost: list[LostFile]) -> str:
    """The digest's paragraph on lost files (HTML, escaped)."""
    items = "; ".join(
        t("digest-lost-file", school=esc(f.school), number=esc(f.number), name=esc(f.name))
        for f in lost
    )
    return t("digest-lost-files", files=items)
