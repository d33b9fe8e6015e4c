"""A plan file → :class:`ParsedPlan`: sections, activities, dates, schools, what needs attention."""

from __future__ import annotations

from datetime import date
from pathlib import PurePath

from models.base import DueKind, SchoolKind, Target
from services.dates import Calendar, PlanPeriod, mark_outside, parse_deadline
from services.names import clean_spaces, name_key
from services.plan_import.columns import Col, header_columns
from services.plan_import.decree import approving_body, municipality_name, own_school
from services.plan_import.executors import (
    classify_executors,
    kind_named,
    school_kinds_listed,
    schools_in_address,
    schools_named_by_kind,
)
from services.plan_import.flow import items_from_flow
from services.plan_import.model import (
    Attention,
    ImportProblem,
    ParsedActivity,
    ParsedPlan,
    ParsedSection,
    ProposedSchool,
)
from services.plan_import.period import detect_period, document_date, plan_title
from services.plan_import.readers import RawDocument, read_document
from services.plan_import.rows import Item, resolve_sections, split_section_title

MAX_ACTIVITIES = 2_000


def parse_plan(
    filename: str,
    data: bytes,
    *,
    calendar: Calendar | None = None,
    today: date | None = None,
) -> ParsedPlan:
    """Read and understand a plan file. Raises :class:`ImportProblem` with a reason to show."""
    calendar = calendar or Calendar()
    today = today or date.today()
    raw = read_document(filename, data)
    if raw.flow_lines is not None:
        _cols, items = items_from_flow(raw.flow_lines, raw.header_lines or [])
        layout = "flow"
    else:
        from services.plan_import.rows import items_from_tables

        _cols, items = items_from_tables(raw.tables)
        layout = "cells"
    items = resolve_sections(items)
    if not any(not item.is_section and item.text for item in items):
        raise ImportProblem("import-no-activities")
    if sum(1 for item in items if not item.is_section) > MAX_ACTIVITIES:
        raise ImportProblem("import-too-many-rows", limit=MAX_ACTIVITIES)

    title = plan_title(raw.preamble) or PurePath(filename).stem
    doc_date = document_date(raw.preamble)
    row_dates = _explicit_row_dates(items, doc_date or today)
    period = detect_period(title, raw.preamble, row_dates, doc_date, today)

    sections: list[ParsedSection] = []
    activities: list[ParsedActivity] = []
    used_keys: set[str] = set()
    for item in items:
        if item.is_section:
            number, title_text = item.number, item.text
            if number is None:
                number, title_text = split_section_title(item.text)
            sections.append(ParsedSection(number, clean_spaces(title_text)))
            continue
        if not item.text:
            continue
        section_index = len(sections) - 1 if sections else None
        activities.append(_activity(item, section_index, period, calendar, used_keys, doc_date))

    return _with_decree(
        ParsedPlan(
            title=title,
            period=period,
            document_date=doc_date,
            sections=sections,
            activities=activities,
            proposed_schools=[],
            source_name=PurePath(filename).name,
            source_format=raw.format,
            layout=layout,
        ),
        raw,
    )


def _with_decree(parsed: ParsedPlan, raw: RawDocument) -> ParsedPlan:
    """Who approved the plan, the municipality it names, the schools it names with their kinds,
    and — for a school's own plan — every row to that school."""
    parsed.approved_by = approving_body(raw.preamble)
    parsed.municipality_name = municipality_name(raw.preamble)
    executors = [a.executors for a in parsed.activities]
    parsed.own_school = own_school(raw.preamble, parsed.approved_by, executors)
    if parsed.own_school is not None:
        kind = _kind_in(" ".join([parsed.title, *raw.preamble]))
        parsed.proposed_schools = [ProposedSchool(parsed.own_school, kind)]
        for activity in parsed.activities:
            _to_own_school(activity, parsed.own_school)
    else:
        listed = school_kinds_listed(_list_rows(raw))
        parsed.proposed_schools = _proposed_schools(parsed.activities, listed)
    return parsed


def _to_own_school(activity: ParsedActivity, school: str) -> None:
    """A school's own plan: every row is that school's, whoever of its staff does it."""
    activity.target = Target.ALL_SCHOOLS
    activity.addressed_schools = [school]
    activity.unknown_executors = []
    activity.attention = [
        a
        for a in activity.attention
        if a not in (Attention.UNKNOWN_EXECUTORS, Attention.PARTLY_UNKNOWN_EXECUTORS)
    ]


def _kind_in(text: str) -> SchoolKind:
    return kind_named(text) or SchoolKind.OTHER


