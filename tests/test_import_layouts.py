"""Issue 11, items 14–21: plans laid out as other departments and schools publish them import
from .docx and .xlsx (and .odt, .pdf) built here, with the right count and numbers; their
titles, decrees and executors are understood."""

from __future__ import annotations

from datetime import date

import pytest

from models.base import SchoolKind, Target
from services.i18n import Texts
from services.plan_import import use_cases
from services.plan_import.executors import classify_executors
from services.plan_import.model import ImportProblem
from services.plan_import.parser import parse_plan
from services.plans import get_or_create_municipality
from services.preview import render_preview
from tests.layouts import BUILDERS, Layout, build_docx, build_pdf

D = date
TODAY = D(2022, 9, 1)
DECREE = [
    "Приказ управления образования администрации Кизеловского муниципального округа "
    "от 29.08.2022 № 101",
]

TWO_ROW = Layout(
    preamble=[
        *DECREE,
        "План-график мероприятий по повышению качества образования на 2022-2023 учебный год",
    ],
    header=[
        ["№ п.п.", "Мероприятие", "Сроки", "", "Ответственный", "Выход"],
        ["", "", "начало", "окончание", "", ""],
    ],
    rows=[
        ["1. Организационная работа"],
        [
            "1.1",
            "Совещание с директорами",
            "01.09.2022",
            "30.09.2022",
            "Отдел общего образования",
            "Протокол",
        ],
        [
            "1.2",
            "Анализ результатов ВПР",
            "сентябрь 2022",
            "май 2023",
            "ОО, включенные в перечень ШНОР",
            "Справка",
        ],
        ["2. Методическая работа"],
        [
            "2.1",
            "Семинар для учителей",
            "по итогам I полугодия",
            "",
            "Руководители ШМО/МО",
            "Программа",
        ],
        ["2.10", "Методический день", "янв. 2023", "февр. 2023", "ИМЦ", "Материалы"],
    ],
)


def _parse(kind: str, layout: Layout, name: str = "plan"):  # type: ignore[no-untyped-def]
    return parse_plan(f"{name}.{kind}", BUILDERS[kind](layout), today=TODAY)


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_14_a_two_row_header_is_one_header_and_its_start_and_end_make_a_window(kind: str):
    parsed = _parse(kind, TWO_ROW)
    assert [a.number for a in parsed.activities] == ["1.1", "1.2", "2.1", "2.10"]
    assert [s.number for s in parsed.sections] == ["1", "2"]
    first, second, third, fourth = parsed.activities
    assert (first.deadline.dates, first.deadline.dues[0].starts_on) == (
        [D(2022, 9, 30)],
        D(2022, 9, 1),
    )
    assert (second.deadline.dates, second.deadline.dues[0].starts_on) == (
        [D(2023, 5, 31)],
        D(2022, 9, 1),
    )
    assert third.deadline.dates == [D(2023, 1, 15)]
    assert (fourth.deadline.dates, fourth.deadline.dues[0].starts_on) == (
        [D(2023, 2, 28)],
        D(2023, 1, 1),
    )
    assert [a.target for a in parsed.activities] == [
        Target.DEPARTMENT,
        Target.SHNOR,
        Target.ALL_SCHOOLS,
        Target.DEPARTMENT,
    ]
    assert first.expected_result == "Протокол"
    assert not parsed.needing_attention
    assert parsed.title.startswith("План-график мероприятий")
    assert parsed.source_format == kind


