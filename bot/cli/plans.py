"""Plans and the municipality from the terminal: ``import`` (the same preview and apply use
cases as the bot) and ``municipality`` (its settings)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.common import ask, database, named_municipality
from bot.settings import Settings
from models.migrate import upgrade
from services.i18n import BoundTexts
from services.plan_import.model import ImportProblem
from services.plan_import.use_cases import apply_import, preview_import
from services.plans.settings import (
    BadSetting,
    MunicipalityChanges,
    change_municipality,
    quarter_ends_of,
)
from services.preview import kind_label, render_preview


def cmd_import(args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(t("cli-file-not-found", file=str(path)), file=sys.stderr)
        return 2
    data = path.read_bytes()
    upgrade(settings.DATABASE_URL)
    return asyncio.run(_import(path.name, data, args, settings, t))


async def _import(
    filename: str, data: bytes, args: argparse.Namespace, settings: Settings, t: BoundTexts
) -> int:
    unnamed = (t("municipality-default-name"),)
    async with database(settings) as sessions:
        # Read phase: nothing is written and no lock is held while the operator reads.
        async with sessions() as session:
            municipality = await named_municipality(session, args, settings, t)
            try:
                preview = await preview_import(
                    session, municipality, filename, data, unnamed=unnamed
                )
            except ImportProblem as problem:
                print(t(problem.key, **problem.params), file=sys.stderr)
                return 1
            await session.rollback()

        lines = render_preview(
            t, preview.parsed, preview.changes, municipality_name=preview.proposed_name
        )
        print("\n".join(lines))
        print()
        if not (args.yes or ask(t, "cli-confirm-save")):
            print(t("cli-import-cancelled"))
            return 1
        add_schools = bool(preview.new_schools) and (args.yes or ask(t, "cli-confirm-schools"))

        async with sessions() as session:
            municipality = await named_municipality(session, args, settings, t)
            applied = await apply_import(
                session,
                municipality,
                preview.parsed,
                sha256=preview.sha256,
                add_schools=add_schools,
                unnamed=unnamed,
            )
            await session.commit()
    key = "cli-import-created" if applied.created else "cli-import-updated"
    print(
        t(
            key,
            municipality=municipality.name,
            activities=t("count-activities", n=applied.activities),
            assignments=applied.saved.assignments_created,
            attention=applied.needing_attention,
        )
    )
    if applied.added_schools:
        added = [f"{s.name} ({kind_label(t, s.kind)})" for s in applied.added_schools]
        print(t("cli-schools-added", schools=", ".join(added)))
    return 0


def cmd_municipality(args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:
    upgrade(settings.DATABASE_URL)
    return asyncio.run(_municipality(args, settings, t))


async def _municipality(args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:
    changes = MunicipalityChanges(
        name=args.rename,
        timezone=args.timezone,
        reminder_time=args.reminder_time,
        offsets=args.offsets,
        overdue=args.overdue,
        half_year=args.half_year,
        yearly=args.yearly,
        quarters=args.quarters,
    )
    async with database(settings) as sessions, sessions() as session:
        municipality = await named_municipality(session, args, settings, t)
        try:
            redated = await change_municipality(session, municipality, changes)
        except BadSetting:
            await session.rollback()
            print(t("cli-municipality-bad-value"), file=sys.stderr)
            return 2
        await session.commit()
        print(
            t(
                "cli-municipality-shown",
                name=municipality.name,
                timezone=municipality.timezone,
                time=municipality.reminder_time or settings.REMINDER_TIME,
                offsets=", ".join(str(o) for o in municipality.reminder_offsets),
                first=municipality.overdue_first_days,
                every=municipality.overdue_every_days,
                half_year=", ".join(municipality.half_year_dates),
                yearly=municipality.yearly_default,
            )
        )
        print(t("cli-municipality-quarters", quarters=", ".join(quarter_ends_of(municipality))))
        if redated is not None:
            print(t("cli-municipality-redated", n=redated))
    return 0
