"""A .pdf with a text layer → its preamble and tables (pdfplumber).

pdfplumber (over pdfminer.six) is used rather than pypdf because it finds a table's cells from
the ruling lines a decree's table is drawn with, so a PDF goes through the same table reader as
a .docx; pypdf gives only running text. A PDF whose tables have no lines comes back as text and
goes through the reader of text laid out like a PDF. A scanned PDF (pages that are pictures, no
text) is refused with a clear answer: send the .docx, or the text as .txt.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field

from services.plan_import.model import ImportProblem
from services.plan_import.raw import RawCell, RawTable

log = logging.getLogger(__name__)

MAX_PAGES = 200  # far beyond any plan; a larger file is not a plan
MAX_TABLE_ROWS = 5_000


@dataclass
class PdfContent:
    """What the pages say: the lines before the first table, the tables, and all the text."""

    preamble: list[str] = field(default_factory=list)
    tables: list[RawTable] = field(default_factory=list)
    text: str = ""


def read_pdf(data: bytes) -> PdfContent:
    """The preamble, tables and text of a PDF. Raises ImportProblem("import-corrupt") for a
    broken file and ImportProblem("import-pdf") for one with no text layer (a scan)."""
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            content = _content(pdf.pages[:MAX_PAGES])
    except ImportProblem:
        raise
    except Exception as exc:  # pdfminer raises many kinds on a broken or encrypted file
        log.info("unreadable pdf: %s", type(exc).__name__)
        raise ImportProblem("import-corrupt") from exc
    if not content.text.strip():
        raise ImportProblem("import-pdf")
    return content


def _content(pages: list) -> PdfContent:  # type: ignore[type-arg]
    content = PdfContent()
    texts: list[str] = []
    rows = 0
    for page in pages:
        texts.append(page.extract_text() or "")
        for table in page.find_tables():
            if not content.tables:
                above = page.crop((0, 0, page.width, max(table.bbox[1], 1))).extract_text()
                content.preamble = [*_earlier_lines(texts[:-1]), *(above or "").splitlines()]
            raw = RawTable([[RawCell(cell or "") for cell in row] for row in table.extract()])
            rows += len(raw.rows)
            if rows > MAX_TABLE_ROWS:
                return content
            content.tables.append(raw)
    content.text = "\n".join(texts)
    return content


def _earlier_lines(texts: list[str]) -> list[str]:
    return [line for text in texts for line in text.splitlines()]