COLUMN_NAMES = [
    ("N п.п", "Содержание деятельности", "Выход"),
    ("№ п.п.", "Наименование направления мероприятия", "Форма завершения"),
    ("N п/п", "Мероприятие", "Форма представления результата"),
    ("№ п/п", "Содержание деятельности", "Продукт"),
    ("N п.п", "Наименование мероприятия", "Показатели"),
]


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
@pytest.mark.parametrize(("number", "text", "result"), COLUMN_NAMES)
def test_15_column_name_variants(kind: str, number: str, text: str, result: str):
    layout = Layout(
        preamble=[*DECREE, "Дорожная карта реализации программы поддержки школ до 2024 года"],
        header=[[number, text, "Срок исполнения", "Ответственные", result]],
        rows=[
            ["1.", "Мониторинг", "IV кв. 2022", "ЦОКО", "Отчёт"],
            [
                "1.1",
                "Сбор данных",
                "ежеквартально до 10 числа месяца, следующего за отчетным",
                "ОО",
                "Таблица",
            ],
            ["1.2", "Свод", "2022-2023 гг.", "Муниципальный координатор", "Свод"],
        ],
    )
    parsed = _parse(kind, layout)
    assert [a.number for a in parsed.activities] == ["1", "1.1", "1.2"]
    assert [a.expected_result for a in parsed.activities] == ["Отчёт", "Таблица", "Свод"]
    assert parsed.activities[0].deadline.dues[0].starts_on == D(2022, 10, 1)
    assert parsed.activities[1].deadline.dates[:2] == [D(2022, 10, 10), D(2023, 1, 10)]
    assert parsed.activities[2].deadline.dates == [D(2023, 12, 31)]
    assert [a.target for a in parsed.activities] == [
        Target.DEPARTMENT,
        Target.ALL_SCHOOLS,
        Target.DEPARTMENT,
    ]


SCHOOL_PLAN = Layout(
    preamble=[
        "УТВЕРЖДЕН приказом директора МБОУ «СОШ № 3» от 30.08.2022 № 45",
        "План работы МБОУ «СОШ № 3» по переходу в эффективный режим функционирования "
        "на 2022-2023 учебный год",
    ],
    header=[["Что делаем", "Когда", "Кто отвечает", "Что получим"]],
    rows=[
        [
            "1. Диагностика профессиональных дефицитов учителей",
            "сент. 2022",
            "Заместитель директора по УВР",
            "Справка",
        ],
        [
            "2. Заседания ШМО по итогам четверти",
            "по итогам четверти",
            "Руководители ШМО",
            "Протоколы",
        ],
        [
            "3. Консультации для родителей",
            "1 раз в месяц",
            "Педагог-психолог, классные руководители",
            "План",
        ],
        [
            "4. Открытые уроки",
            "в течение 1 полугодия",
            "Учителя-предметники, наставники",
            "Конспекты",
        ],
    ],
)


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_15_17_a_schools_own_plan_in_plain_words_goes_to_that_school(kind: str):
    parsed = _parse(kind, SCHOOL_PLAN)
    assert [a.number for a in parsed.activities] == ["1", "2", "3", "4"]
    assert parsed.title.startswith("План работы МБОУ «СОШ № 3» по переходу в эффективный режим")
    assert parsed.own_school == "МБОУ «СОШ № 3»"
    assert [(s.name, s.kind) for s in parsed.proposed_schools] == [
        ("МБОУ «СОШ № 3»", SchoolKind.OTHER)
    ]
    assert all(a.addressed_schools == ["МБОУ «СОШ № 3»"] for a in parsed.activities)
    assert all(a.target is Target.ALL_SCHOOLS for a in parsed.activities)
    assert not parsed.needing_attention
    assert parsed.activities[1].deadline.dates == [
        D(2022, 10, 31),
        D(2022, 12, 31),
        D(2023, 3, 31),
        D(2023, 5, 31),
    ]
    t = Texts().for_locale("ru")
    assert any(
        "план школы «МБОУ „СОШ № 3“»" in line for line in render_preview(t, parsed)
    )  # no nested «…«…»…» (issue 12)


def test_17_a_department_plan_naming_a_school_is_not_a_school_plan():
    parsed = _parse("docx", TWO_ROW)
    assert parsed.own_school is None


