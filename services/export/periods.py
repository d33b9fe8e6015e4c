"""Export periods: the half-years of the school year a report can be limited to.

A date helper; the dates consolidation may move it next to the other date functions.
"""

from __future__ import annotations

from datetime import date


def half_years(start: date, end: date) -> list[tuple[date, date]]:
    """The half-years of the school years a period covers: 1.09–31.12 and 1.01–31.08.

    Returns (first day, last day) pairs, oldest first, each overlapping ``start``..``end``.
    """
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


def ymd(day: date) -> int:
    """``day`` as the integer YYYYMMDD (fits a callback button's data)."""
    return day.year * 10000 + day.month * 100 + day.day


def from_ymd(value: int) -> date | None:
    """The date of a YYYYMMDD integer, or ``None`` if it names no date."""
    try:
        return date(value // 10000, value // 100 % 100, value % 100)
    except ValueError:
        return None
