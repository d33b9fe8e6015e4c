"""Deadline phrases → due dates: every phrase of the four seed roadmaps, and PRODUCT.md's table."""

from __future__ import annotations

from datetime import date

import pytest

from models.base import DueKind
from services.dates import Calendar, PeriodKind, PlanPeriod, normalize_phrase, parse_deadline
from services.plan_import.parser import parse_plan
from tests.conftest import SEEDS, seed_bytes

D = date
# The periods the seeds' titles give (checked in test_seed_periods).
P000 = PlanPeriod(
    D(2021, 8, 9), D(2024, 12, 31), PeriodKind.MULTI_YEAR
)  # «до 2024 года», 09.08.2021
P001 = PlanPeriod(D(2021, 7, 21), D(2024, 12, 31), PeriodKind.MULTI_YEAR)  # 21.07.2021
P002 = PlanPeriod(D(2021, 6, 17), D(2024, 12, 31), PeriodKind.MULTI_YEAR)  # 17.06.2021
P003 = PlanPeriod(
    D(2021, 9, 1), D(2022, 8, 31), PeriodKind.SCHOOL_YEAR
)  # «на 2021-2022 учебный год»

YEARLY_DEFAULT = [D(2021, 12, 20), D(2022, 12, 20), D(2023, 12, 20), D(2024, 12, 20)]
ONGOING_MULTI = [D(2022, 5, 31), D(2023, 5, 31), D(2024, 5, 31), D(2024, 12, 31)]
AUGUSTS = [D(2021, 8, 31), D(2022, 8, 31), D(2023, 8, 31), D(2024, 8, 31)]

# (seed, phrase exactly as in the seed, kind, due dates, window start)
SEED_PHRASES = [
    # 000 — Александровский муниципальный округ, до 2024 года
    ("000", "август 2021", DueKind.DATE, [D(2021, 8, 31)], None),
    ("000", "сентябрь 2021", DueKind.DATE, [D(2021, 9, 30)], None),
    ("000", "ежегодно", DueKind.YEARLY, YEARLY_DEFAULT, None),
    ("000", "Ежегодно (в соответствии с планом)", DueKind.YEARLY, YEARLY_DEFAULT, None),
    ("000", "в течение года (по мере необходимости)", DueKind.ONGOING, ONGOING_MULTI, None),
    ("000", "ежегодно (август)", DueKind.YEARLY, AUGUSTS, None),
    # 001 — Кизел, до 2024 года
    ("001", "Август 2021 г.", DueKind.DATE, [D(2021, 8, 31)], None),
    ("001", "Сентябрь 2021 г.", DueKind.DATE, [D(2021, 9, 30)], None),
    ("001", "июль-август, 2021 г.", DueKind.WINDOW, [D(2021, 8, 31)], D(2021, 7, 1)),
    ("001", "В течение года", DueKind.ONGOING, ONGOING_MULTI, None),
    ("001", "ежегодно", DueKind.YEARLY, YEARLY_DEFAULT, None),
    ("001", "В соответствии с планом", DueKind.NEEDS_DATE, [], None),
    ("001", "В течение года (по мере необходимости)", DueKind.ONGOING, ONGOING_MULTI, None),
    ("001", "Ежегодно", DueKind.YEARLY, YEARLY_DEFAULT, None),
    ("001", "По мере необходимости", DueKind.NEEDS_DATE, [], None),
    (
        "001",
        "Ежегодно (июнь)",
        DueKind.YEARLY,
        [D(2022, 6, 30), D(2023, 6, 30), D(2024, 6, 30)],
        None,
    ),
    ("001", "ежегодно (август)", DueKind.YEARLY, AUGUSTS, None),
    # 002 — Верещагинский городской округ, до 2024 года (text laid out like a PDF)
    ("002", "июль-август, 2021 г.", DueKind.WINDOW, [D(2021, 8, 31)], D(2021, 7, 1)),
    ("002", "ежегодно", DueKind.YEARLY, YEARLY_DEFAULT, None),
    ("002", "ежегодно (в соответствии с планом)", DueKind.YEARLY, YEARLY_DEFAULT, None),
    ("002", "в течение года (по мере необходимости)", DueKind.ONGOING, ONGOING_MULTI, None),
    (
        "002",
        "ежегодно (декабрь)",
        DueKind.YEARLY,
        [D(2021, 12, 31), D(2022, 12, 31), D(2023, 12, 31), D(2024, 12, 31)],
        None,
    ),
    ("002", "ежегодно (август)", DueKind.YEARLY, AUGUSTS, None),
    # 003 — Каларский муниципальный округ, на 2021-2022 учебный год
    ("003", "Август 2021 г.", DueKind.DATE, [D(2021, 8, 31)], None),
    ("003", "Сентябрь 2021 г.", DueKind.DATE, [D(2021, 9, 30)], None),
    ("003", "Сентябрь 2021 г", DueKind.DATE, [D(2021, 9, 30)], None),
    ("003", "Сентябрь - ноябрь 2021 г.", DueKind.WINDOW, [D(2021, 11, 30)], D(2021, 9, 1)),
    ("003", "До 1 октября 2021 г", DueKind.DATE, [D(2021, 10, 1)], None),
    (
        "003",
        "Согласно дорожной карте по реализации процедур МСОКО",
        DueKind.NEEDS_DATE,
        [],
        None,
    ),
    ("003", "План работы ММС", DueKind.NEEDS_DATE, [], None),
    ("003", "В течение года", DueKind.ONGOING, [D(2022, 5, 31)], None),
    ("003", "Сентябрь- декабрь 2021 г.", DueKind.WINDOW, [D(2021, 12, 31)], D(2021, 9, 1)),
    ("003", "Февраль", DueKind.DATE, [D(2022, 2, 28)], None),
    ("003", "По графику", DueKind.NEEDS_DATE, [], None),
    ("003", "2 раза в год", DueKind.HALF_YEAR, [D(2022, 1, 15), D(2022, 6, 10)], None),
]
PERIODS = {"000": P000, "001": P001, "002": P002, "003": P003}


