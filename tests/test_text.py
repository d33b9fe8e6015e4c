"""The one text sanitiser: control characters, file names by bytes, no path components."""

from __future__ import annotations

import pytest
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from services.text import NAME_BYTES, clean_line, clean_text, safe_file_name, truncate_bytes

ALL_CONTROLS = "".join(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)])


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("выполнено\x01", "выполнено"),
        ("\x07звонок", "звонок"),
        ("строка 1\r\nстрока 2\rстрока 3", "строка 1\nстрока 2\nстрока 3"),
        ("таб\tостаётся", "таб\tостаётся"),
        ("файл\u202egpj.exe", "файлgpj.exe"),  # right-to-left override
        ("изоляция\u2066x\u2069", "изоляцияx"),
        ("C1\x85\x9b контроль", "C1 контроль"),
        ("e\u0301", "é"),  # NFC
        ("👨\u200d👩\u200d👧 семья", "👨\u200d👩\u200d👧 семья"),  # ZWJ keeps emoji whole
        (None, ""),
        ("", ""),
    ],
)
def test_clean_text(raw: str | None, clean: str) -> None:
    assert clean_text(raw) == clean


def test_clean_text_leaves_nothing_openpyxl_refuses() -> None:
    text = clean_text("a" + ALL_CONTROLS + "b")
    assert ILLEGAL_CHARACTERS_RE.search(text) is None
    assert text == "a\t\n\nb"  # the line feed, and the carriage return as one


def test_clean_line_folds_whitespace() -> None:
    assert clean_line("  Школа\n№ 1\t\x01 ") == "Школа № 1"


@pytest.mark.parametrize("limit", [0, 1, 2, 3, 4, 5, 7, 8])
def test_truncate_bytes_never_splits_a_character(limit: int) -> None:
    text = "я😀ж"  # 2 + 4 + 2 bytes
    cut = truncate_bytes(text, limit)
    assert len(cut.encode()) <= limit
    assert text.startswith(cut)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Школа/Лицей 7", "Школа_Лицей 7"),
        ("Лицей/Лицей 7", "Лицей_Лицей 7"),
        ("1.2. Мониторинг ШНОР/ШНСУ: итоги", "1.2. Мониторинг ШНОР_ШНСУ_ итоги"),
        ("..\\..\\etc\\passwd", "_.._etc_passwd"),
        ("../../секрет.pdf", "_.._секрет.pdf"),
        ("протокол\x07.pdf", "протокол.pdf"),
        ("  .скрытый.docx ", "скрытый.docx"),
        ('a<b>c:d"e|f?g*h.txt', "a_b_c_d_e_f_g_h.txt"),
        ("", "fallback"),
        ("///", "___"),
        ("...", "fallback"),
    ],
)
def test_safe_file_name(name: str, expected: str) -> None:
    assert safe_file_name(name, "fallback") == expected


def test_long_non_latin_name_fits_in_bytes_and_keeps_extension() -> None:
    name = "😀" * 70 + ".pdf"
    for limit in (40, 120, NAME_BYTES):
        safe = safe_file_name(name, "file.bin", limit)
        assert len(safe.encode()) <= limit
        assert safe.endswith(".pdf")
        assert safe.startswith("😀")


def test_cyrillic_name_cut_by_bytes_not_characters() -> None:
    name = "Аналитическая справка по итогам мониторинга " * 5 + ".docx"
    safe = safe_file_name(name, "file.bin", 80)
    assert len(safe.encode()) <= 80
    assert safe.endswith(".docx")


def test_distinct_names_stay_distinct() -> None:
    names = ["Школа/Лицей 7", "Лицей/Лицей 7", "Школа\\Лицей 7 ", "Школа:Лицей 7"]
    assert len({safe_file_name(n, "x") for n in names[:2]}) == 2
