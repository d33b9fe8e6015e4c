"""The Excel report and the evidence archive, built in a child process.

A region's report reads some 100,000 rows, builds a million cells and peaks near 280 MB. In the
bot's own process it shared the interpreter with every conversation: its allocations set off
full garbage collections that stopped the event loop for a third of a second at a time
(bench/loop_lag.py), and the memory it took was not given back afterwards. A child process
competes with nobody, reads a snapshot without blocking writers (:func:`models.db.reader`), and
its memory goes when it does. Starting one costs about a second; a report is rarer than that.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from models.db import reader
from services.archive import build_archive
from services.evidence import EvidenceStore
from services.export import ExportOptions, archive_entries, collect_for, write_workbook
from services.i18n import Texts


@dataclass(frozen=True)
class ExportJob:
    database_url: str
    locale: str
    municipality_id: int
    today: date
    workdir: Path
    file_name: str  # the workbook's name; the archive's parts are named after its stem
    evidence_dir: Path
    archive: bool = False
    options: ExportOptions = field(default_factory=ExportOptions)


@dataclass(frozen=True)
class ExportResult:
    files: list[Path]  # the workbook, or the archive's parts (none: no files to archive)
    rows: int
    reports: int


def run(job: ExportJob) -> ExportResult:
    """The whole job, synchronously (this is what the child process runs)."""
    return asyncio.run(_run(job))


async def _run(job: ExportJob) -> ExportResult:
    t = Texts().for_locale(job.locale)
    engine = reader(job.database_url)
    try:
        async with AsyncSession(engine) as session:
            data = await collect_for(session, t, job.municipality_id, job.today, job.options)
    finally:
        await engine.dispose()
    rows, reports = len(data.assignments), len(data.submissions)
    if job.archive:
        entries = archive_entries(data)
        if not entries:
            return ExportResult([], rows, reports)
        store = EvidenceStore(job.evidence_dir)
        parts = build_archive(store, entries, job.workdir, Path(job.file_name).stem)
        return ExportResult(parts, rows, reports)
    path = job.workdir / job.file_name
    write_workbook(data, t, path)
    return ExportResult([path], rows, reports)


async def run_in_child(job: ExportJob) -> ExportResult:
    """:func:`run` in a fresh process ("spawn": nothing of the bot's state is inherited)."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, run, job)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
