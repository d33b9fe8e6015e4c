"""What an import produces: the plan as understood, before anything is saved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from models.base import SchoolKind, Target
from services.dates import Deadline, PlanPeriod
from services.errors import DomainError


class ImportProblem(DomainError):
    """The file cannot be imported; the key says why and what to send instead."""


class Attention(StrEnum):
    """Why a row needs a person's attention."""

    UNKNOWN_DEADLINE = "unknown_deadline"  # no rule knows the phrase
    NEEDS_DATE = "needs_date"  # «По графику»: the supervisor sets a date
    NO_DATE_IN_PERIOD = "no_date_in_period"  # the rule gives no date inside the plan's period
    UNKNOWN_EXECUTORS = "unknown_executors"  # nobody recognisable is responsible
    PARTLY_UNKNOWN_EXECUTORS = "partly_unknown_executors"  # some executors not recognised
    NO_DEADLINE = "no_deadline"  # the deadline cell is empty
    # An explicit date before the plan's approval or after its period: no reminders, never late.
    OUTSIDE_PERIOD = "outside_period"


@dataclass
class ParsedSection:
    number: str | None
    title: str


@dataclass
class ParsedActivity:
    number: str
    key: str
    text: str
    executors: str
    deadline: Deadline
    expected_result: str
    section_index: int | None
    target: Target
    task: str | None = None
    address: str | None = None
    addressed_schools: list[str] = field(default_factory=list)
    unknown_executors: list[str] = field(default_factory=list)
    attention: list[Attention] = field(default_factory=list)
    # Notes that are not problems: a month without a year, the default yearly date.
    notes: list[str] = field(default_factory=list)

    @property
    def for_schools(self) -> bool:
        return self.target.for_schools


@dataclass
class ProposedSchool:
    name: str
    kind: SchoolKind


@dataclass
class ParsedPlan:
    title: str
    period: PlanPeriod
    document_date: date | None
    sections: list[ParsedSection]
    activities: list[ParsedActivity]
    proposed_schools: list[ProposedSchool]
    source_name: str
    source_format: str  # "docx" | "xlsx" | "txt" | "csv" | "pdf" | "odt"
    layout: str  # "cells" or "flow" (text laid out like a PDF)
    # From the decree: who approved it, the municipality it names (nominative), and the school
    # whose own plan it is (every row goes to that school).
    approved_by: str | None = None
    municipality_name: str | None = None
    own_school: str | None = None

    @property
    def needing_attention(self) -> list[ParsedActivity]:
        return [a for a in self.activities if a.attention]

    @property
    def school_activities(self) -> list[ParsedActivity]:
        return [a for a in self.activities if a.for_schools]
