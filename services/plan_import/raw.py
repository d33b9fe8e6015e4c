"""A plan file as read, before it is understood: the preamble's lines and the tables' cells
(or, for text laid out like a PDF, its lines). Every reader produces one of these."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.text import clean_text


@dataclass
class RawCell:
    text: str
    span: int = 1  # grid columns the cell covers (a merged section row spans them all)
    from_above: bool = False  # continues a vertically merged cell of the row above

    def __post_init__(self) -> None:
        # The one sanitiser at the edge: no control character of a plan file is ever stored.
        self.text = clean_text(self.text)


@dataclass
class RawTable:
    rows: list[list[RawCell]] = field(default_factory=list)


@dataclass
class RawDocument:
    format: str
    preamble: list[str]
    tables: list[RawTable]
    # Lines after the header when the table has no cell structure (seed 002, a PDF turned
    # into text); ``header_lines`` are the lines of its header.
    flow_lines: list[str] | None = None
    header_lines: list[str] | None = None

    def __post_init__(self) -> None:
        self.preamble = [clean_text(line) for line in self.preamble]
        if self.flow_lines is not None:
            self.flow_lines = [clean_text(line) for line in self.flow_lines]
        if self.header_lines is not None:
            self.header_lines = [clean_text(line) for line in self.header_lines]
