"""Batching: one message per coordinator listing their school's owed items, with a button each,
sent in batches that claim their keys first and settle them after.

A batch never splits a school: its reminder keys are claimed once, for all its coordinators
together. A school's keys are marked sent when any of its coordinators got the message, failed
when every one of them is unreachable, and released otherwise (the next pass tries again).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import MessageLink, utcnow
from models.upsert import insert_ignore
from scheduler.reminders.claims import Key, claim_keys, settle_keys
from scheduler.reminders.planning import Day, Owed
from services.i18n import Texts, Translator
from services.render import activity_title, days_label, esc
from services.sending import Button, Outcome, OutgoingMessage, Sender, Summary
from services.tasks import TaskItem
from services.unit_of_work import persist_before_io

BATCH_COORDINATORS = 200
SLICE_SECONDS = 0.01  # the longest the pass writes texts before it lets handlers run
MAX_ITEMS_WITH_BUTTONS = 10
MAX_ITEMS = 25
BUTTONS_PER_ROW = 5
LINKS_CHUNK = 500


class TaskButton(Protocol):
    """Builds the button under a reminder that starts submitting for one assignment.

    The composition root hands one in (the handlers own the callback data): ``label`` is the
    button's text, already translated.
    """

    def __call__(self, assignment_id: int, label: str) -> Button: ...


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
class BatchTally:
    """What one batch did: keys claimed, messages sent, keys marked sent/unreachable/released."""

    claimed: int = 0
    messages: int = 0
    sent: int = 0
    unreachable: int = 0
    released: int = 0


def reminder_text(
    t: Translator, school: str, items: list[TaskItem], today: date, task_button: TaskButton
) -> OutgoingMessage:
    """The reminder of one school's items (at most :data:`MAX_ITEMS` listed, the first
    :data:`MAX_ITEMS_WITH_BUTTONS` with a button, :data:`BUTTONS_PER_ROW` to a row)."""
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
    buttons = [
        task_button(item.assignment_id, t("btn-reminder-item", number=item.number or "·"))
        for item in items[:MAX_ITEMS_WITH_BUTTONS]
    ]
    rows = tuple(
        tuple(buttons[i : i + BUTTONS_PER_ROW]) for i in range(0, len(buttons), BUTTONS_PER_ROW)
    )
    return OutgoingMessage("\n\n".join(lines), rows)


async def plan_messages(day: Day, texts: Texts, task_button: TaskButton) -> list[Planned]:
    """One message per reachable coordinator whose school owes something, in coordinator order.

    Writing a region's thousand texts takes a second or more, so every :data:`SLICE_SECONDS`
    it lets the event loop serve the others.
    """
    planned: list[Planned] = []
    worked_since = time.monotonic()
    for person in day.coordinators:
        if time.monotonic() - worked_since > SLICE_SECONDS:
            await asyncio.sleep(0)
            worked_since = time.monotonic()
        owed = day.by_school.get(person.school_id, [])
        items = [day.tasks[o.assignment_id] for o in owed if o.assignment_id in day.tasks]
        if not items:
            continue
        items.sort(key=lambda i: (i.due_on, i.number))
        school = day.schools.get(person.school_id, "")
        message = reminder_text(
            texts.for_locale(person.locale), school, items, day.today, task_button
        )
        planned.append(
            Planned(
                person.chat_id,
                person.name,
                person.school_id,
                school,
                message,
                [i.assignment_id for i in items],
            )
        )
    return planned


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


async def send_batch(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    batch: list[Planned],
    by_school: dict[int, list[Owed]],
) -> BatchTally:
    """Claim the batch's keys (committed before anything is sent), send only the messages whose
    school this run claimed something for, then settle the keys and link the sent messages to
    their assignments (one commit: the outcome of this batch)."""
    tally = BatchTally()
    claimed = await _claim_schools(sessions, sorted({p.school_id for p in batch}), by_school)
    tally.claimed = sum(len(v) for v in claimed.values())
    # Send only what this run claimed (another instance may hold the rest).
    to_send = [p for p in batch if claimed.get(p.school_id)]
    summary = await sender.send_many((p.chat_id, p.message) for p in to_send)
    tally.messages = summary.sent
    outcomes, delivered = _outcomes(to_send, summary)
    sent, unreachable, released = _sort_keys(claimed, outcomes)
    tally.sent, tally.unreachable, tally.released = len(sent), len(unreachable), len(released)
    async with sessions() as session:
        await settle_keys(session, sent, unreachable, released)
        await _link_messages(session, delivered, claimed)
        await session.commit()
    return tally


async def _claim_schools(
    sessions: async_sessionmaker[AsyncSession],
    school_ids: list[int],
    by_school: dict[int, list[Owed]],
) -> dict[int, list[Owed]]:
    """The owed reminders of each school whose keys this run claimed, by school id."""
    claimed: dict[int, list[Owed]] = {}
    async with sessions() as session:
        for school_id in school_ids:
            items = by_school.get(school_id, [])
            if not items:
                continue
            mine = await claim_keys(session, [o.key for o in items])
            claimed[school_id] = [o for o in items if o.assignment_id in mine]
        await persist_before_io(session, "reminder keys claimed before sending")
    return claimed


def _outcomes(
    to_send: list[Planned], summary: Summary
) -> tuple[dict[int, list[Outcome]], list[tuple[Planned, int]]]:
    """Each school's delivery outcomes, and the delivered messages with their message ids."""
    by_chat = {}
    for delivery in summary.deliveries:
        by_chat.setdefault(delivery.chat_id, delivery)
    outcomes: dict[int, list[Outcome]] = defaultdict(list)
    delivered: list[tuple[Planned, int]] = []
    for planned in to_send:
        delivery = by_chat.get(planned.chat_id)
        if delivery is None:
            continue
        outcomes[planned.school_id].append(delivery.outcome)
        if delivery.outcome is Outcome.SENT and delivery.message_id is not None:
            delivered.append((planned, delivery.message_id))
    return outcomes, delivered


def _sort_keys(
    claimed: dict[int, list[Owed]], outcomes: dict[int, list[Outcome]]
) -> tuple[list[Key], list[Key], list[Key]]:
    """The claimed keys split into sent, unreachable and released, school by school."""
    sent: list[Key] = []
    unreachable: list[Key] = []
    released: list[Key] = []
    for school_id, items in claimed.items():
        keys = [o.key for o in items]
        school_outcomes = outcomes.get(school_id, [])
        if Outcome.SENT in school_outcomes:
            sent += keys
        elif school_outcomes and all(o is Outcome.UNREACHABLE for o in school_outcomes):
            unreachable += keys
        else:
            released += keys
    return sent, unreachable, released


async def _link_messages(
    session: AsyncSession,
    delivered: Iterable[tuple[Planned, int]],
    claimed: dict[int, list[Owed]],
) -> None:
    """Remember which assignments each sent reminder names, so a reply to it is evidence for
    them. Not committed."""
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
    for start in range(0, len(links), LINKS_CHUNK):
        await session.execute(
            insert_ignore(session, MessageLink)
            .values(links[start : start + LINKS_CHUNK])
            .on_conflict_do_nothing(index_elements=["chat_id", "message_id", "assignment_id"])
        )
