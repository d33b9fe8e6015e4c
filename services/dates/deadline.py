"""What a deadline rule works with: a phrase in, a :class:`Deadline` (due dates) out, and the
small helpers every rule shares (no date of its own, dates filtered to the plan's period)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from models.base import DueKind
from services.dates.calendar import Calendar, PeriodKind, PlanPeriod, month_end
from services.dates.vocabulary import MONTH_PATTERN, YEAR, month_number


@dataclass(frozen=True)
class Due:
    """One due date of a row: ``due_on`` (None when a person must set it), the first day of a
    window (``starts_on``), and whether it is the municipality's default yearly date."""

    kind: DueKind
    due_on: date | None
    starts_on: date | None = None
    is_default: bool = False
    # An explicit date before the plan was approved or after its period: listed for attention,
    # no reminders, never overdue («4 квартал 2006 г.» in a plan for 2021–2024).
    outside: bool = False


@dataclass(frozen=True)
class Deadline:
    """A phrase as written and the due dates it means."""

    phrase: str
    kind: DueKind
    dues: tuple[Due, ...]
    # False when no rule knew the phrase: the row needs a person's attention.
    understood: bool = True
    # Dates resolved from a month without a year, or the default yearly date.
    notes: tuple[str, ...] = field(default=())

    @property
    def needs_date(self) -> bool:
        """No rule gave a date: the supervisor sets one."""
        return self.kind is DueKind.NEEDS_DATE

    @property
    def dates(self) -> list[date]:
        """The dates that are set, in order."""
        return [d.due_on for d in self.dues if d.due_on is not None]


@dataclass(frozen=True)
class Phrase:
    """What a rule looks at: the phrase as written, its normalised text, the plan's dates."""

    original: str
    text: str
    period: PlanPeriod
    cal: Calendar

    @property
    def school_year_plan(self) -> bool:
        return self.period.kind is PeriodKind.SCHOOL_YEAR

    def school_years(self) -> range:
        """The first calendar years of the school years the period touches."""
        first = self.period.start.year - (self.period.start.month < 9)
        return range(first, self.period.end.year + 1)


@dataclass(frozen=True)
class Rule:
    """A named phrase rule: ``resolve`` gives the deadline, or None when the phrase is not its."""

    name: str
    resolve: Callable[[Phrase], Deadline | None]


DAY_MONTH_RE = re.compile(rf"\b(\d{{1,2}})\s+({MONTH_PATTERN})(?:\s+({YEAR}))?\b")
NUMERIC_DATE_RE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\b")
YEAR_RE = re.compile(rf"\b({YEAR})\b")
SCHOOL_YEAR_RE = re.compile(rf"\b({YEAR})\s*[-/]\s*({YEAR}|\d\d)\s*(?:уч\w*|г|гг|год\w*)?")
SCHOOL_YEAR_WORD_RE = re.compile(r"\bучебн\w*")
MONTH_OR_DATE_RE = re.compile(rf"\b(?:{MONTH_PATTERN})\b|\b\d{{1,2}}\.\d{{1,2}}\.\d{{2,4}}\b")


def mark_outside(deadline: Deadline, period: PlanPeriod, approved: date | None) -> Deadline:
    """Mark the dates before the plan's approval (or its start, when approved earlier) or after
    its end: they stay listed for attention but are never reminded of nor overdue. A school-year
    plan whose approval is not known keeps its August, the month that prepares the year."""
    if approved is None and period.kind is PeriodKind.SCHOOL_YEAR:
        approved = period.start.replace(month=8, day=1)
    first = min(period.start, approved or period.start)
    dues = tuple(
        replace(d, outside=True) if d.due_on and not first <= d.due_on <= period.end else d
        for d in deadline.dues
    )
    return replace(deadline, dues=dues) if dues != deadline.dues else deadline


def needs_date(original: str, *, understood: bool = True) -> Deadline:
    """Understood (or not), but with no date of its own: the supervisor sets one."""
    return Deadline(
        original, DueKind.NEEDS_DATE, (Due(DueKind.NEEDS_DATE, None),), understood=understood
    )


def from_dates(original: str, kind: DueKind, dates: Iterable[date | None]) -> Deadline:
    """One due per date; none at all (nothing falls inside the plan) needs a date."""
    clean = sorted({d for d in dates if d is not None})
    if not clean:
        return Deadline(
            original, DueKind.NEEDS_DATE, (Due(DueKind.NEEDS_DATE, None),), notes=("outside",)
        )
    return Deadline(original, kind, tuple(Due(kind, d) for d in clean))


def from_windows(original: str, kind: DueKind, windows: Iterable[tuple[date, date]]) -> Deadline:
    """One due per window (first day, due day) whose due day falls inside the plan."""
    clean = sorted(set(windows), key=lambda w: w[1])
    if not clean:
        return from_dates(original, kind, [])
    return Deadline(original, kind, tuple(Due(kind, end, starts_on=start) for start, end in clean))


def inside(p: Phrase, dates: Iterable[date | None]) -> list[date]:
    """The dates that fall inside the plan's period (repeats start when the plan does)."""
    return [d for d in dates if d is not None and p.period.contains(d)]


def month_ends(p: Phrase, months: Sequence[int]) -> list[date]:
    """The ends of these months in every year of the plan."""
    return inside(p, (month_end(y, m) for y in p.period.years for m in months))


def named_months(text: str) -> list[int]:
    """The months a phrase names, a window («сентябрь - октябрь») counting as its last one."""
    found: list[int] = []
    for match in re.finditer(rf"(-\s*)?({MONTH_PATTERN})", text):
        number = month_number(match.group(2))
        if match.group(1) and found:
            found[-1] = number
        else:
            found.append(number)
    return found
