"""Dates in one place: the Russian words for them, the deadline phrase rules, a municipality's
calendar (yearly and half-year dates, school years) and a day a person types.

* :mod:`services.dates.vocabulary` — months in every case form, dashes, deadline words;
* :mod:`services.dates.phrases` — a plan's deadline phrase → due dates (the rule table
  :data:`~services.dates.phrases.RULES`: a new phrase is one function and one entry there);
* :mod:`services.dates.calendar` — plan periods, the municipality's calendar, month ends;
* :mod:`services.dates.days` — «30.09.2021» typed into the chat.
"""

from __future__ import annotations

from models.base import DueKind
from services.dates.calendar import (
    Calendar,
    PeriodKind,
    PlanPeriod,
    month_day,
    month_end,
    parse_month_days,
    safe_date,
    school_half_years,
)
from services.dates.days import parse_day
from services.dates.deadline import mark_outside
from services.dates.phrases import RULES, Deadline, Due, Phrase, Rule, parse_deadline
from services.dates.vocabulary import (
    DEADLINE_WORDS,
    MONTH_PATTERN,
    fold,
    month_number,
    normalize_phrase,
)

__all__ = [
    "DEADLINE_WORDS",
    "MONTH_PATTERN",
    "RULES",
    "Calendar",
    "Deadline",
    "Due",
    "DueKind",
    "PeriodKind",
    "Phrase",
    "PlanPeriod",
    "Rule",
    "fold",
    "mark_outside",
    "month_day",
    "month_end",
    "month_number",
    "normalize_phrase",
    "parse_day",
    "parse_deadline",
    "parse_month_days",
    "safe_date",
    "school_half_years",
]
