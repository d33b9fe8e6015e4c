"""The Excel report and the evidence archive, built in a child process.

A region's report reads some 100,000 rows, builds a million cells and peaks near 280 MB. In the
bot's own process it shared the interpreter with every conversation: its allocations set off
full garbage collections that stopped the event loop for a third of a second at a time
(bench/loop_lag.py), and the memory it took was not given back afterwards. A child process
competes with nobody, reads a snapshot without blocking writers (:func:`models.db.reader`), and
its memory goes when it does. Starting one costs about a second; a report is rarer than that.
The child runs the one export use case, :func:`services.export.run_export`.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from models.db import reader
from services.archive import PART_LIMIT_BYTES
from services.evidence import EvidenceStore
from services.export import ExportOptions, ExportRequest, ExportResult, run_export
from services.i18n import Texts

__all__ = ["ExportJob", "ExportResult", "run", "run_in_child"]


@dataclass(frozen=True)
class ExportJob:
    """One export for the child process: all of it plain, picklable data.

    ``archive``: the evidence archive instead of the report. ``part_limit``: bytes of files in
    one archive part (derived from the messenger's upload limit).
    """

    database_url: str
    locale: str
    municipality_id: int
    today: date
    workdir: Path
    file_name: str  # the workbook's name; the archive's parts are named after its stem
    evidence_dir: Path
    archive: bool = False
    options: ExportOptions = field(default_factory=ExportOptions)
    part_limit: int = PART_LIMIT_BYTES

    @property
    def request(self) -> ExportRequest:
        """The use case's request: the report, or the archive, in ``workdir``."""
        target = self.workdir / self.file_name
        return ExportRequest(
            municipality_id=self.municipality_id,
            today=self.today,
            options=self.options,
            workbook=None if self.archive else target,
            archive=target if self.archive else None,
            part_limit=self.part_limit,
        )


def run(job: ExportJob) -> ExportResult:
    """The whole job, synchronously (this is what the child process runs)."""
    return asyncio.run(_run(job))


async def _run(job: ExportJob) -> ExportResult:
    t = Texts().for_locale(job.locale)
    engine = reader(job.database_url)
    try:
        return await run_export(
            partial(AsyncSession, engine), t, job.request, EvidenceStore(job.evidence_dir)
        )
    finally:
        await engine.dispose()


async def run_in_child(job: ExportJob) -> ExportResult:
    """:func:`run` in a fresh process ("spawn": nothing of the bot's state is inherited)."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, run, job)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