def _explicit_row_dates(items: list[Item], anchor: date) -> list[date]:
    """Dates the rows state with a year; they place a plan whose title gives no period."""
    import re

    wide = PlanPeriod(date(anchor.year - 3, 1, 1), date(anchor.year + 6, 12, 31))
    found: list[date] = []
    for item in items:
        phrase = deadline_phrase(item)
        if item.is_section or not re.search(r"(?:19|20)\d\d", phrase):
            continue
        found.extend(d.due_on for d in parse_deadline(phrase, wide).dues if d.due_on)
    return found


def deadline_phrase(item: Item) -> str:
    """The row's deadline; «начало» and «окончание» columns make one window «A - B»."""
    start, end = item.fields.get(Col.START, ""), item.fields.get(Col.DEADLINE, "")
    return f"{start} - {end}" if start and end else end or start


def _activity(
    item: Item,
    section_index: int | None,
    period: PlanPeriod,
    calendar: Calendar,
    used_keys: set[str],
    approved: date | None = None,
) -> ParsedActivity:
    number = item.number or str(len(used_keys) + 1)
    key = number
    suffix = 2
    while key in used_keys:
        key = f"{number}#{suffix}"
        suffix += 1
    used_keys.add(key)

    phrase = deadline_phrase(item)
    deadline = mark_outside(parse_deadline(phrase, period, calendar), period, approved)
    executors_text = item.fields.get(Col.EXECUTORS, "")
    executors = classify_executors(executors_text)
    address = item.fields.get(Col.ADDRESS) or None
    addressed = schools_in_address(address or "")

    attention: list[Attention] = []
    if not phrase:
        attention.append(Attention.NO_DEADLINE)
    elif deadline.kind is DueKind.NEEDS_DATE:
        if not deadline.understood:
            attention.append(Attention.UNKNOWN_DEADLINE)
        elif "outside" in deadline.notes:
            attention.append(Attention.NO_DATE_IN_PERIOD)
        else:
            attention.append(Attention.NEEDS_DATE)
    if any(due.outside for due in deadline.dues):
        attention.append(Attention.OUTSIDE_PERIOD)
    if not executors.recognised:
        attention.append(Attention.UNKNOWN_EXECUTORS)
    elif executors.unknown:
        attention.append(Attention.PARTLY_UNKNOWN_EXECUTORS)

    return ParsedActivity(
        number=number,
        key=key,
        text=item.text,
        executors=executors_text,
        deadline=deadline,
        expected_result=item.fields.get(Col.RESULT, ""),
        section_index=section_index,
        target=executors.target,
        task=item.fields.get(Col.TASK) or None,
        address=address,
        addressed_schools=addressed,
        unknown_executors=executors.unknown,
        attention=attention,
        notes=list(deadline.notes),
    )


def _list_rows(raw: RawDocument) -> list[list[str]]:
    """Rows that may list the plan's schools: the preamble's lines (cells split) and the tables
    that are not the plan's (a «Перечень школ» before it)."""
    rows = [line.split("\t") for line in raw.preamble]
    for table in raw.tables:
        texts = [[cell.text for cell in row] for row in table.rows]
        if not any(header_columns(row) for row in texts[:12]):
            rows.extend(texts)
    return rows


def _proposed_schools(
    activities: list[ParsedActivity], listed: list[tuple[str, SchoolKind]]
) -> list[ProposedSchool]:
    """The schools the plan names, each with the kind its own list gives, else the kind of the
    rows that name it (never «другая школа» when the plan says which)."""
    kinds: dict[str, tuple[str, set[SchoolKind]]] = {}

    def add(name: str, kind: SchoolKind) -> None:
        key = name_key(name)
        kinds.setdefault(key, (name, set()))[1].add(kind)

    for name, kind in listed:
        add(name, kind)
    for activity in activities:
        for name, kind in [
            *schools_named_by_kind(activity.text),
            *school_kinds_listed([[activity.text]]),
        ]:
            add(name, kind)
        by_target = {
            Target.SHNOR: SchoolKind.SHNOR,
            Target.SHNSU: SchoolKind.SHNSU,
            Target.SHNOR_SHNSU: SchoolKind.BOTH,
        }.get(activity.target, SchoolKind.OTHER)
        for name in activity.addressed_schools:
            add(name, by_target)

    proposed = []
    for key, (name, found) in kinds.items():
        if key in {name_key(n) for n, _ in listed}:
            found = {kind for n, kind in listed if name_key(n) == key}
        if {SchoolKind.SHNOR, SchoolKind.SHNSU} <= found or SchoolKind.BOTH in found:
            kind = SchoolKind.BOTH
        elif SchoolKind.SHNOR in found:
            kind = SchoolKind.SHNOR
        elif SchoolKind.SHNSU in found:
            kind = SchoolKind.SHNSU
        else:
            kind = SchoolKind.OTHER
        proposed.append(ProposedSchool(name, kind))
    return proposed
