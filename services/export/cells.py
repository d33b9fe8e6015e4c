"""Cell safety and styles shared by every sheet of the report.

Text that people typed never becomes a formula: every text cell is stored as a string, and one
starting with = + - @ or a tab is also marked «quote prefix», so editing it in Excel or
LibreOffice keeps it text. Every text cell also passes the one sanitiser
(:func:`services.text.clean_text`) again: a control character that XML cannot hold, stored
before the edge cleaned input, never breaks the whole export.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from services.i18n import Translator
from services.tasks import TaskState
from services.text import clean_text

RISKY_START = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
STATE_FILLS = {
    TaskState.ACCEPTED: "C6EFCE",
    TaskState.SUBMITTED: "FFEB9C",
    TaskState.OVERDUE: "FFC7CE",
    TaskState.RETURNED: "FCE4D6",
}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"


def safe_sheet_name(name: str) -> str:
    """A valid sheet title: no ``[]:*?/\\``, no surrounding quotes, at most 31 characters."""
    cleaned = SHEET_NAME_BAD.sub(" ", clean_text(name)).strip("' ") or "Sheet"
    return cleaned[:31]


def state_labels(t: Translator) -> dict[TaskState, str]:
    """Each task state's word («принято», «просрочено»…) in ``t``'s language."""
    return {state: t(f"task-state-{state.value}") for state in TaskState}


def headers(t: Translator, keys: tuple[str, ...]) -> list[str]:
    """Column titles from their message keys."""
    return [t(key) for key in keys]


def _prototype(cell: WriteOnlyCell, name: str) -> None:
    """Give ``cell`` the style called ``name`` (see :meth:`SheetWriter._style`)."""
    if name == "header":
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
    elif name == "wrap":
        cell.alignment = WRAP
    elif name == "top":
        cell.alignment = TOP
    elif name == "quoted":
        cell.alignment, cell.quotePrefix = TOP, True
    elif name == "quoted-wrap":
        cell.alignment, cell.quotePrefix = WRAP, True
    elif name == "date":
        cell.number_format, cell.alignment = DATE_FORMAT, TOP
    elif name == "datetime":
        cell.number_format, cell.alignment = DATETIME_FORMAT, TOP
    elif name == "link":
        cell.font, cell.alignment = Font(color="0563C1", underline="single"), TOP
    elif name.startswith("fill:"):
        cell.fill, cell.alignment = PatternFill("solid", fgColor=name[5:]), TOP
    elif name.startswith("format:"):
        cell.number_format, cell.alignment = name[7:], TOP


class SheetWriter:
    """A write-only sheet with a styled, frozen header, autofilter and column widths.

    Assigning a style to an openpyxl cell hashes the style object; at region scale (a million
    cells) that dominates. Each distinct style is built once on a prototype cell, and new cells
    share its style array: a write-only cell is written once and never restyled, so nothing
    mutates it (the workbook comes out byte for byte the same as with a copy per cell).
    ``widths``: column widths in Excel's character units, one per header.
    """

    def __init__(
        self, workbook: Workbook, title: str, headers: list[str], widths: list[int]
    ) -> None:
        self.sheet = workbook.create_sheet(safe_sheet_name(title))
        for index, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        self.sheet.freeze_panes = "A2"
        self.columns = len(headers)
        self.rows = 1
        self._styles: dict[str, Any] = {}
        self.sheet.append([self._styled(text, "header") for text in headers])

    def _style(self, name: str) -> Any:
        style = self._styles.get(name)
        if style is None:
            prototype = WriteOnlyCell(self.sheet)
            _prototype(prototype, name)
            style = prototype._style
            self._styles[name] = style
        return style

    def _styled(self, value: Any, style: str, *, as_text: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=value)
        if as_text:
            cell.data_type = "s"
        cell._style = self._style(style)
        return cell

    def text(self, value: str | None, *, wrap: bool = False) -> WriteOnlyCell | None:
        """User text stays text: stored as a string, quote-prefixed if it looks like a formula."""
        value = clean_text(value)
        if not value:
            return None
        risky = value.startswith(RISKY_START)
        style = ("quoted" if risky else "top") if not wrap else ("quoted-wrap" if risky else "wrap")
        return self._styled(value, style, as_text=True)

    def number(self, value: float | int | None, number_format: str | None = None) -> Any:
        """A number as is, or in a cell with ``number_format`` (e.g. ``"0%"``)."""
        if number_format is None or value is None:
            return value
        return self._styled(value, f"format:{number_format}")

    def when(self, value: date | datetime | None) -> WriteOnlyCell | None:
        """A date (DD.MM.YYYY) or a moment (DD.MM.YYYY HH:MM) cell; nothing for ``None``."""
        if value is None:
            return None
        return self._styled(value, "datetime" if isinstance(value, datetime) else "date")

    def status(self, label: str, state: TaskState | None) -> WriteOnlyCell | None:
        """A state's word, filled with the state's colour."""
        color = STATE_FILLS.get(state) if state else None
        if not color:
            return self.text(label)
        return self._styled(clean_text(label), f"fill:{color}", as_text=True)

    def link(self, label: str, target: str | None) -> WriteOnlyCell | None:
        """A hyperlink to a relative path (quoted), shown as ``label``."""
        if not target:
            return self.text(label)
        cell = self._styled(clean_text(label), "link", as_text=True)
        cell.hyperlink = quote(target)
        return cell

    def append(self, cells: list[Any]) -> None:
        """Write one row."""
        self.sheet.append(cells)
        self.rows += 1

    def finish(self) -> None:
        """Put the autofilter over the written rows (none on an empty sheet)."""
        if self.rows > 1:
            self.sheet.auto_filter.ref = f"A1:{get_column_letter(self.columns)}{self.rows}"
