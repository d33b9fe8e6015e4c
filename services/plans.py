"""Saving an imported plan, updating it from a corrected file, and keeping assignments in step.

A corrected file of the same plan (same municipality, same title) updates it in place: rows are
matched by their number (then by their text, when a row was renumbered), due dates by their
order, so every assignment and every submission already made stays attached. A row or date that
disappeared is deleted only when nothing was submitted for it; otherwise it is kept, marked
removed, so no school's work is lost.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import (
    Activity,
    ActivityKind,
    Assignment,
    AuditLog,
    DueDate,
    DueKind,
    Municipality,
    Plan,
    School,
    Section,
    Submission,
    Target,
    utcnow,
)
from services.deadlines import Calendar
from services.names import clean_spaces, name_key, names_match, title_key
from services.plan_import.model import ParsedActivity, ParsedPlan


@dataclass
class PlanChanges:
    """What saving a parsed plan would do (shown in the preview before confirming)."""

    existing_plan_id: int | None = None
    existing_imported_at: object | None = None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # Removed rows that stay (marked removed) because schools already submitted for them.
    kept_with_submissions: list[str] = field(default_factory=list)
    submissions_kept: int = 0

    @property
    def is_update(self) -> bool:
        return self.existing_plan_id is not None


@dataclass
class SaveResult:
    plan_id: int
    created: bool
    changes: PlanChanges
    assignments_created: int
    assignments_removed: int


def calendar_of(municipality: Municipality) -> Calendar:
    return Calendar.from_strings(municipality.yearly_default, municipality.half_year_dates)


async def get_or_create_municipality(
    session: AsyncSession, name: str | None, timezone: str, default_name: str
) -> Municipality:
    """The named municipality; without a name, the only one there is (or a new default)."""
    if name:
        name = clean_spaces(name)
        found = await session.scalar(select(Municipality).where(Municipality.name == name))
        if found is None:
            found = Municipality(name=name, timezone=timezone)
            session.add(found)
            await session.flush()
        return found
    existing = (await session.scalars(select(Municipality).order_by(Municipality.id))).all()
    if existing:
        return existing[0]
    created = Municipality(name=default_name, timezone=timezone)
    session.add(created)
    await session.flush()
    return created


async def find_plan(session: AsyncSession, municipality_id: int, title: str) -> Plan | None:
    return await session.scalar(
        select(Plan)
        .where(Plan.municipality_id == municipality_id, Plan.title_key == title_key(title))
        .options(
            selectinload(Plan.sections),
            selectinload(Plan.activities).selectinload(Activity.due_dates),
        )
    )


async def _submission_counts(session: AsyncSession, plan_id: int) -> dict[int, int]:
    """Submissions per due date of a plan (every state except abandoned drafts)."""
    rows = await session.execute(
        select(Assignment.due_date_id, func.count(Submission.id))
        .join(Submission, Submission.assignment_id == Assignment.id)
        .join(DueDate, DueDate.id == Assignment.due_date_id)
        .join(Activity, Activity.id == DueDate.activity_id)
        .where(Activity.plan_id == plan_id)
        .group_by(Assignment.due_date_id)
    )
    return {due_date_id: count for due_date_id, count in rows.all()}


def _match_activities(
    existing: list[Activity], parsed: list[ParsedActivity]
) -> dict[int, Activity]:
    """Parsed row index → existing activity.

    The same text is the strongest sign of the same row (a row deleted above it renumbers it);
    then the same number (its text was corrected).
    """
    plan_rows = [a for a in existing if a.kind is ActivityKind.PLAN]
    by_text: dict[str, list[Activity]] = defaultdict(list)
    for activity in plan_rows:
        by_text[name_key(activity.text)].append(activity)
    by_number = {a.number: a for a in plan_rows if a.removed_at is None}
    matched: dict[int, Activity] = {}
    used: set[int] = set()
    for index, row in enumerate(parsed):
        for candidate in by_text.get(name_key(row.text), []):
            if candidate.id not in used:
                matched[index] = candidate
                used.add(candidate.id)
                break
    for index, row in enumerate(parsed):
        if index in matched:
            continue
        found = by_number.get(row.number)
        if found is not None and found.id not in used:
            matched[index] = found
            used.add(found.id)
    return matched


def _activity_differs(activity: Activity, row: ParsedActivity) -> bool:
    if (
        activity.text != row.text
        or activity.executors != row.executors
        or activity.deadline_phrase != row.deadline.phrase
        or activity.expected_result != row.expected_result
        or activity.target != row.target
        or activity.removed_at is not None
    ):
        return True
    current = [(d.kind, d.due_on, d.starts_on) for d in activity.due_dates if d.removed_at is None]
    wanted = [(d.kind, d.due_on, d.starts_on) for d in row.deadline.dues]
    return current != wanted and not any(d.set_manually for d in activity.due_dates)


async def plan_changes(
    session: AsyncSession, municipality: Municipality, parsed: ParsedPlan
) -> PlanChanges:
    plan = await find_plan(session, municipality.id, parsed.title)
    if plan is None:
        return PlanChanges(added=[a.number for a in parsed.activities])
    changes = PlanChanges(existing_plan_id=plan.id, existing_imported_at=plan.imported_at)
    matched = _match_activities(plan.activities, parsed.activities)
    counts = await _submission_counts(session, plan.id)
    for index, row in enumerate(parsed.activities):
        activity = matched.get(index)
        if activity is None:
            changes.added.append(row.number)
        elif _activity_differs(activity, row):
            changes.changed.append(row.number)
    matched_ids = {a.id for a in matched.values()}
    for activity in plan.activities:
        if activity.kind is not ActivityKind.PLAN or activity.id in matched_ids:
            continue
        if activity.removed_at is not None:
            continue
        submitted = sum(counts.get(d.id, 0) for d in activity.due_dates)
        (changes.kept_with_submissions if submitted else changes.removed).append(activity.number)
    changes.submissions_kept = sum(counts.values())
    return changes


async def save_plan(
    session: AsyncSession,
    municipality: Municipality,
    parsed: ParsedPlan,
    *,
    sha256: str,
    actor_id: int | None = None,
) -> SaveResult:
    """Create the plan or update it in place. The caller commits (one transaction per import)."""
    changes = await plan_changes(session, municipality, parsed)
    plan = await find_plan(session, municipality.id, parsed.title)
    created = plan is None
    now = utcnow()
    if plan is None:
        plan = Plan(
            municipality_id=municipality.id,
            title=parsed.title,
            title_key=title_key(parsed.title),
            imported_at=now,
            sections=[],
            activities=[],
        )
        session.add(plan)
    plan.title = parsed.title
    plan.period_start = parsed.period.start
    plan.period_end = parsed.period.end
    plan.period_kind = parsed.period.kind.value
    plan.source_filename = parsed.source_name[:255]
    plan.source_sha256 = sha256
    plan.updated_at = now
    await session.flush()

    sections = await _save_sections(session, plan, parsed)
    counts = {} if created else await _submission_counts(session, plan.id)
    matched = {} if created else _match_activities(plan.activities, parsed.activities)

    # Positions and keys are unique per plan: move the old ones out of the way first.
    for activity in plan.activities:
        activity.position = -activity.id
        activity.key = f"~{activity.id}"
    await session.flush()

    kept_ids: set[int] = set()
    for position, row in enumerate(parsed.activities, start=1):
        activity = matched.get(position - 1)
        section = sections[row.section_index] if row.section_index is not None else None
        if activity is None:
            activity = Activity(plan_id=plan.id, kind=ActivityKind.PLAN, due_dates=[])
            session.add(activity)
        _fill_activity(activity, row, position, section)
        await session.flush()
        _save_due_dates(activity, row, counts, now)
        kept_ids.add(activity.id)

    for activity in list(plan.activities):
        if activity.kind is not ActivityKind.PLAN or activity.id in kept_ids:
            continue
        if any(counts.get(d.id, 0) for d in activity.due_dates):
            activity.removed_at = activity.removed_at or now
            activity.position = 100_000 + activity.id
            activity.key = f"{activity.number[:24]}~removed{activity.id}"
        else:
            await session.delete(activity)
    await session.flush()

    await ensure_half_year_report(session, plan, municipality, counts)
    created_count, removed_count = await sync_assignments(session, municipality.id)
    session.add(
        AuditLog(
            municipality_id=municipality.id,
            user_id=actor_id,
            action="plan.imported" if created else "plan.updated",
            object_type="plan",
            object_id=plan.id,
            details={
                "file": parsed.source_name,
                "sha256": sha256,
                "activities": len(parsed.activities),
                "added": len(changes.added),
                "changed": len(changes.changed),
                "removed": len(changes.removed),
            },
        )
    )
    await session.flush()
    return SaveResult(plan.id, created, changes, created_count, removed_count)


HALF_YEAR_KEY = "half_year_report"


def half_year_dates(municipality: Municipality, start: date, end: date) -> list[date]:
    cal = calendar_of(municipality)
    found = []
    for year in range(start.year, end.year + 1):
        for month, day in cal.half_year_dates:
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue
            if start <= candidate <= end:
                found.append(candidate)
    return sorted(found)


async def ensure_half_year_report(
    session: AsyncSession,
    plan: Plan,
    municipality: Municipality,
    counts: dict[int, int] | None = None,
) -> Activity:
    """Every school reports «по итогам полугодия» on the municipality's half-year dates
    (15 January and 10 June by default) in each year of the plan; its text comes from locales/.
    """
    counts = counts or {}
    activity = await session.scalar(
        select(Activity)
        .where(Activity.plan_id == plan.id, Activity.kind == ActivityKind.HALF_YEAR_REPORT)
        .options(selectinload(Activity.due_dates))
    )
    if activity is None:
        activity = Activity(
            plan_id=plan.id,
            kind=ActivityKind.HALF_YEAR_REPORT,
            number="",
            key=HALF_YEAR_KEY,
            position=0,
            text="",
            target=Target.ALL_SCHOOLS,
            due_dates=[],
        )
        session.add(activity)
        await session.flush()
    activity.key, activity.position = HALF_YEAR_KEY, 0
    activity.deadline_phrase = ""
    activity.removed_at = None
    wanted = half_year_dates(municipality, plan.period_start, plan.period_end)
    current = sorted(activity.due_dates, key=lambda d: d.seq)
    for seq, day in enumerate(wanted, start=1):
        due = next((d for d in current if d.seq == seq), None)
        if due is None:
            due = DueDate(seq=seq)
            activity.due_dates.append(due)
        due.kind, due.due_on, due.starts_on = DueKind.HALF_YEAR, day, None
        due.is_default, due.set_manually, due.removed_at = False, False, None
    for extra in current[len(wanted) :]:
        if counts.get(extra.id, 0):
            extra.removed_at = extra.removed_at or utcnow()
        else:
            activity.due_dates.remove(extra)
    await session.flush()
    return activity


async def _save_sections(session: AsyncSession, plan: Plan, parsed: ParsedPlan) -> list[Section]:
    existing = list(plan.sections)
    for section in existing:
        section.position = -section.id
    await session.flush()
    result: list[Section] = []
    for position, parsed_section in enumerate(parsed.sections, start=1):
        section = existing.pop(0) if existing else Section(plan_id=plan.id)
        section.number = parsed_section.number
        section.title = parsed_section.title
        section.position = position
        session.add(section)
        result.append(section)
    for leftover in existing:
        await session.delete(leftover)
    await session.flush()
    return result


def _fill_activity(
    activity: Activity, row: ParsedActivity, position: int, section: Section | None
) -> None:
    activity.section_id = section.id if section else None
    activity.number = row.number[:32]
    activity.key = row.key[:48]
    activity.position = position
    activity.text = row.text
    activity.executors = row.executors
    activity.expected_result = row.expected_result
    activity.task = row.task
    activity.address = row.address
    activity.target = row.target
    activity.addressed_schools = list(row.addressed_schools)
    activity.removed_at = None


def _save_due_dates(
    activity: Activity, row: ParsedActivity, counts: dict[int, int], now: object
) -> None:
    same_phrase = activity.deadline_phrase == row.deadline.phrase
    activity.deadline_phrase = row.deadline.phrase
    current = sorted(activity.due_dates, key=lambda d: d.seq)
    if same_phrase and any(d.set_manually for d in current):
        return  # a supervisor dated this row by hand and the plan still says the same
    wanted = row.deadline.dues
    for seq, due in enumerate(wanted, start=1):
        existing = next((d for d in current if d.seq == seq), None)
        if existing is None:
            existing = DueDate(seq=seq)
            activity.due_dates.append(existing)
        existing.kind = due.kind
        existing.due_on = due.due_on
        existing.starts_on = due.starts_on
        existing.is_default = due.is_default
        existing.set_manually = False
        existing.removed_at = None
    for extra in current:
        if extra.seq <= len(wanted):
            continue
        if counts.get(extra.id, 0):
            extra.removed_at = extra.removed_at or now  # type: ignore[assignment]
        else:
            activity.due_dates.remove(extra)


async def sync_assignments(session: AsyncSession, municipality_id: int) -> tuple[int, int]:
    """Give every school the due dates of the rows meant for it; take away what no longer is.

    Assignments a supervisor changed by hand are left as they are, and an assignment with
    submissions is never deleted.
    """
    schools = (
        await session.scalars(select(School).where(School.municipality_id == municipality_id))
    ).all()
    rows = await session.execute(
        select(DueDate.id, Activity.target, Activity.addressed_schools)
        .join(Activity, Activity.id == DueDate.activity_id)
        .join(Plan, Plan.id == Activity.plan_id)
        .where(
            Plan.municipality_id == municipality_id,
            Activity.removed_at.is_(None),
            DueDate.removed_at.is_(None),
        )
    )
    wanted: set[tuple[int, int]] = set()
    for due_date_id, target, addressed in rows.all():
        if not target.for_schools:
            continue
        for school in schools:
            if not school.kind.matches(target):
                continue
            if addressed and not any(names_match(school.name, name) for name in addressed):
                continue
            wanted.add((school.id, due_date_id))

    existing = (
        await session.scalars(
            select(Assignment)
            .join(School, School.id == Assignment.school_id)
            .where(School.municipality_id == municipality_id)
        )
    ).all()
    have = {(a.school_id, a.due_date_id): a for a in existing}
    created = 0
    for school_id, due_date_id in wanted - have.keys():
        session.add(Assignment(school_id=school_id, due_date_id=due_date_id))
        created += 1

    stale = [a for key, a in have.items() if key not in wanted and not a.manual]
    removed = 0
    for start in range(0, len(stale), 1000):
        chunk = stale[start : start + 1000]
        with_submissions = set(
            (
                await session.scalars(
                    select(Submission.assignment_id).where(
                        Submission.assignment_id.in_([a.id for a in chunk])
                    )
                )
            ).all()
        )
        doomed = [a.id for a in chunk if a.id not in with_submissions]
        if doomed:
            await session.execute(delete(Assignment).where(Assignment.id.in_(doomed)))
            removed += len(doomed)
    await session.flush()
    return created, removed


def due_dates_summary(rows: list[DueDate]) -> list[date]:
    return sorted(d.due_on for d in rows if d.due_on is not None)


__all__ = [
    "DueKind",
    "PlanChanges",
    "SaveResult",
    "calendar_of",
    "find_plan",
    "get_or_create_municipality",
    "plan_changes",
    "save_plan",
    "sync_assignments",
]


async def set_due_date(
    session: AsyncSession,
    municipality_id: int,
    due_date_id: int,
    day: date,
    *,
    actor_id: int | None = None,
) -> DueDate:
    """A supervisor dates a row the plan left undated («По графику»). A re-import of the same
    phrase keeps it."""
    due = await session.scalar(
        select(DueDate)
        .join(Activity, Activity.id == DueDate.activity_id)
        .join(Plan, Plan.id == Activity.plan_id)
        .where(DueDate.id == due_date_id, Plan.municipality_id == municipality_id)
    )
    if due is None:
        from services.errors import DomainError

        raise DomainError("plan-row-not-found")
    if due.kind is DueKind.NEEDS_DATE:
        due.kind = DueKind.DATE
    due.due_on = day
    due.starts_on = None
    due.is_default = False
    due.set_manually = True
    session.add(
        AuditLog(
            municipality_id=municipality_id,
            user_id=actor_id,
            action="due_date.set",
            object_type="due_date",
            object_id=due.id,
            details={"date": day.isoformat()},
        )
    )
    await session.flush()
    return due


def parse_day(text: str, today: date) -> date | None:
    """«15.03.2022», «15.03.22», «15 марта 2022», «15 марта» (the next such day)."""
    import re

    from services.deadlines import MONTH_PATTERN, month_number

    text = (text or "").strip().lower().replace("ё", "е")
    match = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})", text)
    try:
        if match:
            year = int(match.group(3))
            year += 2000 if year < 100 else 0
            return date(year, int(match.group(2)), int(match.group(1)))
        match = re.fullmatch(rf"(\d{{1,2}})\s+({MONTH_PATTERN})(?:\s+(\d{{4}}))?(?:\s*г\.?)?", text)
        if match:
            month = month_number(match.group(2))
            if match.group(3):
                return date(int(match.group(3)), month, int(match.group(1)))
            candidate = date(today.year, month, int(match.group(1)))
            return (
                candidate
                if candidate >= today
                else date(today.year + 1, month, int(match.group(1)))
            )
    except ValueError:
        return None
    return None


async def apply_calendar(session: AsyncSession, municipality: Municipality) -> int:
    """After the municipality's dates changed (default yearly date, half-year reports), re-date
    the rows they decide: «ежегодно» with no month, «2 раза в год», the half-year report.
    Dates a supervisor set by hand stay. Returns how many activities were re-dated."""
    from services.deadlines import PeriodKind, PlanPeriod, parse_deadline

    cal = calendar_of(municipality)
    plans = (
        await session.scalars(
            select(Plan)
            .where(Plan.municipality_id == municipality.id)
            .options(selectinload(Plan.activities).selectinload(Activity.due_dates))
        )
    ).all()
    changed = 0
    for plan in plans:
        counts = await _submission_counts(session, plan.id)
        await ensure_half_year_report(session, plan, municipality, counts)
        period = PlanPeriod(plan.period_start, plan.period_end, PeriodKind(plan.period_kind))
        for activity in plan.activities:
            if activity.kind is not ActivityKind.PLAN or activity.removed_at is not None:
                continue
            dues = [d for d in activity.due_dates if d.removed_at is None]
            if any(d.set_manually for d in dues):
                continue
            if not any(d.is_default or d.kind is DueKind.HALF_YEAR for d in dues):
                continue
            deadline = parse_deadline(activity.deadline_phrase, period, cal)
            row = ParsedActivity(
                number=activity.number,
                key=activity.key,
                text=activity.text,
                executors=activity.executors,
                deadline=deadline,
                expected_result=activity.expected_result,
                section_index=None,
                target=activity.target,
            )
            activity.deadline_phrase = ""  # so the phrase counts as new and dates are rewritten
            _save_due_dates(activity, row, counts, utcnow())
            changed += 1
    await session.flush()
    await sync_assignments(session, municipality.id)
    return changed