@pytest.mark.parametrize(
    ("seed", "phrase", "kind", "dates", "start"),
    SEED_PHRASES,
    ids=[f"{s}:{p}" for s, p, *_ in SEED_PHRASES],
)
def test_seed_phrase(seed: str, phrase: str, kind: DueKind, dates: list[date], start: date | None):
    deadline = parse_deadline(phrase, PERIODS[seed])
    assert deadline.phrase == phrase, "the phrase is kept as written"
    assert deadline.kind is kind
    assert deadline.dates == dates
    assert deadline.understood
    if kind is DueKind.NEEDS_DATE:
        assert [d.due_on for d in deadline.dues] == [None]
    if start is not None:
        assert deadline.dues[0].starts_on == start


def test_every_seed_phrase_is_in_the_table():
    """The table above covers every deadline phrase the seeds contain (nothing slips by)."""
    listed = {(seed, phrase) for seed, phrase, *_ in SEED_PHRASES}
    for seed in SEEDS:
        parsed = parse_plan(SEEDS[seed].name, seed_bytes(seed))
        for activity in parsed.activities:
            assert (seed, activity.deadline.phrase) in listed, activity.deadline.phrase


@pytest.mark.parametrize("seed", sorted(PERIODS))
def test_seed_periods(seed: str):
    parsed = parse_plan(SEEDS[seed].name, seed_bytes(seed))
    assert parsed.period == PERIODS[seed]


@pytest.mark.parametrize("seed", sorted(PERIODS))
def test_seed_rows_get_the_table_dates(seed: str):
    parsed = parse_plan(SEEDS[seed].name, seed_bytes(seed))
    expected = {p: (k, d) for s, p, k, d, _ in SEED_PHRASES if s == seed}
    for activity in parsed.activities:
        kind, dates = expected[activity.deadline.phrase]
        assert (activity.deadline.kind, activity.deadline.dates) == (kind, dates)


SCHOOL_2020 = PlanPeriod(D(2020, 9, 1), D(2021, 8, 31), PeriodKind.SCHOOL_YEAR)
MULTI = PlanPeriod(D(2020, 1, 1), D(2024, 12, 31), PeriodKind.MULTI_YEAR)

