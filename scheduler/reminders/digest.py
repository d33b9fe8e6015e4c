"""The supervisors' digest after the day's pass, once a day: what became overdue today, which
schools have no coordinator, who blocked the bot, and which plan rows still have no date."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Activity, DueDate, DueKind, Plan, Role, User
from scheduler.evidence import LostFile, lost_files_text, take_lost_files
from scheduler.reminders.claims import claim_digest
from scheduler.reminders.planning import Day
from services.i18n import Texts, Translator
from services.plans.live import live_activity
from services.render import esc
from services.sending import OutgoingMessage, Sender
from services.tasks import TaskItem, tasks_by_ids
from services.unit_of_work import persist_before_io


@dataclass
class DigestFacts:
    """What the digest tells, read in the transaction that claims it.

    ``became_overdue``: assignment ids by school id, in the order owed; ``tasks`` those
    assignments by id; ``no_coordinator``: school names, sorted; ``blocked``: (coordinator name,
    school id) pairs; ``undated``: plan row numbers, in plan order.
    """

    became_overdue: dict[int, list[int]]
    tasks: dict[int, TaskItem]
    no_coordinator: list[str]
    blocked: list[tuple[str, int]]
    undated: list[str]
    lost_files: list[LostFile] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.became_overdue
            or self.no_coordinator
            or self.blocked
            or self.undated
            or self.lost_files
        )


async def send_digest(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    texts: Texts,
    day: Day,
    now: datetime,
) -> bool:
    """One message to each supervisor after the pass (once a day); True when it went out.

    The claim on the day's pass row is committed with the facts' reading, before sending: a
    digest with nothing to tell, or nobody to tell it to, is claimed and not sent.
    """
    async with sessions() as session:
        if not await claim_digest(session, day.municipality_id, day.today, now):
            await session.rollback()
            return False
        facts = await collect_facts(session, day)
        supervisors = await _supervisors(session, day.municipality_id)
        await persist_before_io(session, "the day's digest claimed before sending")
    if not facts or not supervisors:
        return False
    messages = [
        (chat_id, digest_text(texts.for_locale(locale), day, facts))
        for chat_id, locale in supervisors
    ]
    await sender.send_many(messages)
    return True


async def collect_facts(session: AsyncSession, day: Day) -> DigestFacts:
    """The digest's facts for the municipality's day."""
    became_overdue: dict[int, list[int]] = defaultdict(list)
    first = f"overdue:{day.rules.overdue_first}"
    for item in day.owed:
        if item.point.kind == first and item.point.on == day.today:
            became_overdue[item.school_id].append(item.assignment_id)
    tasks = await tasks_by_ids(
        session, [a for ids in became_overdue.values() for a in ids], day.today
    )
    coordinated = set(
        (
            await session.scalars(
                select(User.school_id).where(
                    User.municipality_id == day.municipality_id, User.role == Role.COORDINATOR
                )
            )
        ).all()
    )
    no_coordinator = sorted(name for sid, name in day.schools.items() if sid not in coordinated)
    blocked = (
        await session.execute(
            select(User.full_name, User.school_id).where(
                User.municipality_id == day.municipality_id,
                User.role == Role.COORDINATOR,
                User.blocked_at.is_not(None),
            )
        )
    ).all()
    undated = await _undated_numbers(session, day.municipality_id)
    lost = await take_lost_files(session, day.municipality_id)
    return DigestFacts(became_overdue, tasks, no_coordinator, list(blocked), undated, lost)  # type: ignore[arg-type]


async def _undated_numbers(session: AsyncSession, municipality_id: int) -> list[str]:
    """Numbers of the plan rows that still need a date, each once, in plan order."""
    numbers = (
        await session.scalars(
            select(Activity.number)
            .join(DueDate, DueDate.activity_id == Activity.id)
            .join(Plan, Plan.id == Activity.plan_id)
            .where(
                Plan.municipality_id == municipality_id,
                DueDate.kind == DueKind.NEEDS_DATE,
                DueDate.removed_at.is_(None),
                live_activity(),
            )
        )
    ).all()
    return sorted(set(numbers), key=lambda n: [int(p) if p.isdigit() else 0 for p in n.split(".")])


async def _supervisors(session: AsyncSession, municipality_id: int) -> list[tuple[int, str]]:
    """(chat id, locale) of the municipality's supervisors who can be written to."""
    rows = (
        await session.execute(
            select(User.chat_id, User.locale).where(
                User.municipality_id == municipality_id,
                User.role == Role.SUPERVISOR,
                User.chat_id.is_not(None),
                User.blocked_at.is_(None),
            )
        )
    ).all()
    return [(chat_id, locale) for chat_id, locale in rows]


def digest_text(t: Translator, day: Day, facts: DigestFacts) -> OutgoingMessage:
    """The digest in one supervisor's language."""
    schools = day.schools
    lines = [t("digest-header", date=t.date(day.today))]
    if facts.became_overdue:
        lines.append(t("digest-overdue-today"))
        for school_id, ids in facts.became_overdue.items():
            items = [facts.tasks[i] for i in ids if i in facts.tasks]
            numbers = ", ".join(esc(i.number) or "—" for i in items)
            lines.append(
                t("digest-school-line", school=esc(schools.get(school_id, "")), items=numbers)
            )
    if facts.no_coordinator:
        lines.append(
            t("digest-no-coordinator", schools=", ".join(esc(n) for n in facts.no_coordinator))
        )
    if facts.blocked:
        names = ", ".join(
            f"{esc(name)} ({esc(schools.get(sid, ''))})" for name, sid in facts.blocked
        )
        lines.append(t("digest-blocked", names=names))
    if facts.undated:
        lines.append(t("digest-undated", numbers=", ".join(facts.undated)))
    if facts.lost_files:
        lines.append(lost_files_text(t, facts.lost_files))
    return OutgoingMessage("\n\n".join(lines))
