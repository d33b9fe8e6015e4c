"""Recognise a plan table's columns by what their headers mean, in any order and wording."""

from __future__ import annotations

import re
from enum import StrEnum


class Col(StrEnum):
    NUMBER = "number"
    TEXT = "text"
    EXECUTORS = "executors"
    DEADLINE = "deadline"
    START = "start"  # «начало» under a merged «Сроки»: the window's first day
    RESULT = "result"
    TASK = "task"
    ADDRESS = "address"
    OTHER = "other"


_PATTERNS: tuple[tuple[Col, re.Pattern[str]], ...] = tuple(
    (col, re.compile(pattern))
    for col, pattern in (
        (
            Col.NUMBER,
            r"№|(?<![а-яa-z])[nн]\s*п\s*[/.]\s*п\b\.?|\bп\s*[/.]\s*п\b|^номер\b|^no\.?$",
        ),
        (Col.EXECUTORS, r"ответствен|исполнител|кто\s+(?:выполня|отвеча|делает)"),
        (Col.DEADLINE, r"срок|\bдата\b|\bдаты\b|период\w*\s+(?:исполн|реализ|провед)|\bкогда\b"),
        (
            Col.RESULT,
            r"результат|показател|ожидаем|форма\s+(?:отч[её]т|представлен|подтвержд|заверш)"
            r"|итогов\w*\s+документ|\bпродукт|^выход\w*|что\s+(?:получ|будет|должно)",
        ),
        (Col.TASK, r"\bзадач"),
        (Col.ADDRESS, r"адресн|целев\w*\s+(?:групп|аудитор)|\bучастник|для\s+каких"),
        (
            Col.TEXT,
            r"мероприяти|наименовани|содержани|\bдействи|направлени|вид\w*\s+работ"
            r"|что\s+(?:делаем|сделать|будем\s+делать|нужно\s+сделать)",
        ),
    )
)

_ROW_START = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*\.\s*\S")


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>|\*", " ", text or "")).strip().lower()


def classify_header_cell(text: str) -> Col:
    """The kind whose words come first in the cell: «Ожидаемый результат мероприятия» → RESULT."""
    cell = _normal(text)
    best: tuple[int, int, Col] | None = None
    for order, (col, pattern) in enumerate(_PATTERNS):
        match = pattern.search(cell)
        if match and (best is None or (match.start(), order) < best[:2]):
            best = (match.start(), order, col)
    return best[2] if best else Col.OTHER


def _valid(cols: list[Col]) -> bool:
    known = [c for c in cols if c is not Col.OTHER]
    return (
        Col.TEXT in known and (Col.DEADLINE in known or Col.EXECUTORS in known) and len(known) >= 3
    )


def header_columns(cells: list[str]) -> list[Col] | None:
    """The column kinds of a header row, or None when the row is not a plan's header."""
    if sum(1 for c in cells if c and c.strip()) < 3:
        return None
    cols: list[Col] = []
    seen: set[Col] = set()
    for cell in cells:
        col = classify_header_cell(cell)
        if col in seen and col is not Col.OTHER:
            col = Col.OTHER  # a second «Мероприятие» column is kept out of the way
        seen.add(col)
        cols.append(col)
    return cols if _valid(cols) else None


def columns_in_text(text: str) -> list[Col]:
    """Column kinds named in a header written as running text, in the order they appear."""
    cell = _normal(text)
    first: dict[Col, int] = {}
    for col, pattern in _PATTERNS:
        match = pattern.search(cell)
        if match:
            first[col] = match.start()
    return [col for col, _ in sorted(first.items(), key=lambda item: item[1])]


def find_flow_header(lines: list[str]) -> tuple[int, int] | None:
    """Where a header laid out one word-group per line starts and ends (seed 002)."""
    for start, line in enumerate(lines):
        stripped = line.strip().lower()
        if not (stripped.startswith("№") or re.match(r"^[nн]\s*п\s*[/.]\s*п", stripped)):
            continue
        end = start + 1
        while end < len(lines) and end - start < 40 and not _ROW_START.match(lines[end]):
            end += 1
        if end >= len(lines):
            continue
        cols = columns_in_text(" ".join(lines[start:end]))
        if _valid(cols):
            return start, end
    return None
