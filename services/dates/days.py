"""A day a person types: «30.09.2021», «30.09.21», «30 сентября 2021», «30 сентября»."""

from __future__ import annotations

import re
from datetime import date

from services.dates.vocabulary import MONTH_PATTERN, fold, month_number

_NUMERIC = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})")
_WORDS = re.compile(rf"(\d{{1,2}})\s+({MONTH_PATTERN})(?:\s+(\d{{4}}))?(?:\s*г\.?)?")


def parse_day(text: str, today: date) -> date | None:
    """The day ``text`` names, or None when it names none (or a day that does not exist).

    A day and month with no year is the next such day from ``today`` on; a two-digit year is
    in this century.
    """
    text = fold((text or "").strip())
    try:
        match = _NUMERIC.fullmatch(text)
        if match:
            year = int(match.group(3))
            year += 2000 if year < 100 else 0
            return date(year, int(match.group(2)), int(match.group(1)))
        match = _WORDS.fullmatch(text)
        if match:
            day, month = int(match.group(1)), month_number(match.group(2))
            if match.group(3):
                return date(int(match.group(3)), month, day)
            candidate = date(today.year, month, day)
            return candidate if candidate >= today else date(today.year + 1, month, day)
    except ValueError:
        return None
    return None
