"""Read a plan file into text: the preamble before the table and the table's raw cells.

Formats: .docx (python-docx), .xlsx (openpyxl), .odt (:mod:`~services.plan_import.read_odt`),
.pdf with a text layer (:mod:`~services.plan_import.read_pdf`), .txt and .csv as the seeds are
written (a tab-separated table, or text laid out like a PDF with no cell structure at all).
Anything else, and anything broken, is refused with an :class:`ImportProblem` that says what to
send instead.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from datetime import date, datetime
from pathlib import PurePath

from services.messenger import MB, TELEGRAM
from services.plan_import.model import ImportProblem
from services.plan_import.raw import RawCell, RawDocument, RawTable

__all__ = ["SUPPORTED", "RawCell", "RawDocument", "RawTable", "read_document", "read_text"]

log = logging.getLogger(__name__)

MAX_FILE_BYTES = TELEGRAM.download_bytes  # a plan file is what the bot may download
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # a zip bomb disguised as .docx/.xlsx stops here
MAX_COMPRESSION_RATIO = 200
MAX_TABLE_ROWS = 5_000
MAX_COLUMNS = 40  # wider than any plan; a larger merge is a broken or hostile file

_CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: .doc/.xls or an encrypted file
_ZIP_SIGNATURE = b"PK\x03\x04"
SUPPORTED = (".docx", ".xlsx", ".txt", ".csv", ".pdf", ".odt")


def read_document(filename: str, data: bytes) -> RawDocument:
    suffix = PurePath(filename or "").suffix.lower()
    if not data:
        raise ImportProblem("import-empty-file")
    if len(data) > MAX_FILE_BYTES:
        raise ImportProblem(
            "import-too-large",
            size_mb=round(len(data) / MB, 1),
            limit_mb=MAX_FILE_BYTES // MB,
        )
    if data.startswith(_CFB_SIGNATURE):
        raise ImportProblem("import-old-or-protected")
    if suffix == ".docx":
        return _read_docx(data)
    if suffix == ".xlsx":
        return _read_xlsx(data)
    if suffix in (".txt", ".csv", ".tsv"):
        text = _decode(data)
        if suffix == ".csv":
            return _read_csv(text)
        return read_text(text)
    if suffix == ".pdf":
        return _read_pdf(data)
    if suffix == ".odt":
        from services.plan_import.read_odt import read_odt

        return read_odt(_check_zip(data))
    if suffix in (".doc", ".xls", ".rtf", ".ods"):
        raise ImportProblem("import-old-format", suffix=suffix)
    raise ImportProblem("import-unsupported", suffix=suffix or "—")


def _read_pdf(data: bytes) -> RawDocument:
    """A PDF's ruled tables go through the table reader; without them its text goes through the
    reader of text laid out like a PDF."""
    from services.plan_import.columns import header_columns
    from services.plan_import.read_pdf import read_pdf

    content = read_pdf(data)
    if any(header_columns([c.text for c in row]) for t in content.tables for row in t.rows[:12]):
        return RawDocument("pdf", content.preamble, content.tables)
    document = read_text(content.text)
    document.format = "pdf"
    return document


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM: Excel's «Unicode text»
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportProblem("import-binary-text") from exc
    if b"\x00" in data[:4096]:
        raise ImportProblem("import-binary-text")
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportProblem("import-binary-text")


# --------------------------------------------------------------------------------------------
# .txt: a tab-separated table, or a PDF-like flow of lines


def read_text(text: str) -> RawDocument:
    from services.plan_import.columns import find_flow_header, header_columns

    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for index, line in enumerate(lines):
        if "\t" in line and header_columns(line.split("\t")) is not None:
            table = RawTable()
            for row_line in lines[index:]:
                if "\t" in row_line:
                    table.rows.append([RawCell(cell) for cell in row_line.split("\t")])
                elif row_line.strip():
                    # A line without cells inside the table: a section title written plainly,
                    # or text after the table (signatures); the row assembler decides.
                    table.rows.append([RawCell(row_line)])
            return RawDocument("txt", lines[:index], [_trim_trailing_prose(table)])
    header = find_flow_header(lines)
    if header is not None:
        start, end = header
        return RawDocument(
            "txt",
            lines[:start],
            [],
            flow_lines=lines[end:],
            header_lines=lines[start:end],
        )
    raise ImportProblem("import-no-table")


def _trim_trailing_prose(table: RawTable) -> RawTable:
    """Drop single-cell lines after the last real row (a signature under the table)."""
    while table.rows and len(table.rows[-1]) == 1 and len(table.rows) > 1:
        table.rows.pop()
    return table


def _read_csv(text: str) -> RawDocument:
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
        dialect.delimiter = ";" if sample.count(";") > sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), dialect))
    return _document_from_grid("csv", [[str(v) for v in row] for row in rows])


def _document_from_grid(fmt: str, grid: list[list[str]]) -> RawDocument:
    """Rows of plain cells (csv): the preamble is whatever comes before the header row."""
    from services.plan_import.columns import header_columns

    for index, row in enumerate(grid[:60]):
        if header_columns(row) is not None:
            preamble = ["\t".join(c for c in r if c.strip()) for r in grid[:index]]
            table = RawTable([[RawCell(c) for c in r] for r in grid[index:]])
            return RawDocument(fmt, preamble, [table])
    raise ImportProblem("import-no-header")


# --------------------------------------------------------------------------------------------
# .docx


def _check_zip(data: bytes) -> zipfile.ZipFile:
    """Open an Office file's zip and prove it is not a bomb, reading every member with a cap.

    The sizes a zip declares can lie, so each member is actually inflated (in chunks, never
    held in memory) and counted.
    """
    if not data.startswith(_ZIP_SIGNATURE):
        raise ImportProblem("import-corrupt")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception as exc:  # BadZipFile, NotImplementedError (zip version), OSError, …
        raise ImportProblem("import-corrupt") from exc
    if any(info.flag_bits & 0x1 for info in infos):
        raise ImportProblem("import-old-or-protected")
    declared = sum(info.file_size for info in infos)
    packed = max(1, sum(info.compress_size for info in infos))
    if declared > MAX_UNPACKED_BYTES or declared / packed > MAX_COMPRESSION_RATIO:
        raise ImportProblem("import-zip-bomb")
    inflated = 0
    try:
        for info in infos:
            with archive.open(info) as member:
                while chunk := member.read(1024 * 1024):
                    inflated += len(chunk)
                    if inflated > MAX_UNPACKED_BYTES or inflated / packed > MAX_COMPRESSION_RATIO:
                        raise ImportProblem("import-zip-bomb")
    except ImportProblem:
        raise
    except Exception as exc:  # a bad CRC, a truncated member, an unsupported method
        raise ImportProblem("import-corrupt") from exc
    return archive


def _read_docx(data: bytes) -> RawDocument:
    archive = _check_zip(data)
    if "word/document.xml" not in archive.namelist():
        raise ImportProblem("import-corrupt")
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on broken XML
        log.info("unreadable docx: %s", type(exc).__name__)
        raise ImportProblem("import-corrupt") from exc

    preamble: list[str] = []
    tables: list[RawTable] = []
    flow: list[str] = []
    try:
        body = document.element.body
        for child in body.iterchildren():
            if child.tag == qn("w:p"):
                text = Paragraph(child, document).text
                (flow if tables else preamble).append(text)
            elif child.tag == qn("w:tbl"):
                tables.append(_docx_table(Table(child, document)))
    except ImportProblem:
        raise
    except Exception as exc:  # XML that is not a Word body: no w:body, odd attributes
        log.info("unreadable docx body: %s", type(exc).__name__)
        raise ImportProblem("import-corrupt") from exc
    if not tables:
        # A document converted from PDF may have no table at all: try its text as a flow.
        return read_text("\n".join(preamble))
    return RawDocument("docx", preamble, tables)


def _docx_table(table: object) -> RawTable:
    from docx.table import _Cell

    tbl = table._tbl  # type: ignore[attr-defined]
    raw = RawTable()
    above: dict[int, str] = {}  # grid column → text of the cell that a vertical merge continues
    for tr in tbl.tr_lst[:MAX_TABLE_ROWS]:
        row: list[RawCell] = []
        column = int(getattr(tr, "grid_before", 0) or 0)
        for tc in tr.tc_lst:
            span = min(max(int(tc.grid_span or 1), 1), MAX_COLUMNS)
            merged = tc.vMerge == "continue"
            if merged:
                text = above.get(column, "")
            else:
                text = _Cell(tc, table).text  # type: ignore[arg-type]
                for offset in range(span):
                    above[column + offset] = text
            row.append(RawCell(text, span=span, from_above=merged))
            column += span
        raw.rows.append(row)
    return raw


# --------------------------------------------------------------------------------------------
# .xlsx


def _read_xlsx(data: bytes) -> RawDocument:
    archive = _check_zip(data)
    if "xl/workbook.xml" not in archive.namelist():
        raise ImportProblem("import-corrupt")
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, ValueError, InvalidFileException, …
        log.info("unreadable xlsx: %s", type(exc).__name__)
        raise ImportProblem("import-corrupt") from exc

    from services.plan_import.columns import header_columns

    for sheet in workbook.worksheets:
        grid = _sheet_grid(sheet)
        for index, row in enumerate(grid[:60]):
            if header_columns([cell.text for cell in row]) is not None:
                preamble = ["\t".join(c.text for c in r if c.text.strip()) for r in grid[:index]]
                return RawDocument("xlsx", preamble, [RawTable(grid[index:])])
    raise ImportProblem("import-no-header")


def _sheet_grid(sheet: object) -> list[list[RawCell]]:
    max_row = min(sheet.max_row or 0, MAX_TABLE_ROWS)  # type: ignore[attr-defined]
    max_col = min(sheet.max_column or 0, MAX_COLUMNS)  # type: ignore[attr-defined]
    grid = [
        [RawCell(_cell_text(v)) for v in row]
        for row in sheet.iter_rows(  # type: ignore[attr-defined]
            min_row=1, max_row=max_row, max_col=max_col, values_only=True
        )
    ]
    for merged in sheet.merged_cells.ranges:  # type: ignore[attr-defined]
        top, left = merged.min_row - 1, merged.min_col - 1
        if top >= len(grid) or left >= max_col:
            continue
        text = grid[top][left].text
        width = min(merged.max_col, max_col) - left
        # A horizontal merge becomes one wide cell; cells under a vertical merge continue it.
        for r in range(top, min(merged.max_row, len(grid))):
            if r == top:
                grid[r][left].span = width
                for c in range(left + 1, left + width):
                    grid[r][c] = RawCell("", span=0)
            else:
                grid[r][left] = RawCell(text, span=width, from_above=True)
                for c in range(left + 1, left + width):
                    grid[r][c] = RawCell("", span=0)
    return [[cell for cell in row if cell.span > 0] for row in grid]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
