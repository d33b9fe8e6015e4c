"""Saving an imported plan, and updating it from a corrected file.

A corrected file of the same plan (same municipality, same title) updates it in place: rows are
matched by their text (then by their number, when a row's text was corrected), due dates by
their order, so every assignment and every submission already made stays attached. A row or
date that disappeared is deleted only when nothing was submitted for it; otherwise it is kept,
marked removed, so no school's work is lost.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import Activity, ActivityKind, AuditLog, Municipality, Plan, Section, utcnow
from services.names import name_key, title_key
from services.plan_import.model import ParsedActivity, ParsedPlan
from services.plans.assignments import sync_assignments
from services.plans.due_dates import ensure_half_year_report, save_due_dates, submission_counts


@dataclass
class PlanChanges:
    """What saving a parsed plan would do (shown in the preview before confirming): row numbers
    added, changed, removed, and removed rows that stay because schools submitted for them."""

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
    """What saving did: the plan, whether it is new, and the assignments created and removed."""

    plan_id: int
    created: bool
    changes: PlanChanges
    assignments_created: int
    assignments_removed: int


async def find_plan(session: AsyncSession, municipality_id: int, title: str) -> Plan | None:
    """The municipality's plan with this title (compared by :func:`title_key`), rows loaded."""
    return await session.scalar(
        select(Plan)
        .where(Plan.municipality_id == municipality_id, Plan.title_key == title_key(title))
        .options(
            selectinload(Plan.sections),
            selectinload(Plan.activities).selectinload(Activity.due_dates),
        )
    )


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
    """What saving ``parsed`` would change in the municipality's plan of the same title."""
    plan = await find_plan(session, municipality.id, parsed.title)
    if plan is None:
        return PlanChanges(added=[a.number for a in parsed.activities])
    changes = PlanChanges(existing_plan_id=plan.id, existing_imported_at=plan.imported_at)
    matched = _match_activities(plan.activities, parsed.activities)
    counts = await submission_counts(session, plan.id)
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
    plan = await _write_plan(session, plan, municipality, parsed, sha256, now)
    sections = await _save_sections(session, plan, parsed)
    counts = {} if created else await submission_counts(session, plan.id)
    matched = {} if created else _match_activities(plan.activities, parsed.activities)
    await _save_activities(session, plan, parsed, sections, matched, counts, now)
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


async def _write_plan(
    session: AsyncSession,
    plan: Plan | None,
    municipality: Municipality,
    parsed: ParsedPlan,
    sha256: str,
    now: datetime,
) -> Plan:
    """The plan row (new when ``plan`` is None) with the title, period and file of ``parsed``."""
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
    return plan


async def _save_activities(
    session: AsyncSession,
    plan: Plan,
    parsed: ParsedPlan,
    sections: list[Section],
    matched: dict[int, Activity],
    counts: dict[int, int],
    now: datetime,
) -> None:
    """Write every parsed row onto its matched activity (or a new one); rows no longer in the
    file are deleted, or kept marked removed where schools submitted for them."""
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
        save_due_dates(activity, row.deadline, counts, now)
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
