"""Plans laid out as other departments and schools publish them, built in the tests as .docx,
.xlsx, .odt and .pdf: a preamble, a header of one or two rows (a merged «Сроки» over «начало |
окончание»), section rows, and activity rows."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


@dataclass
class Layout:
    """``header``: one row, or two where the second has the sub-columns ("" under a cell that
    spans both rows; a top cell followed by "" spans the columns the second row splits)."""

    preamble: list[str]
    header: list[list[str]]
    rows: list[list[str]] = field(default_factory=list)  # a section row has a single cell
    before: list[list[str]] = field(default_factory=list)  # a table before the plan's

    @property
    def width(self) -> int:
        return len(self.header[0])


def _merges(layout: Layout) -> tuple[list[tuple[int, int]], list[int]]:
    """(first column, last column) of the top cells spanning columns; columns spanning rows."""
    if len(layout.header) == 1:
        return [], []
    top, bottom = layout.header
    spans, index = [], 0
    while index < len(top):
        end = index
        while end + 1 < len(top) and top[end + 1] == "" and bottom[end + 1]:
            end += 1
        if end > index:
            spans.append((index, end))
        index = end + 1
    downs = [i for i, text in enumerate(bottom) if text == "" and top[i]]
    return spans, downs


def build_docx(layout: Layout) -> bytes:
    import docx

    document = docx.Document()
    for line in layout.preamble:
        document.add_paragraph(line)
    if layout.before:
        before = document.add_table(rows=0, cols=len(layout.before[0]))
        for row in layout.before:
            for cell, text in zip(before.add_row().cells, row, strict=True):
                cell.text = text
        document.add_paragraph("")
    table = document.add_table(rows=0, cols=layout.width)
    for row in layout.header:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    spans, downs = _merges(layout)
    for first, last in spans:
        text = layout.header[0][first]
        table.cell(0, first).merge(table.cell(0, last)).text = text
    for column in downs:
        text = layout.header[0][column]
        table.cell(0, column).merge(table.cell(1, column)).text = text
    for row in layout.rows:
        cells = table.add_row().cells
        if len(row) == 1:
            cells[0].merge(cells[-1]).text = row[0]
            continue
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build_xlsx(layout: Layout) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    line = 1
    for text in layout.preamble:
        sheet.cell(row=line, column=1, value=text)
        line += 1
    for row in layout.before:
        for column, text in enumerate(row, start=1):
            sheet.cell(row=line, column=column, value=text)
        line += 1
    top = line
    for row in layout.header:
        for column, text in enumerate(row, start=1):
            sheet.cell(row=line, column=column, value=text or None)
        line += 1
    spans, downs = _merges(layout)
    for first, last in spans:
        sheet.merge_cells(start_row=top, start_column=first + 1, end_row=top, end_column=last + 1)
    for column in downs:
        sheet.merge_cells(
            start_row=top, start_column=column + 1, end_row=top + 1, end_column=column + 1
        )
    for row in layout.rows:
        if len(row) == 1:
            sheet.cell(row=line, column=1, value=row[0])
            sheet.merge_cells(start_row=line, start_column=1, end_row=line, end_column=layout.width)
        else:
            for column, text in enumerate(row, start=1):
                sheet.cell(row=line, column=column, value=text)
        line += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build_odt(layout: Layout) -> bytes:
    """An OpenDocument text as LibreOffice and МойОфис write it (merges as spans and covered
    cells)."""
    spans, downs = _merges(layout)
    span_of = dict(spans)
    covered = {c for first, last in spans for c in range(first + 1, last + 1)}

    def cell(text: str, attrs: str = "") -> str:
        paragraphs = "".join(f"<text:p>{escape(p)}</text:p>" for p in text.split("\n"))
        return f"<table:table-cell{attrs}>{paragraphs}</table:table-cell>"

    rows = []
    for index, row in enumerate(layout.header):
        cells = []
        for column, text in enumerate(row):
            if (index == 0 and column in covered) or (index == 1 and column in downs):
                cells.append("<table:covered-table-cell/>")
            elif index == 0 and (column in span_of or column in downs):
                attrs = ""
                if column in span_of:
                    attrs += f' table:number-columns-spanned="{span_of[column] - column + 1}"'
                if column in downs:
                    attrs += ' table:number-rows-spanned="2"'
                cells.append(cell(text, attrs))
            else:
                cells.append(cell(text))
        rows.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    for row in layout.rows:
        if len(row) == 1:
            attrs = f' table:number-columns-spanned="{layout.width}"'
            rest = "<table:covered-table-cell/>" * (layout.width - 1)
            rows.append(f"<table:table-row>{cell(row[0], attrs)}{rest}</table:table-row>")
        else:
            rows.append("<table:table-row>" + "".join(cell(t) for t in row) + "</table:table-row>")
    preamble = "".join(f"<text:p>{escape(line)}</text:p>" for line in layout.preamble)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:text>{preamble}<table:table table:name='Plan'>"
        f"<table:table-column table:number-columns-repeated='{layout.width}'/>"
        + "".join(rows)
        + "</table:table></office:text></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def build_pdf(layout: Layout, *, text: bool = True) -> bytes:
    """A PDF with a text layer and a ruled table; ``text`` False: a scan (a picture, no text)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    if not text:
        pdf.rect(20, 20, 170, 200, style="F")
        return bytes(pdf.output())
    pdf.add_font("DejaVu", "", FONT)
    pdf.add_font("DejaVu", "B", BOLD)
    pdf.set_font("DejaVu", size=8)
    for line in layout.preamble:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    spans, downs = _merges(layout)
    span_of = dict(spans)
    covered = {c for first, last in spans for c in range(first + 1, last + 1)}
    with pdf.table(num_heading_rows=len(layout.header)) as table:
        for index, row in enumerate(layout.header):
            line = table.row()
            for column, value in enumerate(row):
                if (index == 0 and column in covered) or (index == 1 and column in downs):
                    continue
                colspan = span_of[column] - column + 1 if index == 0 and column in span_of else 1
                rowspan = 2 if index == 0 and column in downs else 1
                line.cell(value, colspan=colspan, rowspan=rowspan)
        for row in layout.rows:
            line = table.row()
            if len(row) == 1:
                line.cell(row[0], colspan=layout.width)
                continue
            for value in row:
                line.cell(value)
    return bytes(pdf.output())


BUILDERS = {"docx": build_docx, "xlsx": build_xlsx, "odt": build_odt, "pdf": build_pdf}
