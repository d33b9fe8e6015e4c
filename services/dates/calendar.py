"""The calendar dates resolve against: a plan's period, a municipality's yearly and half-year
dates, month ends and school years."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

LEAP_YEAR = 2024  # a «MM-DD» is checked against a leap year, so 02-29 is allowed
SCHOOL_YEAR_FIRST_MONTH = 9
DEFAULT_QUARTER_ENDS = ((10, 31), (12, 31), (3, 31), (5, 31))


def school_order(month_day_pair: tuple[int, int]) -> tuple[int, int, int]:
    """Sort key putting September first: a school year's months in their order."""
    month, day = month_day_pair
    return (month < SCHOOL_YEAR_FIRST_MONTH, month, day)


class PeriodKind(StrEnum):
    """How a plan's period was found (kept on the plan: it decides when ongoing rows are due)."""

    SCHOOL_YEAR = "school_year"  # «на 2021-2022 учебный год»
    CALENDAR_YEAR = "calendar_year"  # «на 2022 год»
    MULTI_YEAR = "multi_year"  # «до 2024 года», «на 2021-2024 годы»
    INFERRED = "inferred"  # from the dates in the rows


@dataclass(frozen=True)
class PlanPeriod:
    """The days a plan runs, both ends included. Raises ValueError when it starts after it ends."""

    start: date
    end: date
    kind: PeriodKind = PeriodKind.INFERRED

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"plan period starts after it ends: {self.start} > {self.end}")

    def contains(self, day: date) -> bool:
        """Whether ``day`` falls inside the period (both ends included)."""
        return self.start <= day <= self.end

    @property
    def years(self) -> range:
        """The calendar years the period touches."""
        return range(self.start.year, self.end.year + 1)


@dataclass(frozen=True)
class Calendar:
    """A municipality's dates that phrases resolve against, each a (month, day) pair."""

    yearly_default: tuple[int, int] = (12, 20)
    half_year_dates: tuple[tuple[int, int], ...] = ((1, 15), (6, 10))
    school_year_end: tuple[int, int] = (5, 31)
    # The ends of the school quarters (четверти), in school-year order from September.
    quarter_ends: tuple[tuple[int, int], ...] = DEFAULT_QUARTER_ENDS

    @classmethod
    def from_strings(
        cls,
        yearly_default: str,
        half_year_dates: Iterable[str],
        quarter_ends: Iterable[str] | None = None,
    ) -> Calendar:
        """From the municipality's «MM-DD» strings. Raises ValueError on a date that is none."""
        quarters = [month_day(v) for v in quarter_ends or ()]
        return cls(
            yearly_default=month_day(yearly_default),
            half_year_dates=tuple(sorted(month_day(v) for v in half_year_dates)),
            quarter_ends=tuple(sorted(quarters, key=school_order)) or DEFAULT_QUARTER_ENDS,
        )

    def school_quarter_days(self, first_year: int) -> list[date]:
        """The ends of the quarters of the school year that starts in ``first_year``."""
        return [
            day
            for month, dom in self.quarter_ends
            if (day := safe_date(first_year + (month < SCHOOL_YEAR_FIRST_MONTH), month, dom))
        ]

    def half_year_days(self, start: date, end: date) -> list[date]:
        """The half-year report dates from ``start`` to ``end`` (both included), in order."""
        found = [
            day
            for year in range(start.year, end.year + 1)
            for month, dom in self.half_year_dates
            if (day := safe_date(year, month, dom)) is not None and start <= day <= end
        ]
        return sorted(found)

    def school_year_end_after(self, first_year: int) -> date | None:
        """The end of the school year that starts in ``first_year``."""
        return safe_date(first_year + 1, *self.school_year_end)


def month_day(value: str) -> tuple[int, int]:
    """«12-20» → (12, 20). Raises ValueError when it is not a day of the year."""
    month, day = (int(part) for part in value.split("-"))
    date(LEAP_YEAR, month, day)
    return month, day


def parse_month_days(value: str, count: int | None = None) -> list[str]:
    """«1-15, 06-10» → ["01-15", "06-10"], as the municipality keeps them.

    Raises ValueError on a day that does not exist or when ``count`` days were wanted and the
    value has another number of them.
    """
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if count is not None and len(parts) != count:
        raise ValueError(value)
    return [f"{month:02d}-{day:02d}" for month, day in (month_day(part) for part in parts)]


def month_end(year: int, month: int) -> date:
    """The last day of the month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def safe_date(year: int, month: int, day: int) -> date | None:
    """The date, or None where there is no such day (30 February)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def first_in_period(period: PlanPeriod, make: Callable[[int], date | None]) -> date | None:
    """The earliest date ``make(year)`` inside the period, else the one nearest to it."""
    candidates = [make(y) for y in range(period.start.year - 1, period.end.year + 2)]
    found = [c for c in candidates if c is not None]
    inside = [c for c in found if period.contains(c)]
    if inside:
        return min(inside)
    if not found:
        return None
    return min(found, key=lambda c: min(abs((c - period.start).days), abs((c - period.end).days)))


def school_half_years(start: date, end: date) -> list[tuple[date, date]]:
    """The half-years of the school years a period covers: 1.09–31.12 and 1.01–31.08, as
    (first day, last day) pairs touching ``start``…``end``."""
    found = []
    year = start.year - 1
    while date(year, 9, 1) <= end:
        for first, last in (
            (date(year, 9, 1), date(year, 12, 31)),
            (date(year + 1, 1, 1), date(year + 1, 8, 31)),
        ):
            if last >= start and first <= end:
                found.append((first, last))
        year += 1
    return found


def school_year_ends(period: PlanPeriod, cal: Calendar) -> list[date]:
    """The end of every school year the period covers; a plan of one school year has one."""
    month, day = cal.school_year_end
    if period.kind is PeriodKind.CALENDAR_YEAR:
        return [period.end]
    if period.kind is PeriodKind.SCHOOL_YEAR:
        end = safe_date(period.end.year, month, day) or period.end
        return [min(end, period.end)]
    ends = [
        d
        for y in range(period.start.year, period.end.year + 1)
        if (d := safe_date(y, month, day)) and period.contains(d)
    ]
    # The part of a school year after the last 31 May (autumn of the final year) closes with
    # the plan itself.
    if not ends or (period.end > ends[-1] and (period.end - ends[-1]).days > 92):
        ends.append(period.end)
    return ends
