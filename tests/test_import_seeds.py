"""Each seed roadmap imports with the expected structure, from .txt, .docx and .xlsx alike."""

from __future__ import annotations

import pytest

from models.base import SchoolKind, Target
from services.plan_import.model import Attention, ParsedPlan
from services.plan_import.parser import parse_plan
from tests.builders import build_docx, build_xlsx, rows_from_parsed
from tests.conftest import SEEDS, seed_bytes

# seed: (activities, sections, activity numbers)
EXPECTED = {
    "000": (6, 3, ["1.1", "1.2", "2.1", "2.2", "2.3", "3.1"]),
    "001": (
        15,
        3,
        [
            "1.1",
            "1.2",
            "1.3",
            "1.4",
            "1.5",
            "2.1",
            "2.2",
            "2.3",
            "2.4",
            "2.5",
            "2.6",
            "3.1",
            "3.2",
            "3.3",
            "3.4",
        ],
    ),
    "002": (8, 3, ["1.1", "2.1", "2.2", "2.3", "2.4", "2.5", "3.1", "3.2"]),
    "003": (20, 0, [str(n) for n in range(1, 21)]),
}
SECTION_TITLES = [
    "Нормативно-правовое обеспечение",
    "Общесистемные мероприятия",
    "Мониторинг управления ходом реализации Плана",
]
# The seed's own header, so the built documents keep its column order and wording.
HEADERS = {
    "000": [
        "№ п/п",
        "Мероприятие (содержание деятельности)",
        "Ответственные исполнители",
        "Сроки исполнения",
        "Планируемый результат",
    ],
    "003": [
        "№ п/п",
        "Наименование мероприятия",
        "Сроки реализации",
        "Ответственные исполнители",
        "Ожидаемый результат",
    ],
}


def parsed_txt(seed: str) -> ParsedPlan:
    return parse_plan(SEEDS[seed].name, seed_bytes(seed))


def summary(parsed: ParsedPlan) -> list[tuple]:
    return [
        (
            a.number,
            a.text,
            a.executors,
            a.deadline.phrase,
            a.expected_result,
            a.target,
            a.deadline.kind,
            tuple(a.deadline.dates),
            a.section_index,
        )
        for a in parsed.activities
    ]


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_seed_txt_counts(seed: str):
    parsed = parsed_txt(seed)
    activities, sections, numbers = EXPECTED[seed]
    assert len(parsed.activities) == activities
    assert len(parsed.sections) == sections
    assert [a.number for a in parsed.activities] == numbers
    if sections:
        assert [s.title for s in parsed.sections] == SECTION_TITLES
        assert [s.number for s in parsed.sections] == ["1", "2", "3"]
    assert parsed.source_format == "txt"
    assert all(a.text and a.deadline.phrase for a in parsed.activities)


@pytest.mark.parametrize("seed", sorted(EXPECTED))
@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_seed_built_documents_import_the_same(seed: str, fmt: str):
    original = parsed_txt(seed)
    rows = rows_from_parsed(original, HEADERS.get(seed))
    data = build_docx(rows) if fmt == "docx" else build_xlsx(rows)
    imported = parse_plan(f"plan.{fmt}", data, today=original.period.start)
    assert imported.source_format == fmt
    assert imported.period == original.period
    assert len(imported.activities) == EXPECTED[seed][0]
    assert len(imported.sections) == EXPECTED[seed][1]
    assert summary(imported) == summary(original)


@pytest.mark.parametrize("seed", ["001", "003"])
def test_docx_split_over_two_tables_with_a_continued_row(seed: str):
    original = parsed_txt(seed)
    rows = rows_from_parsed(original, HEADERS.get(seed))
    split_at = len(rows.rows) // 2
    for repeat_header in (True, False):
        data = build_docx(
            rows, split_after=split_at, repeat_header=repeat_header, continuation_of="2"
        )
        imported = parse_plan("plan.docx", data, today=original.period.start)
        assert summary(imported) == summary(original), repeat_header


def test_001_row_continued_on_the_next_line():
    activity = parsed_txt("001").activities[2]
    assert activity.number == "1.3"
    assert activity.text.endswith(
        "школами, функционирующими в неблагоприятных социальных условиях на муниципальном уровне"
    )
    assert activity.target is Target.ALL_SCHOOLS  # «образовательные организации (далее – ОО)»


