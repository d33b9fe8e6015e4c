"""services.dates beyond the deadline phrases: typed days, the calendar, the rule table."""

from __future__ import annotations

from datetime import date

import pytest

from models.base import DueKind
from services.dates import (
    RULES,
    Calendar,
    Deadline,
    Due,
    PeriodKind,
    PlanPeriod,
    Rule,
    parse_day,
    parse_deadline,
    parse_month_days,
    school_half_years,
)

TODAY = date(2021, 10, 5)


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("30.09.2021", date(2021, 9, 30)),
        ("30.09.21", date(2021, 9, 30)),
        ("1-2-2022", date(2022, 2, 1)),
        ("15 марта 2022", date(2022, 3, 15)),
        ("15 марта 2022 г.", date(2022, 3, 15)),
        ("  15 Марта ", date(2022, 3, 15)),  # the next 15 March from today
        ("10 октября", date(2021, 10, 10)),
        ("5 октября", date(2021, 10, 5)),  # today itself
        ("1 октября", date(2022, 10, 1)),  # gone this year: next year's
        ("31.02.2022", None),
        ("завтра", None),
        ("", None),
    ],
)
def test_a_typed_day(typed: str, day: date | None):
    assert parse_day(typed, TODAY) == day


def test_month_days_as_the_municipality_keeps_them():
    assert parse_month_days("1-15, 06-10") == ["01-15", "06-10"]
    assert parse_month_days("02-29", 1) == ["02-29"]
    for bad, count in (("13-01", None), ("02-30", None), ("01-15,06-10", 1), ("x", None)):
        with pytest.raises(ValueError):
            parse_month_days(bad, count)


def test_half_year_days_of_the_calendar():
    cal = Calendar.from_strings("12-20", ["06-10", "01-15"])
    assert cal.half_year_dates == ((1, 15), (6, 10))
    assert cal.half_year_days(date(2021, 9, 1), date(2023, 1, 15)) == [
        date(2022, 1, 15),
        date(2022, 6, 10),
        date(2023, 1, 15),
    ]


def test_a_new_rule_is_one_entry_in_the_table(monkeypatch):
    period = PlanPeriod(date(2021, 9, 1), date(2022, 8, 31), PeriodKind.SCHOOL_YEAR)
    assert parse_deadline("к Новому году", period).understood is False

    def new_year(phrase):  # type: ignore[no-untyped-def]
        if "новому году" not in phrase.text:
            return None
        day = date(phrase.period.start.year, 12, 31)
        return Deadline(phrase.original, DueKind.DATE, (Due(DueKind.DATE, day),))

    monkeypatch.setattr("services.dates.phrases.RULES", [*RULES, Rule("new_year", new_year)])
    deadline = parse_deadline("к Новому году", period)
    assert deadline.understood and deadline.dates == [date(2021, 12, 31)]
    assert [rule.name for rule in RULES][:3] == ["relative", "yearly", "explicit_days"]


def test_school_half_years_a_period_touches():
    assert school_half_years(date(2021, 10, 1), date(2022, 2, 1)) == [
        (date(2021, 9, 1), date(2021, 12, 31)),
        (date(2022, 1, 1), date(2022, 8, 31)),
    ]
    assert school_half_years(date(2022, 3, 1), date(2022, 3, 31)) == [
        (date(2022, 1, 1), date(2022, 8, 31))
    ]