# PRODUCT.md's table and the ways people write the same thing.
PRODUCT_PHRASES = [
    ("август 2021", DueKind.DATE, [D(2021, 8, 31)], None),
    ("Сентябрь 2021 г.", DueKind.DATE, [D(2021, 9, 30)], None),
    ("АВГУСТ 2021Г.", DueKind.DATE, [D(2021, 8, 31)], None),
    ("в августе 2021 года", DueKind.DATE, [D(2021, 8, 31)], None),
    ("август\n2021 г.", DueKind.DATE, [D(2021, 8, 31)], None),
    ("<b>август 2021</b>", DueKind.DATE, [D(2021, 8, 31)], None),
    ("май 2021", DueKind.DATE, [D(2021, 5, 31)], None),
    ("в мае 2021 г.", DueKind.DATE, [D(2021, 5, 31)], None),
    ("Ноябрь- декабрь 2020", DueKind.WINDOW, [D(2020, 12, 31)], D(2020, 11, 1)),
    ("июль – август 2021 года", DueKind.WINDOW, [D(2021, 8, 31)], D(2021, 7, 1)),
    ("Сентябрь- июнь 2021 года", DueKind.WINDOW, [D(2021, 6, 30)], D(2020, 9, 1)),
    ("сентябрь 2020 - май 2021", DueKind.WINDOW, [D(2021, 5, 31)], D(2020, 9, 1)),
    ("До 23 сентября 2020", DueKind.DATE, [D(2020, 9, 23)], None),
    ("до 01.10.2021", DueKind.DATE, [D(2021, 10, 1)], None),
    ("30.09.2021", DueKind.DATE, [D(2021, 9, 30)], None),
    ("до 15 января, 10 июня 2021 года", DueKind.DATE, [D(2021, 1, 15), D(2021, 6, 10)], None),
    ("Февраль", DueKind.DATE, [D(2021, 2, 28)], None),
    ("до 1 октября", DueKind.DATE, [D(2020, 10, 1)], None),
    ("апрель, май", DueKind.DATE, [D(2021, 4, 30), D(2021, 5, 31)], None),
    ("Ежегодно (июнь)", DueKind.YEARLY, [D(2021, 6, 30)], None),
    ("ежегодно (август)", DueKind.YEARLY, [D(2021, 8, 31)], None),
    ("ежегодно до 1 сентября", DueKind.YEARLY, [D(2020, 9, 1)], None),
    ("ежегодно", DueKind.YEARLY, [D(2020, 12, 20)], None),
    ("Ежегодно (в соответствии с планом)", DueKind.YEARLY, [D(2020, 12, 20)], None),
    ("В течение года", DueKind.ONGOING, [D(2021, 5, 31)], None),
    ("в течение учебного года", DueKind.ONGOING, [D(2021, 5, 31)], None),
    ("В течение 2020-2021 учебного года", DueKind.ONGOING, [D(2021, 5, 31)], None),
    ("постоянно", DueKind.ONGOING, [D(2021, 5, 31)], None),
    ("2 раза в год", DueKind.HALF_YEAR, [D(2021, 1, 15), D(2021, 6, 10)], None),
    ("два раза в год", DueKind.HALF_YEAR, [D(2021, 1, 15), D(2021, 6, 10)], None),
    ("По графику", DueKind.NEEDS_DATE, [], None),
    ("Согласно дорожной карте по реализации процедур МСОКО", DueKind.NEEDS_DATE, [], None),
    ("План работы ММС", DueKind.NEEDS_DATE, [], None),
    ("по мере необходимости", DueKind.NEEDS_DATE, [], None),
    ("I квартал 2021", DueKind.WINDOW, [D(2021, 3, 31)], D(2021, 1, 1)),
    (
        "ежеквартально",
        DueKind.DATE,
        [D(2020, 9, 30), D(2020, 12, 31), D(2021, 3, 31), D(2021, 6, 30)],
        None,
    ),
]


@pytest.mark.parametrize(
    ("phrase", "kind", "dates", "start"), PRODUCT_PHRASES, ids=[p for p, *_ in PRODUCT_PHRASES]
)
def test_product_phrase(phrase: str, kind: DueKind, dates: list[date], start: date | None):
    deadline = parse_deadline(phrase, SCHOOL_2020)
    assert (deadline.kind, deadline.dates) == (kind, dates)
    assert deadline.understood
    if start is not None:
        assert deadline.dues[0].starts_on == start


def test_multi_year_yearly_and_half_year():
    assert parse_deadline("ежегодно (июнь)", MULTI).dates == [
        D(y, 6, 30) for y in range(2020, 2025)
    ]
    assert parse_deadline("2 раза в год", MULTI).dates == [
        D(y, m, d) for y in range(2020, 2025) for m, d in ((1, 15), (6, 10))
    ]


def test_calendar_of_the_municipality_is_used():
    cal = Calendar(yearly_default=(9, 1), half_year_dates=((1, 20), (6, 5)))
    assert parse_deadline("ежегодно", SCHOOL_2020, cal).dates == [D(2020, 9, 1)]
    assert parse_deadline("2 раза в год", SCHOOL_2020, cal).dates == [D(2021, 1, 20), D(2021, 6, 5)]
    assert all(d.is_default for d in parse_deadline("ежегодно", SCHOOL_2020, cal).dues)


def test_calendar_year_plan_ongoing_is_due_at_its_end():
    year = PlanPeriod(D(2022, 1, 1), D(2022, 12, 31), PeriodKind.CALENDAR_YEAR)
    assert parse_deadline("в течение года", year).dates == [D(2022, 12, 31)]


@pytest.mark.parametrize("phrase", ["", "   ", "когда-нибудь потом", "???", "см. приложение"])
def test_unknown_phrases_need_a_person(phrase: str):
    deadline = parse_deadline(phrase, SCHOOL_2020)
    assert deadline.kind is DueKind.NEEDS_DATE
    assert not deadline.understood
    assert deadline.dates == []


def test_rule_with_no_date_inside_the_period_needs_a_date():
    short = PlanPeriod(D(2021, 2, 1), D(2021, 3, 31))
    deadline = parse_deadline("ежегодно (август)", short)
    assert deadline.kind is DueKind.NEEDS_DATE
    assert "outside" in deadline.notes


def test_normalize_phrase_handles_dashes_case_and_noise():
    assert normalize_phrase("Сентябрь–ноябрь 2021 г.") == "сентябрь - ноябрь 2021"
    assert normalize_phrase("  ИЮЛЬ—АВГУСТ,\n2021 года ") == "июль - август, 2021"
    assert normalize_phrase("Ёлка") == "елка"


def test_leap_february_and_explicit_dates_outside_the_period_are_kept():
    leap = PlanPeriod(D(2023, 9, 1), D(2024, 8, 31), PeriodKind.SCHOOL_YEAR)
    assert parse_deadline("Февраль", leap).dates == [D(2024, 2, 29)]
    assert parse_deadline("Август 2021 г.", P003).dates == [D(2021, 8, 31)]
