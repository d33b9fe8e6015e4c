"""The deadline rules of issue 11, each kind with wordings beyond its examples: the field table
(tests/data/deadline-phrases.tsv, copied from ../shared/field) with its exact dates, then one
table per rule kind (abbreviations, other cases, punctuation, line breaks)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from models.base import DueKind
from services.dates import Calendar, PeriodKind, PlanPeriod, parse_deadline
from services.plan_import.flow import _take_deadline

D = date
PLANS = {
    # «План мероприятий … на 2022-2023 учебный год», approved 29.08.2022
    "SY": PlanPeriod(D(2022, 9, 1), D(2023, 8, 31), PeriodKind.SCHOOL_YEAR),
    # «… на 2023 год», approved 28.12.2022
    "CY": PlanPeriod(D(2023, 1, 1), D(2023, 12, 31), PeriodKind.CALENDAR_YEAR),
    # «… до 2024 года», approved 31.08.2021
    "MY": PlanPeriod(D(2021, 8, 31), D(2024, 12, 31), PeriodKind.MULTI_YEAR),
}
FIELD_TABLE = Path(__file__).parent / "data" / "deadline-phrases.tsv"


def _field_rows() -> list[tuple[str, str, str, str]]:
    lines = [line for line in FIELD_TABLE.read_text("utf-8").splitlines() if line[:1] != "#"]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    return [(r["plan"], r["phrase"], r["due"], r["start"] or "") for r in rows]


FIELD = _field_rows()


def test_the_field_table_is_the_shared_one():
    shared = Path(__file__).parents[2] / "shared" / "field" / "deadline-phrases.tsv"
    if shared.exists():
        assert shared.read_text("utf-8") == FIELD_TABLE.read_text("utf-8")
    assert len(FIELD) == 20


@pytest.mark.parametrize(("plan", "phrase", "due", "start"), FIELD, ids=[r[1] for r in FIELD])
def test_field_phrase(plan: str, phrase: str, due: str, start: str):
    deadline = parse_deadline(phrase, PLANS[plan])
    assert deadline.understood, "understood, never «не распознан»"
    if due == "-":
        assert deadline.kind is DueKind.NEEDS_DATE and deadline.dates == []
    else:
        assert [d.isoformat() for d in deadline.dates] == due.split()
    if start:
        assert deadline.dues[0].starts_on == D.fromisoformat(start)


def _check(plan: str, phrase: str, dates: list[date], start: date | None = None) -> None:
    deadline = parse_deadline(phrase, PLANS[plan])
    assert deadline.understood, phrase
    assert deadline.dates == dates, phrase
    if start is not None:
        assert deadline.dues[0].starts_on == start, phrase


SCHOOL_END = [D(2023, 5, 31)]
# (plan, phrase, dates, first day of the window)
KINDS = {
    "1_school_year_abbreviations": [
        ("SY", "2022-2023 уч.г.", SCHOOL_END, None),
        ("SY", "2022/2023 уч. года", SCHOOL_END, None),
        ("SY", "в течение 2022-2023 уч. года", SCHOOL_END, None),
        ("SY", "2022–2023 УЧ. Г.", SCHOOL_END, None),
        ("MY", "2022 - 2023 уч.год", SCHOOL_END, None),
    ],
    "2_ongoing_over_years": [
        (
            "MY",
            "в течение 2021 - 2024 годов",
            [D(2022, 5, 31), D(2023, 5, 31), D(2024, 5, 31), D(2024, 12, 31)],
            None,
        ),
        (
            "MY",
            "В течение\n2021–2024 гг.",
            [D(2022, 5, 31), D(2023, 5, 31), D(2024, 5, 31), D(2024, 12, 31)],
            None,
        ),
        ("MY", "в течение 2022-2023 г.г.", [D(2022, 5, 31), D(2023, 5, 31), D(2023, 12, 31)], None),
    ],
    "3_year_ranges_and_until": [
        ("MY", "2022 - 2024 годы", [D(2024, 12, 31)], D(2022, 1, 1)),
        ("MY", "2022-2024 г.г.", [D(2024, 12, 31)], D(2022, 1, 1)),
        ("MY", "с 2022 по 2023 год", [D(2023, 12, 31)], D(2022, 1, 1)),
        ("MY", "до 2024 года", [D(2024, 12, 31)], None),
        ("MY", "до конца 2023 г.", [D(2023, 12, 31)], None),
        ("MY", "к концу 2023 года", [D(2023, 12, 31)], None),
        ("MY", "в 2023 году", [D(2023, 12, 31)], None),
    ],
    "4_halves": [
        ("SY", "1 полугодие", [D(2022, 12, 31)], D(2022, 9, 1)),
        ("SY", "II полугодие", [D(2023, 5, 31)], D(2023, 1, 1)),
        ("SY", "во втором полугодии", [D(2023, 5, 31)], D(2023, 1, 1)),
        ("SY", "первое полугодие", [D(2022, 12, 31)], D(2022, 9, 1)),
        ("SY", "в I полугодии 2022-2023 уч. года", [D(2022, 12, 31)], D(2022, 9, 1)),
        ("CY", "2 полугодие 2023 года", [D(2023, 12, 31)], D(2023, 7, 1)),
        ("CY", "II полугодие", [D(2023, 12, 31)], D(2023, 7, 1)),
        ("SY", "по итогам II полугодия", [D(2023, 6, 10)], None),
        ("SY", "по итогам 1-го полугодия", [D(2023, 1, 15)], None),
        ("SY", "По итогам первого\nполугодия", [D(2023, 1, 15)], None),
        ("SY", "по итогам I (II) полугодия", [D(2023, 1, 15), D(2023, 6, 10)], None),
    ],
    "5_school_quarters": [
        (
            "SY",
            "по итогам каждой четверти",
            [D(2022, 10, 31), D(2022, 12, 31), D(2023, 3, 31), D(2023, 5, 31)],
            None,
        ),
        (
            "SY",
            "1 раз в четверть",
            [D(2022, 10, 31), D(2022, 12, 31), D(2023, 3, 31), D(2023, 5, 31)],
            None,
        ),
        (
            "SY",
            "По итогам I, II, III, IV четвертей",
            [D(2022, 10, 31), D(2022, 12, 31), D(2023, 3, 31), D(2023, 5, 31)],
            None,
        ),
        ("SY", "по итогам II четверти", [D(2022, 12, 31)], None),
        ("SY", "по итогам I и III четвертей", [D(2022, 10, 31), D(2023, 3, 31)], None),
        ("SY", "III четверть", [D(2023, 3, 31)], D(2023, 1, 1)),
    ],
    "6_abbreviations": [
        ("SY", "окт. 2022", [D(2022, 10, 31)], None),
        ("SY", "нояб. 2022 г.", [D(2022, 11, 30)], None),
        ("SY", "дек.2022", [D(2022, 12, 31)], None),
        ("SY", "янв. 2023", [D(2023, 1, 31)], None),
        ("SY", "февр. 2023", [D(2023, 2, 28)], None),
        ("SY", "апр. 2023 г.", [D(2023, 4, 30)], None),
        ("SY", "авг. 2022", [D(2022, 8, 31)], None),
        ("SY", "до 01.10", [D(2022, 10, 1)], None),
        ("SY", "30.09", [D(2022, 9, 30)], None),
        ("SY", "сент.-окт. 2022", [D(2022, 10, 31)], D(2022, 9, 1)),
        ("MY", "IV кв.2022", [D(2022, 12, 31)], D(2022, 10, 1)),
        ("MY", "II-III кв. 2023 г.", [D(2023, 9, 30)], D(2023, 4, 1)),
        ("MY", "по итогам I кв. 2023 г.", [D(2023, 3, 31)], None),
    ],
    "7_day_inside_a_repeat": [
        (
            "SY",
            "ежемесячно, до 5 числа месяца, следующего за отчетным",
            [
                D(2022, 10, 5),
                D(2022, 11, 5),
                D(2022, 12, 5),
                D(2023, 1, 5),
                D(2023, 2, 5),
                D(2023, 3, 5),
                D(2023, 4, 5),
                D(2023, 5, 5),
                D(2023, 6, 5),
            ],
            None,
        ),
        (
            "SY",
            "ежеквартально до 10 числа месяца, следующего за отчетным",
            [D(2022, 10, 10), D(2023, 1, 10), D(2023, 4, 10), D(2023, 7, 10)],
            None,
        ),
        (
            "CY",
            "ежеквартально, до 5-го числа",
            [D(2023, 3, 5), D(2023, 6, 5), D(2023, 9, 5), D(2023, 12, 5)],
            None,
        ),
        (
            "SY",
            "каждый месяц",
            [
                D(2022, 9, 30),
                D(2022, 10, 31),
                D(2022, 11, 30),
                D(2022, 12, 31),
                D(2023, 1, 31),
                D(2023, 2, 28),
                D(2023, 3, 31),
                D(2023, 4, 30),
                D(2023, 5, 31),
            ],
            None,
        ),
        ("CY", "Ежемесячно до 25 числа", [D(2023, m, 25) for m in range(1, 13)], None),
        (
            "SY",
            "2 раза в месяц",
            [
                D(2022, 9, 30),
                D(2022, 10, 31),
                D(2022, 11, 30),
                D(2022, 12, 31),
                D(2023, 1, 31),
                D(2023, 2, 28),
                D(2023, 3, 31),
                D(2023, 4, 30),
                D(2023, 5, 31),
            ],
            None,
        ),
    ],
    "8_months_beside_a_repeat": [
        ("MY", "ежегодно, IV квартал", [D(y, 12, 31) for y in range(2021, 2025)], None),
        ("MY", "ежегодно в течение 1 квартала", [D(y, 3, 31) for y in range(2022, 2025)], None),
        ("SY", "2 раза в год: январь, июнь", [D(2023, 1, 31), D(2023, 6, 30)], None),
        ("SY", "два раза в год (в декабре и мае)", [D(2022, 12, 31), D(2023, 5, 31)], None),
        (
            "SY",
            "ежеквартально (март, июнь, сентябрь, декабрь)",
            [D(2022, 9, 30), D(2022, 12, 31), D(2023, 3, 31), D(2023, 6, 30)],
            None,
        ),
    ],
    "9_year_and_school_year_ends": [
        ("CY", "по итогам календарного года", [D(2023, 12, 31)], None),
        (
            "MY",
            "по итогам года",
            [D(2021, 12, 31), D(2022, 12, 31), D(2023, 12, 31), D(2024, 12, 31)],
            None,
        ),
        ("SY", "по итогам учебного года", SCHOOL_END, None),
        ("SY", "до конца учебного года", SCHOOL_END, None),
        ("SY", "Конец учебного года", SCHOOL_END, None),
        ("SY", "по окончании 2022-2023 учебного года", SCHOOL_END, None),
        ("SY", "еженедельно", SCHOOL_END, None),
        ("SY", "Еженедельно, по пятницам", SCHOOL_END, None),
        ("SY", "ежедневно", SCHOOL_END, None),
        ("SY", "до начала учебного года", [D(2022, 9, 1)], None),
        ("SY", "в начале учебного года", [D(2022, 9, 30)], None),
    ],
    "10_windows_of_two_days": [
        ("SY", "с 01.09.2022 по 31.05.2023", [D(2023, 5, 31)], D(2022, 9, 1)),
        ("SY", "01.09.2022 – 31.05.2023", [D(2023, 5, 31)], D(2022, 9, 1)),
        ("SY", "с 1 сентября по 31 мая 2023", [D(2023, 5, 31)], D(2022, 9, 1)),
        ("SY", "с 1 по 15 сентября 2022", [D(2022, 9, 15)], D(2022, 9, 1)),
        ("SY", "1-15 сентября", [D(2022, 9, 15)], D(2022, 9, 1)),
        ("SY", "с 01.09 по 30.09", [D(2022, 9, 30)], D(2022, 9, 1)),
        ("SY", "с сентября по май", [D(2023, 5, 31)], D(2022, 9, 1)),
    ],
}
KIND_ROWS = [(kind, *row) for kind, rows in KINDS.items() for row in rows]


@pytest.mark.parametrize(
    ("kind", "plan", "phrase", "dates", "start"),
    KIND_ROWS,
    ids=[f"{r[0]}:{r[2]}" for r in KIND_ROWS],
)
def test_rule_kind(kind: str, plan: str, phrase: str, dates: list[date], start: date | None):
    _check(plan, phrase, dates, start)


NO_DATE_OF_ITS_OWN = [
    "после проведения ВПР",
    "По итогам ВПР",
    "по мере поступления",
    "согласно графику ФИОКО",
    "в течение 10 дней после проведения",
    "в течение месяца",
    "в сроки проведения ГИА",
    "по итогам мониторинга",
    "по результатам диагностики",
    "в течение двух недель с момента утверждения",
    "ежегодно (по графику)",
    "Ежегодно, по графику Минпросвещения",
    "ежегодно, после проведения ГИА",
    "в каникулярное время",
    "весенние каникулы",
]


@pytest.mark.parametrize("phrase", NO_DATE_OF_ITS_OWN)
def test_11_12_understood_with_no_date_of_its_own(phrase: str):
    for plan in PLANS.values():
        deadline = parse_deadline(phrase, plan)
        assert deadline.understood, phrase
        assert deadline.kind is DueKind.NEEDS_DATE and deadline.dates == [], phrase


def test_12_a_month_beside_a_yearly_event_wins_and_a_bare_yearly_takes_the_default():
    assert parse_deadline("ежегодно по итогам ГИА (июль)", PLANS["CY"]).dates == [D(2023, 7, 31)]
    bare = parse_deadline("Ежегодно", PLANS["CY"])
    assert bare.dates == [D(2023, 12, 20)] and all(d.is_default for d in bare.dues)


def test_5_school_quarters_are_the_municipality_setting():
    cal = Calendar(quarter_ends=((11, 5), (12, 28), (3, 24), (5, 26)))
    assert parse_deadline("по итогам четверти", PLANS["SY"], cal).dates == [
        D(2022, 11, 5),
        D(2022, 12, 28),
        D(2023, 3, 24),
        D(2023, 5, 26),
    ]
    assert Calendar.from_strings(
        "12-20", ["01-15"], ["05-31", "10-31", "03-31", "12-31"]
    ) == Calendar(half_year_dates=((1, 15),))


def test_13_repeats_never_fall_before_the_plan_starts():
    # «до 2024 года» approved 31.08.2021: the period starts at the approval, so do the repeats.
    assert D(2021, 1, 15) not in parse_deadline("2 раза в год", PLANS["MY"]).dates
    assert parse_deadline("по итогам I полугодия", PLANS["MY"]).dates[0] == D(2022, 1, 15)


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("IV кв. 2022 Отчет", "IV кв. 2022"),
        ("сент. 2022 г. Протокол", "сент. 2022 г."),
        ("по итогам четверти Справка", "по итогам четверти"),
        ("2022-2023 уч. г. Приказ", "2022-2023 уч. г."),
    ],
)
def test_the_text_reader_knows_the_same_words(text: str, deadline: str):
    taken, _rest = _take_deadline(text)
    assert taken.strip() == deadline
