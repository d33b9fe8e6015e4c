"""An .odt (OpenDocument text, saved by domestic office suites) → its preamble and tables.

Read with the standard zipfile and lxml (already installed with python-docx) rather than odfpy:
only paragraphs and tables are needed, odfpy has had no release since 2020, and lxml parses the
XML safely here (no entities resolved, no network). Merged cells keep their meaning: a cell
spanning columns is one wide cell, a cell covered by a vertical merge continues the one above.
"""

from __future__ import annotations

import logging
import zipfile

from services.plan_import.model import ImportProblem
from services.plan_import.raw import RawCell, RawDocument, RawTable

log = logging.getLogger(__name__)

MAX_COLUMNS = 40
MAX_TABLE_ROWS = 5_000
_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}


def _q(prefix: str, name: str) -> str:
    return f"{{{_NS[prefix]}}}{name}"


def read_odt(archive: zipfile.ZipFile) -> RawDocument:
    """The paragraphs before the first table and every table. Raises ImportProblem."""
    from lxml import etree

    if "content.xml" not in archive.namelist():
        raise ImportProblem("import-corrupt")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(archive.read("content.xml"), parser)
    except etree.XMLSyntaxError as exc:
        log.info("unreadable odt: %s", type(exc).__name__)
        raise ImportProblem("import-corrupt") from exc
    body = root.find(f"{_q('office', 'body')}/{_q('office', 'text')}")
    if body is None:
        raise ImportProblem("import-corrupt")
    preamble: list[str] = []
    tables: list[RawTable] = []
    for child in body.iter(_q("text", "p"), _q("text", "h"), _q("table", "table")):
        if child.tag == _q("table", "table"):
            if _inside_table(child):
                continue
            tables.append(_table(child))
        elif not tables and not _inside_table(child):
            preamble.append(_text(child))
    return RawDocument("odt", preamble, tables)


def _inside_table(element) -> bool:  # type: ignore[no-untyped-def]
    parent = element.getparent()
    while parent is not None:
        if parent.tag == _q("table", "table-cell"):
            return True
        parent = parent.getparent()
    return False


def _text(element) -> str:  # type: ignore[no-untyped-def]
    """A paragraph's text: spans joined, «text:s» as spaces, tabs and line breaks kept."""
    parts: list[str] = [element.text or ""]
    for child in element:
        if child.tag == _q("text", "s"):
            parts.append(" " * int(child.get(_q("text", "c"), "1")))
        elif child.tag == _q("text", "tab"):
            parts.append("\t")
        elif child.tag == _q("text", "line-break"):
            parts.append("\n")
        else:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _table(table) -> RawTable:  # type: ignore[no-untyped-def]
    raw = RawTable()
    above: dict[int, tuple[str, int]] = {}  # column → (text, rows it still covers)
    for row in table.iter(_q("table", "table-row")):
        if len(raw.rows) >= MAX_TABLE_ROWS:
            break
        raw.rows.append(_row(row, above))
    return raw


def _row(row, above: dict[int, tuple[str, int]]) -> list[RawCell]:  # type: ignore[no-untyped-def]
    cells: list[RawCell] = []
    column = 0
    for cell in row:
        repeat = min(int(cell.get(_q("table", "number-columns-repeated"), "1")), MAX_COLUMNS)
        for _ in range(repeat):
            if column >= MAX_COLUMNS:
                return cells
            if cell.tag == _q("table", "covered-table-cell"):
                text, left = above.get(column, ("", 0))
                # Under a vertical merge it continues the cell above; covered by a horizontal
                # span it is already part of that wide cell.
                if left > 0:
                    cells.append(RawCell(text, from_above=True))
                    above[column] = (text, left - 1)
                column += 1
                continue
            if cell.tag != _q("table", "table-cell"):
                continue
            span = min(int(cell.get(_q("table", "number-columns-spanned"), "1")), MAX_COLUMNS)
            down = int(cell.get(_q("table", "number-rows-spanned"), "1"))
            text = "\n".join(_text(p) for p in cell.iter(_q("text", "p"), _q("text", "h")))
            for offset in range(span):
                above[column + offset] = (text, down - 1)
            cells.append(RawCell(text, span=span))
            column += 1  # the columns it spans come as covered cells of their own
    return cells
