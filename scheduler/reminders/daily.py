"""The daily reminder pass of one municipality, step by step (see :mod:`scheduler.reminders`).

Its transactions, each committed on its own because each is its own decision:

1. the day's pass claimed, and the day planned (:func:`_open_day`);
2. per batch, the reminder keys claimed — before sending;
3. per batch, the keys settled and the reply links written — after sending;
4. the digest claimed — before sending it;
5. the pass marked finished.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Municipality, utcnow
from scheduler.reminders.batching import (
    BatchTally,
    Planned,
    TaskButton,
    plan_messages,
    school_batches,
    send_batch,
)
from scheduler.reminders.claims import claim_pass, finish_pass, only_one_replica
from scheduler.reminders.digest import send_digest
from scheduler.reminders.planning import Day, plan_day, rules_of
from services.clock import local_now
from services.i18n import Texts
from services.sending import Sender
from services.unit_of_work import persist_before_io

log = logging.getLogger(__name__)

BATCHES_IN_FLIGHT = 2


@dataclass
class PassReport:
    """What a pass did (or, on a dry run, would send: ``planned``).

    ``skipped``: None when it ran, else ``"already_done"`` or ``"running"``; ``claimed``:
    reminder keys this run claimed; ``sent``: keys marked sent; ``released``: keys given back
    for the next pass after a failed send; ``unreachable``: keys whose every coordinator is
    unreachable; ``messages``: messages delivered.
    """

    municipality_id: int
    local_date: date
    skipped: str | None = None
    planned: list[Planned] = field(default_factory=list)
    claimed: int = 0
    sent: int = 0
    released: int = 0
    unreachable: int = 0
    messages: int = 0
    digest_sent: bool = False

    def add(self, tally: BatchTally) -> None:
        """Count one batch in."""
        self.claimed += tally.claimed
        self.messages += tally.messages
        self.sent += tally.sent
        self.unreachable += tally.unreachable
        self.released += tally.released


async def run_pass(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender | None,
    texts: Texts,
    municipality_id: int,
    *,
    task_button: TaskButton,
    now: datetime | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> PassReport:
    """Run the municipality's reminder pass of the local day of ``now`` (default: the clock).

    ``task_button`` builds each item's button (see :class:`TaskButton`). ``dry_run`` plans the
    messages and claims, sends and records nothing (``sender`` may then be None). ``force``
    runs even when today's pass already finished; already claimed reminders still go out once.
    Raises LookupError for an unknown municipality.
    """
    if dry_run:
        return await _run_pass(
            sessions, sender, texts, municipality_id, task_button, now=now, dry_run=True
        )
    async with only_one_replica(sessions, municipality_id) as mine:
        if not mine:
            now = now or utcnow()
            async with sessions() as session:
                timezone = await session.scalar(
                    select(Municipality.timezone).where(Municipality.id == municipality_id)
                )
                await session.rollback()
            today = local_now(timezone or "UTC", now).date()
            return PassReport(municipality_id, today, skipped="running")
        return await _run_pass(
            sessions, sender, texts, municipality_id, task_button, now=now, force=force
        )


async def _run_pass(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender | None,
    texts: Texts,
    municipality_id: int,
    task_button: TaskButton,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> PassReport:
    now = now or utcnow()
    report, day = await _open_day(sessions, municipality_id, now, dry_run=dry_run, force=force)
    if day is None:
        return report
    report.planned = await plan_messages(day, texts, task_button)
    if dry_run:
        return report
    assert sender is not None
    await _send_all(sessions, sender, day, report)
    report.digest_sent = await send_digest(sessions, sender, texts, day, now)
    await finish_pass(sessions, municipality_id, day.today, report.messages)
    log.info(
        "reminder pass: municipality_id=%s date=%s messages=%s sent=%s released=%s unreachable=%s",
        municipality_id,
        day.today,
        report.messages,
        report.sent,
        report.released,
        report.unreachable,
    )
    return report


async def _open_day(
    sessions: async_sessionmaker[AsyncSession],
    municipality_id: int,
    now: datetime,
    *,
    dry_run: bool,
    force: bool,
) -> tuple[PassReport, Day | None]:
    """Claim the day's pass (unless a dry run) and plan the day, in one transaction.
    The day is None when the pass is skipped (the report says why)."""
    async with sessions() as session:
        municipality = await session.get(Municipality, municipality_id)
        if municipality is None:
            raise LookupError(f"no municipality {municipality_id}")
        timezone, rules = municipality.timezone, rules_of(municipality)
        today = local_now(timezone, now).date()
        report = PassReport(municipality_id, today)
        if not dry_run:
            report.skipped = await claim_pass(session, municipality_id, today, now, force)
            if report.skipped:
                await session.rollback()
                return report, None
        day = await plan_day(session, municipality_id, today, rules)
        await persist_before_io(session, "the day's reminder pass claimed")
    return report, day


async def _send_all(
    sessions: async_sessionmaker[AsyncSession], sender: Sender, day: Day, report: PassReport
) -> None:
    """Send the planned messages batch by batch, two batches in flight: that keeps the sender's
    pace steady while the other batch is claimed or recorded in the database."""
    in_flight = asyncio.Semaphore(BATCHES_IN_FLIGHT)

    async def batch(part: list[Planned]) -> None:
        async with in_flight:
            report.add(await send_batch(sessions, sender, part, day.by_school))

    await asyncio.gather(*(batch(part) for part in school_batches(report.planned)))
