"""A parsed plan as plain JSON-able data and back, so the preview's result can wait for the
supervisor's «Импортировать» across a restart and be saved exactly as it was shown.

Dates are ISO strings, enums their values, tuples lists. :func:`plan_from_data` raises
ValueError on data it did not write (another version, a damaged file).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from models.base import DueKind, SchoolKind, Target
from services.dates import Deadline, Due, PeriodKind, PlanPeriod
from services.plan_import.model import (
    Attention,
    ParsedActivity,
    ParsedPlan,
    ParsedSection,
    ProposedSchool,
)

FORMAT_VERSION = 1


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _from_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


def _deadline_data(deadline: Deadline) -> dict[str, Any]:
    return {
        "phrase": deadline.phrase,
        "kind": deadline.kind.value,
        "dues": [
            [due.kind.value, _day(due.due_on), _day(due.starts_on), due.is_default, due.outside]
            for due in deadline.dues
        ],
        "understood": deadline.understood,
        "notes": list(deadline.notes),
    }


def _deadline(data: dict[str, Any]) -> Deadline:
    dues = tuple(
        Due(
            DueKind(kind),
            _from_day(due_on),
            _from_day(starts_on),
            bool(is_default),
            bool(rest and rest[0]),
        )
        for kind, due_on, starts_on, is_default, *rest in data["dues"]
    )
    return Deadline(
        data["phrase"], DueKind(data["kind"]), dues, bool(data["understood"]), tuple(data["notes"])
    )


def _activity_data(row: ParsedActivity) -> dict[str, Any]:
    return {
        "number": row.number,
        "key": row.key,
        "text": row.text,
        "executors": row.executors,
        "deadline": _deadline_data(row.deadline),
        "expected_result": row.expected_result,
        "section_index": row.section_index,
        "target": row.target.value,
        "task": row.task,
        "address": row.address,
        "addressed_schools": list(row.addressed_schools),
        "unknown_executors": list(row.unknown_executors),
        "attention": [reason.value for reason in row.attention],
        "notes": list(row.notes),
    }


def _activity(data: dict[str, Any]) -> ParsedActivity:
    return ParsedActivity(
        number=data["number"],
        key=data["key"],
        text=data["text"],
        executors=data["executors"],
        deadline=_deadline(data["deadline"]),
        expected_result=data["expected_result"],
        section_index=data["section_index"],
        target=Target(data["target"]),
        task=data["task"],
        address=data["address"],
        addressed_schools=list(data["addressed_schools"]),
        unknown_executors=list(data["unknown_executors"]),
        attention=[Attention(reason) for reason in data["attention"]],
        notes=list(data["notes"]),
    )


def plan_to_data(parsed: ParsedPlan) -> dict[str, Any]:
    """``parsed`` as a dict of str, int, bool, None, lists and dicts (``json.dumps`` takes it)."""
    return {
        "version": FORMAT_VERSION,
        "title": parsed.title,
        "period": [_day(parsed.period.start), _day(parsed.period.end), parsed.period.kind.value],
        "document_date": _day(parsed.document_date),
        "sections": [[s.number, s.title] for s in parsed.sections],
        "activities": [_activity_data(row) for row in parsed.activities],
        "proposed_schools": [[s.name, s.kind.value] for s in parsed.proposed_schools],
        "source_name": parsed.source_name,
        "source_format": parsed.source_format,
        "layout": parsed.layout,
        "approved_by": parsed.approved_by,
        "municipality_name": parsed.municipality_name,
        "own_school": parsed.own_school,
    }


def plan_from_data(data: dict[str, Any]) -> ParsedPlan:
    """The plan :func:`plan_to_data` wrote. Raises ValueError when ``data`` is not that."""
    try:
        if data["version"] != FORMAT_VERSION:
            raise ValueError(f"parsed plan format {data['version']!r}")
        start, end, kind = data["period"]
        return ParsedPlan(
            title=data["title"],
            period=PlanPeriod(date.fromisoformat(start), date.fromisoformat(end), PeriodKind(kind)),
            document_date=_from_day(data["document_date"]),
            sections=[ParsedSection(number, title) for number, title in data["sections"]],
            activities=[_activity(row) for row in data["activities"]],
            proposed_schools=[
                ProposedSchool(name, SchoolKind(kind)) for name, kind in data["proposed_schools"]
            ],
            source_name=data["source_name"],
            source_format=data["source_format"],
            layout=data["layout"],
            approved_by=data.get("approved_by"),
            municipality_name=data.get("municipality_name"),
            own_school=data.get("own_school"),
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"not a parsed plan: {error!r}") from error
