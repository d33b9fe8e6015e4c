"""Build .docx and .xlsx plans from rows, the way departments' files are laid out.

The tests import each seed from its .txt and from documents built here out of the same rows,
so the three readers are held to the same result.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from services.plan_import.model import ParsedPlan


@dataclass
class PlanRows:
    """A plan as a table: the preamble, the header and rows of cells (sections as one cell)."""

    preamble: list[str]
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)  # a section row has a single cell


STANDARD_HEADER = [
    "№ п/п",
    "Мероприятие (содержание деятельности)",
    "Ответственные исполнители",
    "Сроки исполнения",
    "Планируемый результат",
]


def rows_from_parsed(parsed: ParsedPlan, header: list[str] | None = None) -> PlanRows:
    """The rows of an understood plan, in the column order of ``header``."""
    from services.plan_import.columns import Col, classify_header_cell

    header = header or STANDARD_HEADER
    kinds = [classify_header_cell(cell) for cell in header]
    preamble = [parsed.title]
    if parsed.document_date:
        preamble.insert(0, f"от {parsed.document_date:%d.%m.%Y} № 1")
    table = PlanRows(preamble=preamble, header=header)
    section = None
    for activity in parsed.activities:
        if activity.section_index is not None and activity.section_index != section:
            section = activity.section_index
            s = parsed.sections[section]
            table.rows.append([f"{s.number}. {s.title}" if s.number else s.title])
        values = {
            Col.NUMBER: f"{activity.number}.",
            Col.TEXT: activity.text,
            Col.EXECUTORS: activity.executors,
            Col.DEADLINE: activity.deadline.phrase,
            Col.RESULT: activity.expected_result,
            Col.TASK: activity.task or "",
            Col.ADDRESS: activity.address or "",
        }
        table.rows.append([values.get(kind, "") for kind in kinds])
    return table


def build_docx(
    plan: PlanRows,
    *,
    split_after: int | None = None,
    repeat_header: bool = True,
    continuation_of: str | None = None,
) -> bytes:
    """A Word document: preamble paragraphs, then the table (section rows merged across).

    ``split_after`` ends the table after that many rows and starts a second one (a table broken
    over pages); ``continuation_of`` moves the second half of that row's text to a next row with
    an empty number, as page breaks do.
    """
    import docx

    document = docx.Document()
    for line in plan.preamble:
        document.add_paragraph(line)
    width = len(plan.header)

    def new_table(with_header: bool):  # type: ignore[no-untyped-def]
        table = document.add_table(rows=0, cols=width)
        table.style = "Table Grid"
        if with_header:
            cells = table.add_row().cells
            for cell, text in zip(cells, plan.header, strict=True):
                cell.text = text
        return table

    table = new_table(True)
    for index, row in enumerate(plan.rows):
        if split_after is not None and index == split_after:
            document.add_paragraph("")
            table = new_table(repeat_header)
        if len(row) == 1:
            cells = table.add_row().cells
            merged = cells[0].merge(cells[-1])
            merged.text = row[0]
            continue
        if continuation_of is not None and row[0].rstrip(".") == continuation_of:
            text_index = next(
                i for i, h in enumerate(plan.header) if "ероприят" in h or "аименован" in h
            )
            words = row[text_index].split(" ")
            half = max(1, len(words) // 2)
            first = list(row)
            first[text_index] = " ".join(words[:half])
            second = [""] * width
            second[text_index] = " ".join(words[half:])
            for values in (first, second):
                for cell, text in zip(table.add_row().cells, values, strict=True):
                    cell.text = text
            continue
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build_xlsx(plan: PlanRows, *, title_rows: bool = True) -> bytes:
    """An Excel workbook: a title row, the header, rows; section rows merged across."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "План"
    row_index = 1
    if title_rows:
        for line in plan.preamble:
            sheet.cell(row=row_index, column=1, value=line)
            row_index += 1
        row_index += 1
    for column, text in enumerate(plan.header, start=1):
        sheet.cell(row=row_index, column=column, value=text)
    for row in plan.rows:
        row_index += 1
        if len(row) == 1:
            sheet.cell(row=row_index, column=1, value=row[0])
            sheet.merge_cells(
                start_row=row_index, start_column=1, end_row=row_index, end_column=len(plan.header)
            )
            continue
        for column, text in enumerate(row, start=1):
            sheet.cell(row=row_index, column=column, value=text)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
