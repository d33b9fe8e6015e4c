"""From raw table cells to sections and activity rows.

Real plans break rows across pages (a row's text continues on the next line with an empty
number), repeat headers on every page, merge section rows across the table, and come out of
converters with extra cells (seed 003 repeats its executors cell and ends rows with an empty
one). This module turns all of that into clean logical rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from services.names import clean_spaces
from services.plan_import.columns import Col, header_columns
from services.plan_import.model import ImportProblem
from services.plan_import.readers import RawCell, RawTable

FIELDS = (Col.TEXT, Col.EXECUTORS, Col.DEADLINE, Col.START, Col.RESULT, Col.TASK, Col.ADDRESS)

_NUMBER = re.compile(r"^(\d{1,4}(?:\.\d{1,3})*)\.?$")
# The second row of a two-row header: «начало | окончание» under a merged «Сроки».
_SUB_START = re.compile(r"^(?:дата\s+|срок\s+)?(?:начал\w*|с|от)$", re.IGNORECASE)
_SUB_END = re.compile(r"^(?:дата\s+|срок\s+)?(?:окончани\w*|завершени\w*|по|до)$", re.IGNORECASE)
_SECTION_TITLE = re.compile(
    r"^(?:раздел\s+)?((?:\d{1,2}|[IVXLC]{1,6}))[.)]\s*(\S.*)$", re.IGNORECASE
)


@dataclass
class Item:
    """A section heading or an activity row, as the table says it."""

    number: str | None
    fields: dict[Col, str] = field(default_factory=dict)
    is_section: bool = False
    # A numbered row with nothing but text: a section if the next rows are numbered under it.
    maybe_section: bool = False

    @property
    def text(self) -> str:
        return self.fields.get(Col.TEXT, "")

    def append(self, col: Col, value: str) -> None:
        value = clean_spaces(value)
        if not value:
            return
        current = self.fields.get(col, "")
        if not current:
            self.fields[col] = value
        elif col is Col.TEXT or value[0].islower() or current[-1] in ",-–(":
            self.fields[col] = f"{current} {value}"
        else:
            self.fields[col] = f"{current}; {value}"


def clean_cell(text: str) -> str:
    return clean_spaces(re.sub(r"<[^>]+>|\*\*|\\_", " ", text or ""))


def parse_number(text: str) -> str | None:
    match = _NUMBER.match(clean_cell(text))
    return match.group(1) if match else None


def split_section_title(text: str) -> tuple[str | None, str]:
    cleaned = clean_cell(text)
    match = _SECTION_TITLE.match(cleaned)
    if match:
        return match.group(1), match.group(2).strip()
    return None, cleaned


def fit_cells(cells: list[str], width: int) -> list[str]:
    """Make a row of plain cells as wide as the header.

    Too many cells: merge repeated neighbours (a converter duplicating a merged cell), drop
    empty cells at the end, then empty cells in the middle (keeping the last cell aligned with
    the last column), and as a last resort join the overflow into the last column.
    """
    cells = list(cells)
    if len(cells) > width:
        collapsed: list[str] = []
        for cell in cells:
            if collapsed and cell and cell == collapsed[-1]:
                continue
            collapsed.append(cell)
        cells = collapsed
    while len(cells) > width and not cells[-1]:
        cells.pop()
    index = len(cells) - 2
    while len(cells) > width and index >= 1:
        if not cells[index]:
            del cells[index]
        index -= 1
    if len(cells) > width:
        cells = [*cells[: width - 1], " ".join(c for c in cells[width - 1 :] if c)]
    return cells + [""] * (width - len(cells))


def _is_numbering_row(values: list[str]) -> bool:
    """The «1 | 2 | 3 | 4 | 5» row under many headers."""
    filled = [v for v in values if v]
    return (
        len(filled) >= 3
        and all(v.isdigit() for v in filled)
        and [int(v) for v in filled] == list(range(int(filled[0]), int(filled[0]) + len(filled)))
    )


def _grid_row(
    cells: list[RawCell], starts: list[int], cols: list[Col]
) -> list[tuple[Col, RawCell]]:
    """Place cells by their grid column under the header cell that covers that column."""
    placed = []
    column = 0
    for cell in cells:
        index = max((i for i, s in enumerate(starts) if s <= column), default=0)
        placed.append((cols[index], cell))
        column += max(cell.span, 1)
    return placed


def items_from_tables(tables: list[RawTable]) -> tuple[list[Col], list[Item]]:
    """All tables of a document that continue the plan's table, as one list of items."""
    cols: list[Col] | None = None
    header_cols: list[Col] = []
    starts: list[int] = []
    items: list[Item] = []
    for table in tables:
        rows = table.rows
        header_at = None
        for index, row in enumerate(rows[:12]):
            found = header_columns([c.text for c in row])
            if found is not None:
                header_at, cols = index, found
                starts = _starts(row)
                break
        if header_at is None:
            # A table split over several: continue only if it is as wide as the plan's.
            if cols is None or (_width(rows) != starts[-1] + 1 and _width(rows) != len(cols)):
                continue
            body = rows
        else:
            body = rows[header_at + 1 :]
            header_cols = cols
            if body and (split := _sub_header(body[0], cols, starts)) is not None:
                cols, starts = split
                body = body[1:]
        assert cols is not None
        body = [row for row in body if not _repeated_header(row, header_cols)]
        _assemble(body, cols, starts, items)
    if cols is None:
        raise ImportProblem("import-no-header")
    return cols, items