TITLES = [
    "План-график мероприятий по реализации проекта «500+» на 2023 год",
    "Муниципальный план-график мероприятий по повышению качества образования на 2023 год",
    "Дорожная карта реализации проекта адресной методической помощи на 2023 год",
    "План работы МБОУ «ООШ № 7» по переходу в эффективный режим функционирования на 2023 год",
    "Антирисковая программа МБОУ «ООШ № 7» на 2023 год",
]


@pytest.mark.parametrize("title", TITLES)
def test_16_title_forms(title: str):
    layout = Layout(
        preamble=[
            "ПЕРМСКИЙ КРАЙ",
            "АДМИНИСТРАЦИЯ",
            "КИЗЕЛОВСКОГО МУНИЦИПАЛЬНОГО ОКРУГА",
            "ПОСТАНОВЛЕНИЕ",
            "28.12.2022 № 7",
            title,
        ],
        header=[["№ п/п", "Мероприятие", "Сроки", "Ответственный"]],
        rows=[["1.1", "Совещание", "по итогам года", "Управление образования"]],
    )
    parsed = _parse("docx", layout)
    assert parsed.title == title
    assert parsed.period.kind.value == "calendar_year"
    assert parsed.activities[0].deadline.dates == [D(2023, 12, 31)]
    assert parsed.approved_by == "АДМИНИСТРАЦИЯ КИЗЕЛОВСКОГО МУНИЦИПАЛЬНОГО ОКРУГА"
    assert parsed.document_date == D(2022, 12, 28)
    assert parsed.municipality_name == "Кизеловский муниципальный округ"


@pytest.mark.parametrize(
    ("lines", "body", "name"),
    [
        (
            DECREE,
            "Управление образования администрации Кизеловского муниципального округа",
            "Кизеловский муниципальный округ",
        ),
        (
            [
                "УТВЕРЖДЕНО постановлением Администрации Чайковского муниципального района "
                "от 01.09.2022 № 5"
            ],
            "Администрация Чайковского муниципального района",
            "Чайковский муниципальный район",
        ),
        (
            ["Управление образования Гремячинского района", "Приказ от 1 сентября 2022 г. № 3"],
            "Управление образования Гремячинского района",
            "Гремячинский район",
        ),
        (["в Верещагинском городском округе"], None, "Верещагинский городской округ"),
    ],
)
def test_16_the_approving_body_and_the_municipality_from_the_decree(lines, body, name):  # type: ignore[no-untyped-def]
    layout = Layout(
        preamble=[*lines, "План мероприятий на 2022-2023 учебный год"],
        header=[["№ п/п", "Мероприятие", "Сроки", "Ответственный"]],
        rows=[["1", "Совещание", "сентябрь 2022", "Отдел образования"]],
    )
    parsed = _parse("xlsx", layout)
    assert (parsed.approved_by, parsed.municipality_name) == (body, name)


async def test_16_a_municipality_with_no_name_yet_takes_the_decrees(sessions):
    data = build_docx(TWO_ROW)
    async with sessions() as session:
        unnamed = await get_or_create_municipality(
            session, None, "Asia/Yekaterinburg", "Муниципалитет"
        )
        preview = await use_cases.preview_import(
            session, unnamed, "p.docx", data, unnamed=("Муниципалитет",)
        )
        assert preview.proposed_name == "Кизеловский муниципальный округ"
        t = Texts().for_locale("ru")
        lines = render_preview(t, preview.parsed, municipality_name=preview.proposed_name)
        assert any("«Кизеловский муниципальный округ»" in line for line in lines)
        assert any(line.startswith("Утверждён: Управление образования") for line in lines)
        await use_cases.apply_import(
            session, unnamed, preview.parsed, sha256=preview.sha256, unnamed=("Муниципалитет",)
        )
        assert unnamed.name == "Кизеловский муниципальный округ"
        again = await use_cases.preview_import(
            session, unnamed, "p.docx", data, unnamed=("Муниципалитет",)
        )
        assert again.proposed_name is None  # it has a name now