def test_002_pdf_like_layout_is_read_by_meaning():
    parsed = parsed_txt("002")
    assert parsed.layout == "flow"
    rows = {a.number: a for a in parsed.activities}
    assert rows["1.1"].executors == "Отдел образования, образовательные организации"
    assert rows["1.1"].deadline.phrase == "июль-август, 2021 г."
    assert rows["1.1"].expected_result == "Утверждена система критериев и показателей"
    # A line that fell out of its cell («в неблагоприятных социальных условиях») rejoins it.
    assert rows["2.3"].text.endswith("функционирующих в неблагоприятных социальных условиях")
    assert rows["2.3"].expected_result == "Отчет (справка)"
    assert rows["3.1"].executors == "Отдел образования"
    assert rows["3.1"].target is Target.DEPARTMENT
    assert rows["3.1"].deadline.phrase == "ежегодно (август)"
    assert rows["2.1"].expected_result.startswith("Принято участие в мероприятиях")


def test_003_columns_in_another_order_and_duplicated_cells():
    parsed = parsed_txt("003")
    rows = {a.number: a for a in parsed.activities}
    # Row 6 goes on over the next table line, which has no number.
    assert "4. Проработка активных форм работы с родительским сообществом" in rows["6"].text
    assert rows["6"].expected_result.endswith("Рекомендации")
    # Rows 7-20 repeat the executors cell and end with an empty one.
    assert rows["7"].executors == "МОУО"
    assert rows["7"].expected_result == "Справка (экспертное заключение), протокол, рекомендации"
    assert rows["20"].deadline.phrase == "2 раза в год"
    assert rows["20"].expected_result == ""
    assert rows["12"].executors == "МОУО, ММС"


def test_003_who_does_what():
    targets = {a.number: a.target for a in parsed_txt("003").activities}
    assert targets["1"] is Target.DEPARTMENT
    assert targets["3"] is Target.SHNOR_SHNSU
    assert targets["8"] is Target.DEPARTMENT  # «МОУО, экспертный совет»
    assert targets["14"] is Target.ALL_SCHOOLS  # «МОУО, ОО»
    assert targets["17"] is Target.SHNOR_SHNSU
    assert sum(t.for_schools for t in targets.values()) == 13


def test_000_shnor_rows_go_to_shnor_schools():
    assert {a.target for a in parsed_txt("000").activities} == {Target.SHNOR}


def test_003_schools_named_in_the_plan_are_proposed():
    proposed = [(s.name, s.kind) for s in parsed_txt("003").proposed_schools]
    assert proposed == [("ЧСОШ № 1", SchoolKind.SHNOR), ("КСОШИ № 4", SchoolKind.SHNSU)]


def test_003_rows_needing_attention():
    parsed = parsed_txt("003")
    attention = {a.number: a.attention for a in parsed.needing_attention}
    assert attention == {
        "8": [Attention.NEEDS_DATE],
        "9": [Attention.NEEDS_DATE],
        "10": [Attention.NEEDS_DATE],
        "12": [Attention.NEEDS_DATE],
        "17": [Attention.NEEDS_DATE],
        "19": [Attention.NEEDS_DATE],
    }
    # «наставники» are the schools' staff (issue 11, item 19): row 13 is understood now.
    assert parsed.activities[12].unknown_executors == []


def test_titles_are_the_plan_headings():
    assert parsed_txt("000").title.startswith("План мероприятий («дорожная карта») по реализации")
    assert parsed_txt("000").title.endswith("в Александровском муниципальном округе до 2024 года")
    assert parsed_txt("003").title.endswith("Забайкальского края на 2021-2022 учебный год")
    assert parsed_txt("002").title.endswith(
        "на территории Верещагинского городского округа Пермского края"
    )


def test_xlsx_without_title_rows_and_csv():
    original = parsed_txt("000")
    rows = rows_from_parsed(original)
    imported = parse_plan(
        "plan.xlsx", build_xlsx(rows, title_rows=False), today=original.period.start
    )
    assert len(imported.activities) == 6
    assert imported.title == "plan"  # no heading: the file's name

    lines = [";".join(rows.header)] + [
        ";".join(f'"{c}"' for c in row) if len(row) > 1 else f'"{row[0]}"' for row in rows.rows
    ]
    imported = parse_plan("plan.csv", "\n".join(lines).encode("cp1251"))
    assert summary(imported)[0][:5] == summary(original)[0][:5]
    assert len(imported.sections) == 3
