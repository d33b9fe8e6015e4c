"""Export periods: the half-years of the school year a report can be limited to, and their
compact form for a button's callback data. The half-years themselves come from services.dates."""

from __future__ import annotations

from datetime import date

from services.dates import school_half_years

half_years = school_half_years  # the one definition lives with the other dates


def ymd(day: date) -> int:
    """``day`` as the integer YYYYMMDD (fits a callback button's data)."""
    return day.year * 10000 + day.month * 100 + day.day


def from_ymd(value: int) -> date | None:
    """The date of a YYYYMMDD integer, or ``None`` if it names no date."""
    try:
        return date(value // 10000, value // 100 % 100, value % 100)
    except ValueError:
        return None
