"""``export``: the Excel report (and the evidence archive) through the one export use case."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.common import database, named_municipality
from bot.settings import Settings
from models.migrate import upgrade
from services.clock import local_today
from services.evidence import EvidenceStore
from services.export import ExportOptions, ExportRequest, run_export
from services.i18n import BoundTexts
from services.schools import find_school


def cmd_export(args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:
    upgrade(settings.DATABASE_URL)
    return asyncio.run(_export(args, settings, t))


async def _export(args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:

    async with database(settings) as sessions:
        async with sessions() as session:
            municipality = await named_municipality(session, args, settings, t)
            options = ExportOptions()
            if args.school:
                school = await find_school(session, municipality.id, args.school)
                if school is None:
                    print(t("cli-school-not-found", name=args.school), file=sys.stderr)
                    return 1
                options.school_id = school.id
            municipality_id, today = municipality.id, local_today(municipality.timezone)
            await session.commit()  # the municipality, if --municipality just created it
        out = Path(args.out)
        request = ExportRequest(
            municipality_id, today, options, workbook=out, archive=out if args.archive else None
        )
        result = await run_export(sessions, t, request, EvidenceStore(settings.evidence_dir))
    print(t("cli-export-done", path=str(out), rows=result.rows, reports=result.reports))
    if args.archive:
        print(t("cli-export-archive-done", parts=", ".join(str(p) for p in result.parts) or "—"))
    return 0