def _sub_header(
    row: list[RawCell], cols: list[Col], starts: list[int]
) -> tuple[list[Col], list[int]] | None:
    """A second header row under the first («начало | окончание» under a merged «Сроки»): the
    finer columns it makes, or None when the row is not one."""
    texts = [clean_cell(c.text) for c in row]
    own = [t for c, t in zip(row, texts, strict=True) if t and not c.from_above]
    if not any(_SUB_START.match(t) or _SUB_END.match(t) for t in own):
        return None
    if any(parse_number(t) or len(t.split()) > 3 for t in own):
        return None
    sub_starts = _starts(row)
    sub_cols: list[Col] = []
    for cell, text, column in zip(row, texts, sub_starts, strict=True):
        parent = cols[max((i for i, s in enumerate(starts) if s <= column), default=0)]
        if not cell.from_above and _SUB_START.match(text):
            sub_cols.append(Col.START)
        elif not cell.from_above and _SUB_END.match(text):
            sub_cols.append(Col.DEADLINE)
        else:
            sub_cols.append(parent if parent is not Col.DEADLINE else Col.OTHER)
    return sub_cols, sub_starts


def _repeated_header(row: list[RawCell], header_cols: list[Col]) -> bool:
    """The header (or its second row) repeated on a later page."""
    texts = [clean_cell(c.text) for c in row]
    if header_cols and header_columns(texts) == header_cols:
        return True
    own = [t for c, t in zip(row, texts, strict=True) if t and not c.from_above]
    return bool(own) and all(_SUB_START.match(t) or _SUB_END.match(t) for t in own)


def _starts(row: list[RawCell]) -> list[int]:
    starts, column = [], 0
    for cell in row:
        starts.append(column)
        column += max(cell.span, 1)
    return starts


def _width(rows: list[list[RawCell]]) -> int:
    return max((sum(max(c.span, 1) for c in row) for row in rows[:5]), default=0)


def _assemble(
    rows: list[list[RawCell]], cols: list[Col], starts: list[int], items: list[Item]
) -> None:
    plain = all(c.span == 1 and not c.from_above for row in rows for c in row)
    has_number_col = Col.NUMBER in cols
    for row in rows:
        texts = [clean_cell(c.text) for c in row]
        if not any(texts) or header_columns(texts) == cols or _is_numbering_row(texts):
            continue
        filled = [(i, c) for i, c in enumerate(row) if clean_cell(c.text)]
        # A section row: one cell across the table, or the only filled cell is the first one.
        if len(filled) == 1 and (filled[0][1].span > 1 or (filled[0][0] == 0 and len(row) > 1)):
            text = texts[filled[0][0]]
            if parse_number(text) is None and (has_number_col or filled[0][1].span > 1):
                number, title = split_section_title(text)
                items.append(Item(number, {Col.TEXT: title}, is_section=True))
                continue
        if len(row) == 1 and len(cols) > 1:
            # A line with no cells at all inside a text table: a plain section title, or prose.
            number, title = split_section_title(texts[0])
            if number is not None:
                items.append(Item(number, {Col.TEXT: title}, is_section=True))
            continue
        if plain:
            values = fit_cells(texts, len(cols))
            placed = [(col, RawCell(value)) for col, value in zip(cols, values, strict=True)]
        else:
            placed = _grid_row(row, starts, cols)
        _add_row(placed, items, has_number_col)


def _add_row(placed: list[tuple[Col, RawCell]], items: list[Item], has_number_col: bool) -> None:
    number_cells = [cell for col, cell in placed if col is Col.NUMBER]
    number_text = clean_cell(number_cells[0].text) if number_cells else ""
    number_merged = bool(number_cells) and number_cells[0].from_above
    number = None if number_merged else parse_number(number_text)
    values = {
        col: clean_cell(cell.text)
        for col, cell in placed
        if col in FIELDS and clean_cell(cell.text)
    }
    if not has_number_col and Col.TEXT in values:
        leading = re.match(r"^(\d{1,2}(?:\.\d{1,2})*)\.\s+(\S.*)$", values[Col.TEXT])
        if leading:
            number, values[Col.TEXT] = leading.group(1), leading.group(2)

    current = next((item for item in reversed(items) if not item.is_section), None)
    last_is_section = bool(items) and items[-1].is_section
    if number is not None or (not has_number_col and _starts_new_row(values)):
        if number is None and number_text and not values:
            return
        item = Item(number)
        for col, value in values.items():
            item.append(col, value)
        item.maybe_section = (
            number is not None
            and "." not in number
            and bool(item.text)
            and not any(values.get(c) for c in (Col.EXECUTORS, Col.DEADLINE, Col.RESULT))
        )
        items.append(item)
        return
    if number_text and not number_merged:
        # Something in the number column that is not a number: «Раздел 2», «II».
        section_number, title = split_section_title(f"{number_text}. {values.get(Col.TEXT, '')}")
        items.append(Item(section_number, {Col.TEXT: title.strip(" .")}, is_section=True))
        return
    if current is None or last_is_section:
        if values.get(Col.TEXT):
            item = Item(None)
            for col, value in values.items():
                item.append(col, value)
            items.append(item)
        return
    # A continuation: the row goes on from the line above. Cells that continue a vertical
    # merge repeat what the row above already has.
    for col, cell in placed:
        if col in FIELDS and not cell.from_above:
            current.append(col, cell.text)


def _starts_new_row(values: dict[Col, str]) -> bool:
    text = values.get(Col.TEXT, "")
    return bool(text) and (text[0].isupper() or text[0].isdigit() or len(values) > 1)


def resolve_sections(items: list[Item]) -> list[Item]:
    """A numbered row with only text becomes a section when rows «N.1», «N.2» follow it."""
    for index, item in enumerate(items):
        if not item.maybe_section or item.number is None:
            continue
        following = next((i for i in items[index + 1 :] if i.number and not i.is_section), None)
        if following is not None and following.number.startswith(f"{item.number}."):
            item.is_section = True
    return items