def test_18_a_scanned_pdf_gets_a_clear_answer_and_a_broken_odt_is_corrupt():
    with pytest.raises(ImportProblem) as scanned:
        parse_plan("scan.pdf", build_pdf(TWO_ROW, text=False))
    assert scanned.value.key == "import-pdf"
    with pytest.raises(ImportProblem) as broken:
        parse_plan("plan.odt", b"{\\rtf1 not a zip}")
    assert broken.value.key == "import-corrupt"


LISTED = Layout(
    preamble=[*DECREE, "Перечень школ, участвующих в проекте"],
    before=[
        ["№", "Наименование ОО", "Статус"],
        ["1", "МБОУ «СОШ № 1»", "ШНОР"],
        ["2", "МБОУ «ООШ № 7»", "ШНСУ"],
        ["3", "МБОУ «СОШ № 9»", "ШНОР, ШНСУ"],
    ],
    header=[["№ п/п", "Мероприятие", "Сроки", "Ответственный", "Адресность"]],
    rows=[
        ["1.1", "Методический десант", "окт. 2022", "ОО", "МБОУ «СОШ № 1»"],
        ["1.2", "Выездной семинар в ЧСОШ № 2 (ШНОР)", "нояб. 2022", "ИМЦ", ""],
        ["1.3", "Консультации", "дек. 2022", "ОО", "МБОУ «ООШ № 7»"],
    ],
)


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_21_schools_take_their_kind_from_the_plans_list_or_their_rows(kind: str):
    parsed = _parse(kind, LISTED)
    assert [a.number for a in parsed.activities] == ["1.1", "1.2", "1.3"]
    kinds = {s.name: s.kind for s in parsed.proposed_schools}
    assert kinds == {
        "МБОУ «СОШ № 1»": SchoolKind.SHNOR,
        "МБОУ «ООШ № 7»": SchoolKind.SHNSU,
        "МБОУ «СОШ № 9»": SchoolKind.BOTH,
        "ЧСОШ № 2": SchoolKind.SHNOR,
    }


@pytest.mark.parametrize(
    ("executors", "target"),
    [
        ("Руководители ШМО/МО", Target.ALL_SCHOOLS),
        ("Педагоги", Target.ALL_SCHOOLS),
        ("Учителя-предметники", Target.ALL_SCHOOLS),
        ("Классные руководители", Target.ALL_SCHOOLS),
        ("Наставники", Target.ALL_SCHOOLS),
        ("Заместители директоров по УВР", Target.ALL_SCHOOLS),
        ("Отдел общего образования", Target.DEPARTMENT),
        ("Администрация Кизеловского муниципального округа", Target.DEPARTMENT),
        ("Администрация Чайковского муниципального района", Target.DEPARTMENT),
        ("ЦОКО", Target.DEPARTMENT),
        ("Центр оценки качества образования", Target.DEPARTMENT),
        ("ИМЦ", Target.DEPARTMENT),
        ("Методический центр", Target.DEPARTMENT),
        ("Муниципальный координатор", Target.DEPARTMENT),
        ("ОО, включенные в перечень ШНОР", Target.SHNOR),
        ("ОО, включённые в перечень ШНОР; ИМЦ", Target.SHNOR),
        ("ОО с низкими результатами обучения", Target.SHNOR),
        ("школы с низкими образовательными результатами", Target.SHNOR),
        ("ОО, функционирующие в неблагоприятных социальных условиях", Target.SHNSU),
        ("ОО, функционирующие в сложных социальных условиях", Target.SHNSU),
        ("ОО, включенные в перечень ШНСУ", Target.SHNSU),
        ("ОО", Target.ALL_SCHOOLS),
    ],
)
def test_19_20_who_does_what(executors: str, target: Target):
    found = classify_executors(executors)
    assert (found.target, found.unknown, found.recognised) == (target, [], True)
