"""The daily reminder pass of a municipality.

1. Claim the day's pass (one row per municipality and local date), so a second instance or a
   second trigger does not run it again; a pass that died half-way is taken over later.
2. For every open assignment with a date, find the reminder point that is owed
   (:func:`services.reminders.latest_point`) and not yet in the reminder log.
3. In batches: claim each reminder's unique key (assignment, kind, date) in the log, send one
   message per coordinator listing their school's items, then mark the keys sent — or release
   them if the send failed, so the next pass tries again. A crash after the claim never leads
   to a second message.
4. Tell the supervisors in one digest what became overdue today, which schools have no
   coordinator, who blocked the bot, and which rows still have no date.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import (
    Activity,
    Assignment,
    AssignmentStatus,
    DueDate,
    DueKind,
    MessageLink,
    Municipality,
    Plan,
    ReminderLog,
    ReminderPass,
    ReminderState,
    Role,
    School,
    User,
    utcnow,
)
from models.db import in_parts
from models.upsert import insert_ignore
from services.clock import local_now
from services.i18n import Texts, Translator
from services.reminders import Point, ReminderRules, latest_point
from services.render import activity_title, days_label, esc
from services.sending import Button, Outcome, OutgoingMessage, Sender
from services.tasks import TaskItem, tasks_by_ids

log = logging.getLogger(__name__)

BATCH_COORDINATORS = 200
SLICE_SECONDS = 0.01  # the longest the pass writes texts before it lets handlers run
ADVISORY_BASE = 7_000_000_000  # advisory lock keys: this + municipality id
STALE_PASS = timedelta(minutes=15)
MAX_ITEMS_WITH_BUTTONS = 10
MAX_ITEMS = 25


@dataclass
class Owed:
    assignment_id: int
    school_id: int
    point: Point


@dataclass
class Planned:
    """One message to one coordinator (what a dry run shows)."""

    chat_id: int
    name: str
    school_id: int
    school: str
    message: OutgoingMessage
    assignment_ids: list[int]


@dataclass
class PassReport:
    municipality_id: int
    local_date: date
    skipped: str | None = None  # "already_done" | "running"
    planned: list[Planned] = field(default_factory=list)
    claimed: int = 0
    sent: int = 0  # reminders (keys) marked sent
    released: int = 0  # keys given back for the next pass after a failed send
    unreachable: int = 0
    messages: int = 0
    digest_sent: bool = False


def rules_of(municipality: Municipality) -> ReminderRules:
    return ReminderRules.of(
        municipality.reminder_offsets,
        municipality.overdue_first_days,
        municipality.overdue_every_days,
    )


async def _claim_pass(
    session: AsyncSession, municipality_id: int, today: date, now: datetime, force: bool
) -> str | None:
    """None when this run may go ahead; otherwise why not."""
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


async def _owed(
    session: AsyncSession, municipality_id: int, today: date, rules: ReminderRules
) -> list[Owed]:
    query = (
        select(Assignment.id, Assignment.school_id, DueDate.due_on)
        .join(DueDate, DueDate.id == Assignment.due_date_id)
        .join(Activity, Activity.id == DueDate.activity_id)
        .join(Plan, Plan.id == Activity.plan_id)
        .where(
            Plan.municipality_id == municipality_id,
            Assignment.active.is_(True),
            Assignment.status.in_([AssignmentStatus.OPEN, AssignmentStatus.RETURNED]),
            DueDate.due_on.is_not(None),
            DueDate.removed_at.is_(None),
            Activity.removed_at.is_(None),
        )
    )
    candidates = []
    async for part in in_parts(session, query):  # a region has 60,000 open assignments
        for assignment_id, school_id, due_on in part:
            point = latest_point(due_on, today, rules)
            if point is not None:
                candidates.append(Owed(assignment_id, school_id, point))
    done: set[tuple[int, str, date]] = set()
    ids = [c.assignment_id for c in candidates]
    for start in range(0, len(ids), 500):
        logged = await session.execute(
            select(ReminderLog.assignment_id, ReminderLog.kind, ReminderLog.for_date).where(
                ReminderLog.assignment_id.in_(ids[start : start + 500])
            )
        )
        done.update((a, k, d) for a, k, d in logged.all())
    return [c for c in candidates if (c.assignment_id, c.point.kind, c.point.on) not in done]


def reminder_text(
    t: Translator, school: str, items: list[TaskItem], today: date
) -> OutgoingMessage:
    lines = [t("reminder-header", school=esc(school))]
    for item in items[:MAX_ITEMS]:
        when = t.date(item.due_on, "day_month" if item.due_on.year == today.year else "long")  # type: ignore[union-attr]
        lines.append(
            t(
                "reminder-line",
                activity=activity_title(t, item, 90),
                date=when,
                days=days_label(t, item, today),
            )
        )
    if len(items) > MAX_ITEMS:
        lines.append(t("list-more", n=len(items) - MAX_ITEMS))
    lines.append(t("reminder-footer"))
    from handlers.callbacks import TaskCb

    buttons = [
        Button(
            t("btn-reminder-item", number=item.number or "·"),
            callback_data=TaskCb(action="done", assignment_id=item.assignment_id).pack(),
        )
        for item in items[:MAX_ITEMS_WITH_BUTTONS]
    ]
    rows = tuple(tuple(buttons[i : i + 5]) for i in range(0, len(buttons), 5))
    return OutgoingMessage("\n\n".join(lines), rows)


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


async def run_pass(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender | None,
    texts: Texts,
    municipality_id: int,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> PassReport:
    if dry_run:
        return await _run_pass(sessions, sender, texts, municipality_id, now=now, dry_run=True)
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
            sessions, sender, texts, municipality_id, now=now, dry_run=False, force=force
        )


async def _run_pass(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender | None,
    texts: Texts,
    municipality_id: int,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> PassReport:
    now = now or utcnow()
    async with sessions() as session:
        municipality = await session.get(Municipality, municipality_id)
        if municipality is None:
            raise LookupError(f"no municipality {municipality_id}")
        timezone, rules = municipality.timezone, rules_of(municipality)
        today = local_now(timezone, now).date()
        report = PassReport(municipality_id, today)
        if not dry_run:
            report.skipped = await _claim_pass(session, municipality_id, today, now, force)
            if report.skipped:
                await session.rollback()
                return report
        owed = await _owed(session, municipality_id, today, rules)
        tasks = await tasks_by_ids(session, [o.assignment_id for o in owed], today)
        schools = {
            s.id: s.name
            for s in (
                await session.scalars(
                    select(School).where(School.municipality_id == municipality_id)
                )
            ).all()
        }
        coordinators = (
            await session.scalars(
                select(User)
                .where(
                    User.municipality_id == municipality_id,
                    User.role == Role.COORDINATOR,
                    User.chat_id.is_not(None),
                    User.blocked_at.is_(None),
                )
                .order_by(User.id)
            )
        ).all()
        people = [(u.chat_id, u.full_name, u.school_id, u.locale) for u in coordinators]
        await session.commit()

    by_school: dict[int, list[Owed]] = defaultdict(list)
    for item in owed:
        by_school[item.school_id].append(item)
    planned: list[Planned] = []
    worked_since = time.monotonic()
    for chat_id, name, school_id, locale in people:
        if time.monotonic() - worked_since > SLICE_SECONDS:
            # A region's thousand texts take a second or more: let the others in between.
            await asyncio.sleep(0)
            worked_since = time.monotonic()
        items = [
            tasks[o.assignment_id] for o in by_school.get(school_id, []) if o.assignment_id in tasks
        ]
        if not items:
            continue
        items.sort(key=lambda i: (i.due_on, i.number))
        t = texts.for_locale(locale)
        planned.append(
            Planned(
                chat_id,  # type: ignore[arg-type]
                name,
                school_id,  # type: ignore[arg-type]
                schools.get(school_id, ""),  # type: ignore[arg-type]
                reminder_text(t, schools.get(school_id, ""), items, today),  # type: ignore[arg-type]
                [i.assignment_id for i in items],
            )
        )
    report.planned = planned
    if dry_run:
        return report
    assert sender is not None

    # Two batches in flight keep the sender's pace steady while the other one is claimed or
    # recorded in the database.
    in_flight = asyncio.Semaphore(2)

    async def batch(part: list[Planned]) -> None:
        async with in_flight:
            await _send_batch(sessions, sender, part, by_school, report)

    await asyncio.gather(*(batch(part) for part in school_batches(planned)))

    report.digest_sent = await _digest(
        sessions, sender, texts, municipality_id, today, owed, rules, schools, now
    )
    async with sessions() as session:
        await session.execute(
            update(ReminderPass)
            .where(
                ReminderPass.municipality_id == municipality_id, ReminderPass.local_date == today
            )
            .values(finished_at=utcnow(), messages_sent=report.messages)
        )
        await session.commit()
    log.info(
        "reminder pass: municipality_id=%s date=%s messages=%s sent=%s released=%s unreachable=%s",
        municipality_id,
        today,
        report.messages,
        report.sent,
        report.released,
        report.unreachable,
    )
    return report


def school_batches(planned: list[Planned], size: int = BATCH_COORDINATORS) -> list[list[Planned]]:
    """Batches of about ``size`` messages that never split a school: its reminder keys are
    claimed once, for all its coordinators together."""
    by_school: dict[int, list[Planned]] = defaultdict(list)
    for item in planned:
        by_school[item.school_id].append(item)
    batches: list[list[Planned]] = [[]]
    for school_id in sorted(by_school):
        if batches[-1] and len(batches[-1]) + len(by_school[school_id]) > size:
            batches.append([])
        batches[-1].extend(by_school[school_id])
    return [b for b in batches if b]


async def _send_batch(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    batch: list[Planned],
    by_school: dict[int, list[Owed]],
    report: PassReport,
) -> None:
    school_ids = sorted({p.school_id for p in batch})
    claimed: dict[int, list[Owed]] = {}
    async with sessions() as session:
        for school_id in school_ids:
            items = by_school.get(school_id, [])
            if not items:
                continue
            result = await session.execute(
                insert_ignore(session, ReminderLog)
                .values(
                    [
                        {
                            "assignment_id": o.assignment_id,
                            "kind": o.point.kind,
                            "for_date": o.point.on,
                            "state": ReminderState.CLAIMED.value,
                            "claimed_at": utcnow(),
                            "attempts": 1,
                        }
                        for o in items
                    ]
                )
                .on_conflict_do_nothing(index_elements=["assignment_id", "kind", "for_date"])
                .returning(ReminderLog.assignment_id)
            )
            mine = set(result.scalars().all())
            claimed[school_id] = [o for o in items if o.assignment_id in mine]
        await session.commit()
    report.claimed += sum(len(v) for v in claimed.values())

    # Send only what this run claimed (another instance may hold the rest).
    to_send = []
    for planned in batch:
        mine = {o.assignment_id for o in claimed.get(planned.school_id, [])}
        if mine:
            to_send.append(planned)
    summary = await sender.send_many((p.chat_id, p.message) for p in to_send)
    report.messages += summary.sent

    outcomes: dict[int, list[Outcome]] = defaultdict(list)
    delivered: list[tuple[Planned, int]] = []
    by_chat = {}
    for delivery in summary.deliveries:
        by_chat.setdefault(delivery.chat_id, delivery)
    for planned in to_send:
        delivery = by_chat.get(planned.chat_id)
        if delivery is None:
            continue
        outcomes[planned.school_id].append(delivery.outcome)
        if delivery.outcome is Outcome.SENT and delivery.message_id is not None:
            delivered.append((planned, delivery.message_id))

    sent_keys, failed_keys, released_keys = [], [], []
    for school_id, items in claimed.items():
        keys = [(o.assignment_id, o.point.kind, o.point.on) for o in items]
        school_outcomes = outcomes.get(school_id, [])
        if Outcome.SENT in school_outcomes:
            sent_keys += keys
        elif school_outcomes and all(o is Outcome.UNREACHABLE for o in school_outcomes):
            failed_keys += keys
        else:
            released_keys += keys
    report.sent += len(sent_keys)
    report.unreachable += len(failed_keys)
    report.released += len(released_keys)

    async with sessions() as session:
        key = tuple_(ReminderLog.assignment_id, ReminderLog.kind, ReminderLog.for_date)
        for start in range(0, max(len(sent_keys), len(failed_keys), len(released_keys)), 300):
            if chunk := sent_keys[start : start + 300]:
                await session.execute(
                    update(ReminderLog)
                    .where(key.in_(chunk))
                    .values(state=ReminderState.SENT, sent_at=utcnow())
                )
            if chunk := failed_keys[start : start + 300]:
                await session.execute(
                    update(ReminderLog)
                    .where(key.in_(chunk))
                    .values(state=ReminderState.FAILED, error="unreachable")
                )
            if chunk := released_keys[start : start + 300]:
                await session.execute(delete(ReminderLog).where(key.in_(chunk)))
        links = [
            {
                "chat_id": planned.chat_id,
                "message_id": message_id,
                "assignment_id": o.assignment_id,
                "created_at": utcnow(),
            }
            for planned, message_id in delivered
            for o in claimed.get(planned.school_id, [])
        ]
        for start in range(0, len(links), 500):
            await session.execute(
                insert_ignore(session, MessageLink)
                .values(links[start : start + 500])
                .on_conflict_do_nothing(index_elements=["chat_id", "message_id", "assignment_id"])
            )
        await session.commit()


async def _digest(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    texts: Texts,
    municipality_id: int,
    today: date,
    owed: list[Owed],
    rules: ReminderRules,
    schools: dict[int, str],
    now: datetime,
) -> bool:
    """One message to each supervisor after the pass (once a day)."""
    async with sessions() as session:
        claimed = await session.execute(
            update(ReminderPass)
            .where(
                ReminderPass.municipality_id == municipality_id,
                ReminderPass.local_date == today,
                ReminderPass.digest_sent_at.is_(None),
            )
            .values(digest_sent_at=now)
        )
        if claimed.rowcount != 1:
            await session.rollback()
            return False
        became_overdue: dict[int, list[int]] = defaultdict(list)
        first = f"overdue:{rules.overdue_first}"
        for item in owed:
            if item.point.kind == first and item.point.on == today:
                became_overdue[item.school_id].append(item.assignment_id)
        tasks = await tasks_by_ids(
            session, [a for ids in became_overdue.values() for a in ids], today
        )
        coordinated = set(
            (
                await session.scalars(
                    select(User.school_id).where(
                        User.municipality_id == municipality_id, User.role == Role.COORDINATOR
                    )
                )
            ).all()
        )
        no_coordinator = sorted(name for sid, name in schools.items() if sid not in coordinated)
        blocked = (
            await session.execute(
                select(User.full_name, User.school_id).where(
                    User.municipality_id == municipality_id,
                    User.role == Role.COORDINATOR,
                    User.blocked_at.is_not(None),
                )
            )
        ).all()
        undated = sorted(
            set(
                (
                    await session.scalars(
                        select(Activity.number)
                        .join(DueDate, DueDate.activity_id == Activity.id)
                        .join(Plan, Plan.id == Activity.plan_id)
                        .where(
                            Plan.municipality_id == municipality_id,
                            DueDate.kind == DueKind.NEEDS_DATE,
                            DueDate.removed_at.is_(None),
                            Activity.removed_at.is_(None),
                        )
                    )
                ).all()
            ),
            key=lambda n: [int(p) if p.isdigit() else 0 for p in n.split(".")],
        )
        supervisors = (
            await session.execute(
                select(User.chat_id, User.locale).where(
                    User.municipality_id == municipality_id,
                    User.role == Role.SUPERVISOR,
                    User.chat_id.is_not(None),
                    User.blocked_at.is_(None),
                )
            )
        ).all()
        await session.commit()
    if not (became_overdue or no_coordinator or blocked or undated) or not supervisors:
        return False
    messages = []
    for chat_id, locale in supervisors:
        t = texts.for_locale(locale)
        lines = [t("digest-header", date=t.date(today))]
        if became_overdue:
            lines.append(t("digest-overdue-today"))
            for school_id, ids in became_overdue.items():
                items = [tasks[i] for i in ids if i in tasks]
                numbers = ", ".join(esc(i.number) or "—" for i in items)
                lines.append(
                    t("digest-school-line", school=esc(schools.get(school_id, "")), items=numbers)
                )
        if no_coordinator:
            lines.append(
                t("digest-no-coordinator", schools=", ".join(esc(n) for n in no_coordinator))
            )
        if blocked:
            names = ", ".join(f"{esc(name)} ({esc(schools.get(sid, ''))})" for name, sid in blocked)
            lines.append(t("digest-blocked", names=names))
        if undated:
            lines.append(t("digest-undated", numbers=", ".join(undated)))
        messages.append((chat_id, OutgoingMessage("\n\n".join(lines))))
    await sender.send_many(messages)
    return True
