"""APScheduler: the daily reminder pass of every municipality at its own local time, and the
batched notifications of new submissions.

Each municipality gets a cron job at REMINDER_TIME (or its own time) in its own time zone. On
start, a municipality whose time has already come today gets its pass at once (the bot was down
at 09:00); the pass itself knows if it already ran, so this never repeats it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Municipality
from scheduler.housekeeping import expire_evidence, prune_inbox
from scheduler.notifications import notify_new_submissions
from scheduler.reminders import TaskButton, run_pass
from services.clock import local_now, now_utc
from services.evidence import EvidenceStore
from services.i18n import Texts
from services.sending import Sender

log = logging.getLogger(__name__)

NOTIFY_EVERY_SECONDS = 120
SYNC_EVERY_SECONDS = 600
JOB_PREFIX = "reminders:"


def reminder_trigger(reminder_time: str, timezone: str) -> CronTrigger:
    """A daily trigger at ``reminder_time`` ("HH:MM") in ``timezone`` (an IANA name)."""
    hour, minute = (int(part) for part in reminder_time.split(":"))
    return CronTrigger(hour=hour, minute=minute, timezone=timezone)


class Jobs:
    """The scheduled work of one bot process: the reminder passes, the submission notices and
    the daily housekeeping.

    ``task_button`` builds the button under each reminder item (the composition root hands in
    the handlers' one); ``default_time`` ("HH:MM") is the reminder time of a municipality
    without its own; ``store`` and ``retention_days`` drive the evidence retention (0 = keep).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sender: Sender,
        texts: Texts,
        default_time: str,
        *,
        task_button: TaskButton,
        store: EvidenceStore | None = None,
        retention_days: int = 0,
    ) -> None:
        self.sessions = sessions
        self.sender = sender
        self.texts = texts
        self.task_button = task_button
        self.default_time = default_time
        self.store = store
        self.retention_days = retention_days
        self.scheduler = AsyncIOScheduler(timezone="UTC")

    async def municipalities(self) -> list[tuple[int, str, str]]:
        """(id, time zone, reminder time) of every municipality."""
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(Municipality.id, Municipality.timezone, Municipality.reminder_time)
                )
            ).all()
            await session.rollback()
        return [(m_id, tz, time or self.default_time) for m_id, tz, time in rows]

    async def run_pass(self, municipality_id: int) -> None:
        """The municipality's reminder pass now (the cron job's work)."""
        await run_pass(
            self.sessions, self.sender, self.texts, municipality_id, task_button=self.task_button
        )

    async def sync(self) -> None:
        """One job per municipality, at its time in its zone; new municipalities join."""
        wanted = set()
        for municipality_id, timezone, time in await self.municipalities():
            job_id = f"{JOB_PREFIX}{municipality_id}"
            wanted.add(job_id)
            self.scheduler.add_job(
                self.run_pass,
                reminder_trigger(time, timezone),
                args=(municipality_id,),
                id=job_id,
                replace_existing=True,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=3600,
            )
        for job in self.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                job.remove()

    async def catch_up(self, now: datetime | None = None) -> list[int]:
        """Run today's pass now wherever its time has passed (it skips itself if done)."""
        now = now or now_utc()
        ran = []
        for municipality_id, timezone, time in await self.municipalities():
            hour, minute = (int(p) for p in time.split(":"))
            local = local_now(timezone, now)
            if (local.hour, local.minute) >= (hour, minute):
                report = await run_pass(
                    self.sessions,
                    self.sender,
                    self.texts,
                    municipality_id,
                    task_button=self.task_button,
                    now=now,
                )
                if report.skipped is None:
                    ran.append(municipality_id)
        return ran

    def start(self) -> None:
        """Add the interval and cron jobs and start the scheduler (reminder jobs: :meth:`sync`)."""
        self.scheduler.add_job(
            notify_new_submissions,
            "interval",
            seconds=NOTIFY_EVERY_SECONDS,
            args=(self.sessions, self.sender, self.texts),
            id="notify_new_submissions",
            max_instances=1,
            coalesce=True,
            replace_existing=True,
        )
        self.scheduler.add_job(
            self.sync,
            "interval",
            seconds=SYNC_EVERY_SECONDS,
            id="sync_reminder_jobs",
            max_instances=1,
            coalesce=True,
            replace_existing=True,
        )
        self.scheduler.add_job(
            self.housekeeping,
            CronTrigger(hour=3, minute=30, timezone="UTC"),
            id="housekeeping",
            max_instances=1,
            coalesce=True,
            replace_existing=True,
            misfire_grace_time=6 * 3600,
        )
        self.scheduler.start()

    async def housekeeping(self) -> None:
        """Forget old handled updates; delete evidence files past their retention."""
        await prune_inbox(self.sessions)
        if self.store is not None:
            await expire_evidence(self.sessions, self.store, self.retention_days)

    def shutdown(self) -> None:
        """Stop the scheduler without waiting for running jobs."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
