"""An operator changes a municipality's settings: name, time zone, reminders, calendar."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from models import Municipality
from models.plan import DEFAULT_QUARTER_ENDS
from services.dates import month_day, parse_month_days
from services.dates.calendar import school_order
from services.plans.due_dates import apply_calendar
from services.text import clean_line

_CLOCK = re.compile(r"([01]?\d|2[0-3]):[0-5]\d")
MAX_OFFSET_DAYS = 365


class BadSetting(ValueError):
    """A setting's value is not one the municipality can take; nothing should be kept."""


@dataclass(frozen=True)
class MunicipalityChanges:
    """Settings as the operator typed them; None (or empty) leaves a setting as it is.

    ``reminder_time`` «HH:MM»; ``offsets`` days before a due date «7,3,1,0»; ``overdue`` «first,
    every» days after it; ``half_year`` «MM-DD,MM-DD…»; ``yearly`` one «MM-DD»; ``quarters`` the
    four ends of the school quarters «10-31,12-31,03-31,05-31».
    """

    name: str | None = None
    timezone: str | None = None
    reminder_time: str | None = None
    offsets: str | None = None
    overdue: str | None = None
    half_year: str | None = None
    yearly: str | None = None
    quarters: str | None = None

    @property
    def calendar_changed(self) -> bool:
        return bool(self.half_year or self.yearly or self.quarters)


async def change_municipality(
    session: AsyncSession, municipality: Municipality, changes: MunicipalityChanges
) -> int | None:
    """Apply ``changes``; when the calendar changed, re-date the rows it decides.

    Returns how many activities were re-dated, or None when the calendar stayed. Raises
    BadSetting on a value that is not valid (some settings may be set already: the caller
    rolls back).
    """
    try:
        _set(municipality, changes)
    except (ValueError, ZoneInfoNotFoundError) as error:
        raise BadSetting(str(error)) from error
    if not changes.calendar_changed:
        return None
    return await apply_calendar(session, municipality)


def quarter_ends_of(municipality: Municipality) -> list[str]:
    """The «MM-DD» ends of the school quarters, September first (the defaults until set)."""
    return list(municipality.quarter_ends or DEFAULT_QUARTER_ENDS)


def _set(municipality: Municipality, changes: MunicipalityChanges) -> None:
    if changes.name:
        municipality.name = clean_line(changes.name)
    if changes.timezone:
        ZoneInfo(changes.timezone)
        municipality.timezone = changes.timezone
    if changes.reminder_time:
        if not _CLOCK.fullmatch(changes.reminder_time):
            raise ValueError(changes.reminder_time)
        municipality.reminder_time = changes.reminder_time
    if changes.offsets:
        offsets = sorted({int(p) for p in changes.offsets.split(",")}, reverse=True)
        if any(o < 0 or o > MAX_OFFSET_DAYS for o in offsets):
            raise ValueError(changes.offsets)
        municipality.reminder_offsets = offsets
    if changes.overdue:
        first, every = (int(p) for p in changes.overdue.split(","))
        if first < 1 or every < 1:
            raise ValueError(changes.overdue)
        municipality.overdue_first_days, municipality.overdue_every_days = first, every
    if changes.half_year:
        municipality.half_year_dates = parse_month_days(changes.half_year)
    if changes.yearly:
        municipality.yearly_default = parse_month_days(changes.yearly, 1)[0]
    if changes.quarters:
        quarters = parse_month_days(changes.quarters, 4)
        municipality.quarter_ends = sorted(quarters, key=lambda v: school_order(month_day(v)))
