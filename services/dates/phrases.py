"""Deadline phrases of a plan («август 2021», «ежегодно (июнь)», «по итогам четверти») → due
dates: the one ordered rule table every reader uses (the table reader and the PDF-like text
reader alike).

Everything here is pure: a phrase and the plan's period in, dates out. The original phrase is
kept beside the dates so people always see what the plan said. The words (months, their
abbreviations, «уч. год») are :mod:`services.dates.vocabulary`; the rules themselves are
:mod:`services.dates.repeats` (what repeats or runs on, what hangs on an event) and
:mod:`services.dates.spans` (what happens once). PRODUCT.md, «The deadline phrases», and
``tests/data/deadline-phrases.tsv`` say what each gives.

A new phrase is one function ``(Phrase) -> Deadline | None`` and one entry in :data:`RULES`, in
the place of the order where it should win (the first rule that answers decides).
"""

from __future__ import annotations

import re

from services.dates import repeats, spans
from services.dates.calendar import Calendar, PlanPeriod
from services.dates.deadline import Deadline, Due, Phrase, Rule, needs_date
from services.dates.vocabulary import normalize_phrase

__all__ = ["RULES", "Deadline", "Due", "Phrase", "Rule", "parse_deadline"]

RULES: list[Rule] = [
    # Tied to an event or an outside schedule, naming no month or day: no date of its own.
    Rule("relative", repeats.relative),
    Rule("yearly", repeats.yearly),
    Rule("explicit_days", spans.explicit_days),
    Rule("halves", spans.halves),
    Rule("school_quarters", repeats.school_quarters),
    Rule("half_year", repeats.half_year),
    Rule("quarterly", repeats.quarterly),
    Rule("monthly", repeats.monthly),
    Rule("school_year_start", repeats.school_year_start),
    Rule("school_year_end", repeats.school_year_end),
    Rule("year_end", repeats.year_end),
    Rule("ongoing", repeats.ongoing),
    Rule("months", spans.months),
    Rule("quarter", spans.quarter),
    Rule("no_date_of_its_own", spans.without_date),
    Rule("school_year", spans.school_year),
    Rule("year_range", spans.year_range),
    Rule("until_year", spans.until_year),
    Rule("bare_year", spans.bare_year),
]


def parse_deadline(phrase: str, period: PlanPeriod, cal: Calendar | None = None) -> Deadline:
    """Turn one deadline phrase into due dates inside ``period``; the first rule that answers
    decides, and a phrase no rule knows needs a date (``understood`` False)."""
    original = re.sub(r"\s+", " ", phrase or "").strip()
    text = normalize_phrase(phrase or "")
    if not text:
        return needs_date(original, understood=False)
    subject = Phrase(original, text, period, cal or Calendar())
    for rule in RULES:
        deadline = rule.resolve(subject)
        if deadline is not None:
            return deadline
    return needs_date(original, understood=False)
