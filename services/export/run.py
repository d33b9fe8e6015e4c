"""The export, once: one collection, then the workbook and/or the evidence archive.

Used by /export (through the child process of :mod:`services.export_job`), by the CLI's
``python -m bot export`` and by that child process alike.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from services.archive import PART_LIMIT_BYTES, build_archive
from services.evidence import EvidenceStore
from services.export.scope import ExportOptions
from services.export.workbook import archive_entries, collect_for, write_workbook
from services.i18n import Translator


@dataclass(frozen=True)
class ExportRequest:
    """What to export and where to.

    ``today``: the municipality's date. ``workbook``: write the report there (``None``: no
    report). ``archive``: write the evidence archive next to this path, named after its stem
    (``dir/Name.zip``, or ``dir/Name-1.zip``, ``-2``… when it comes in parts; ``None``: no
    archive). ``part_limit``: the most bytes of files in one part (under the upload limit).
    """

    municipality_id: int
    today: date
    options: ExportOptions = field(default_factory=ExportOptions)
    workbook: Path | None = None
    archive: Path | None = None
    part_limit: int = PART_LIMIT_BYTES


@dataclass(frozen=True)
class ExportResult:
    """What was written: the report (or ``None``), the archive's parts (none: no stored files),
    and how many assignment rows and reports the report has."""

    workbook: Path | None
    parts: list[Path]
    rows: int
    reports: int

    @property
    def files(self) -> list[Path]:
        """Everything written, the report first."""
        return ([self.workbook] if self.workbook else []) + self.parts


async def run_export(
    sessions: Callable[[], AsyncSession],
    t: Translator,
    request: ExportRequest,
    store: EvidenceStore,
) -> ExportResult:
    """Collect in one session of ``sessions`` (closed before any writing, so a long read
    snapshot is not held), then write the report and/or the archive off the event loop.

    ``t``: the language of the report's texts. Raises what the database or the disk raise.
    """
    async with sessions() as session:
        data = await collect_for(
            session, t, request.municipality_id, request.today, request.options
        )
    workbook = None
    if request.workbook is not None:
        workbook = await asyncio.to_thread(write_workbook, data, t, request.workbook)
    parts: list[Path] = []
    entries = archive_entries(data) if request.archive is not None else []
    if request.archive is not None and entries:
        parts = await asyncio.to_thread(
            build_archive,
            store,
            entries,
            request.archive.parent,
            request.archive.stem,
            part_limit=request.part_limit,
        )
    return ExportResult(workbook, parts, len(data.assignments), len(data.submissions))
