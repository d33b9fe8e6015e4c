"""A table turned into plain lines (a PDF copied to text): cells wrapped over lines, no tabs.

Rows start with their number («1.1. Разработка…»). Inside a row the columns follow the header's
order, and each is recognised by what it says: the executors column starts with a department
or schools («Отдел образования, образовательные организации»), the deadline is made of deadline
words («ежегодно (август)», «июль-август, 2021 г.»), and the result is what is left. A line that
starts indented with a small letter is text that slipped out of its cell (seed 002, row 2.3).
"""

from __future__ import annotations

import re

from services.dates import DEADLINE_WORDS, MONTH_PATTERN
from services.names import clean_spaces
from services.plan_import.columns import Col, columns_in_text
from services.plan_import.model import ImportProblem
from services.plan_import.rows import Item

_ROW = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2})*)\.\s*(\S.*)?$")

_EXECUTOR_START = re.compile(
    r"^(?:Отдел\w*|Управлени\w*|МОУО|МОУ\b|Комитет\w*|Департамент\w*|Образовательн\w+\s+организаци"
    r"|Общеобразовательн\w+\s+организаци|ОО\b|ОУ\b|ШНОР|ШНСУ|Администраци\w*\s+ОО|Руководител\w*\s+ОО"
    r"|Школ\w*\s+МО\b|Экспертн\w*\s+совет|ММС\b)"
)
_EXECUTOR_ITEM = (
    r"(?:отдел\w*\s+(?:управления\s+)?образовани\w*|управлени\w*\s+образовани\w*|м?оуо|моу"
    r"|комитет\w*\s+(?:по\s+)?образовани\w*|департамент\w*\s+образовани\w*"
    r"|(?:обще)?образовательн\w*\s+организаци\w*|оо|оу|шнор|шнсу|администраци\w*\s+оо"
    r"|руководител\w*\s+оо|школьн\w*\s+мо|экспертн\w*\s+совет\w*|ммс|наставник\w*)"
    r"(?:\s*\(далее[^)]*\))?"
)
_EXECUTORS = re.compile(rf"^\s*{_EXECUTOR_ITEM}(?:\s*,\s*{_EXECUTOR_ITEM})*\s*,?", re.IGNORECASE)

_DEADLINE_TOKEN = re.compile(rf"^\s*(?:(?:{DEADLINE_WORDS})(?![а-яё])|[,\-–—])", re.IGNORECASE)
_DEADLINE_PAREN = re.compile(r"^\s*\(([^()]{1,60})\)")


def items_from_flow(lines: list[str], header_lines: list[str]) -> tuple[list[Col], list[Item]]:
    cols = [c for c in columns_in_text(" ".join(header_lines)) if c is not Col.NUMBER]
    if Col.TEXT not in cols:
        raise ImportProblem("import-no-header")
    blocks = _blocks(lines)
    items: list[Item] = []
    for index, (number, block) in enumerate(blocks):
        following = blocks[index + 1][0] if index + 1 < len(blocks) else None
        if "." not in number and following is not None and following.startswith(f"{number}."):
            title = clean_spaces(" ".join(line.strip() for line in block))
            items.append(Item(number, {Col.TEXT: title}, is_section=True))
            continue
        items.append(_segment(number, block, cols))
    return [Col.NUMBER, *cols], items


def _next_numbers(previous: list[int]) -> list[list[int]]:
    """Numbers that may follow ``previous``: deeper «.1», or the next at any level."""
    options = [[*previous, 1]]
    for depth in range(len(previous), 0, -1):
        options.append([*previous[: depth - 1], previous[depth - 1] + 1])
    return options


def _blocks(lines: list[str]) -> list[tuple[str, list[str]]]:
    blocks: list[tuple[str, list[str]]] = []
    previous: list[int] | None = None
    for line in lines:
        match = _ROW.match(line)
        if match:
            parts = [int(p) for p in match.group(1).split(".")]
            if previous is None or parts in _next_numbers(previous):
                previous = parts
                blocks.append((match.group(1), [match.group(2) or ""]))
                continue
        if blocks and line.strip():
            blocks[-1][1].append(line.rstrip())
    return blocks


def _segment(number: str, block: list[str], cols: list[Col]) -> Item:
    stray = [line for line in block[1:] if line[:1].isspace() and line.strip()[:1].islower()]
    in_flow = [block[0]] + [line.strip() for line in block[1:] if line not in stray]
    order = [c for c in cols if c is not Col.TEXT]

    text_lines, rest_lines = _split_text(in_flow, order)
    item = Item(number)
    item.append(Col.TEXT, " ".join(text_lines + [line.strip() for line in stray]))
    rest = clean_spaces(" ".join(rest_lines))
    for position, col in enumerate(order):
        if col is Col.EXECUTORS:
            match = _EXECUTORS.match(rest)
            value, rest = (match.group(0), rest[match.end() :]) if match else ("", rest)
        elif col is Col.DEADLINE:
            value, rest = _take_deadline(rest)
        elif position == len(order) - 1:
            value, rest = rest, ""
        else:
            value, rest = _take_until_next(rest, order[position + 1 :])
        item.append(col, value.strip(" ,"))
    return item


def _split_text(lines: list[str], order: list[Col]) -> tuple[list[str], list[str]]:
    """The activity text ends where the next column visibly begins on a new line."""
    first = order[0] if order else None
    for index in range(1, len(lines)):
        line = lines[index]
        if first is Col.EXECUTORS and _EXECUTOR_START.match(line):
            return lines[:index], lines[index:]
        if first is Col.DEADLINE and _DEADLINE_TOKEN.match(line) and line[:1].isupper():
            return lines[:index], lines[index:]
    return lines, []


def _take_deadline(text: str) -> tuple[str, str]:
    taken = 0
    while True:
        rest = text[taken:]
        match = _DEADLINE_TOKEN.match(rest)
        if match and match.group(0).strip():
            taken += match.end()
            continue
        paren = _DEADLINE_PAREN.match(rest)
        if paren and (
            _DEADLINE_TOKEN.match(paren.group(1)) or re.search(MONTH_PATTERN, paren.group(1), re.I)
        ):
            taken += paren.end()
            continue
        break
    return text[:taken], text[taken:]


def _take_until_next(text: str, later: list[Col]) -> tuple[str, str]:
    for col in later:
        pattern = _EXECUTORS if col is Col.EXECUTORS else _DEADLINE_TOKEN
        for match in re.finditer(r"\s", text):
            if pattern.match(text[match.end() :]) and text[match.end() :][:1].isupper():
                return text[: match.start()], text[match.start() :]
    return text, ""
