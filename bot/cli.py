"""The operator's commands: ``python -m bot [run | import | add-supervisor | migrate]``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.logging import setup_logging
from bot.settings import Settings, SettingsError, load_settings
from models import Municipality
from models.db import create_engine, make_sessionmaker, safe_url
from models.migrate import database_revision, upgrade
from services.i18n import BoundTexts, Texts
from services.plan_import.model import ImportProblem
from services.plan_import.use_cases import apply_import, preview_import
from services.plans import get_or_create_municipality
from services.plans.settings import BadSetting, MunicipalityChanges, change_municipality
from services.preview import kind_label, render_preview
from services.users import make_supervisor

YES_ANSWERS = {"y", "yes", "д", "да"}

Command = Callable[[argparse.Namespace, Settings, BoundTexts], int]


def build_parser(t: BoundTexts) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=t("cli-description"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title=t("cli-commands"))

    run = commands.add_parser("run", help=t("cli-run-help"), description=t("cli-run-help"))
    run.set_defaults(handler=cmd_run)

    imp = commands.add_parser("import", help=t("cli-import-help"), description=t("cli-import-help"))
    imp.add_argument("file", metavar="FILE", help=t("cli-import-file-help"))
    imp.add_argument("--municipality", metavar="NAME", help=t("cli-municipality-help"))
    imp.add_argument("--yes", action="store_true", help=t("cli-yes-help"))
    imp.set_defaults(handler=cmd_import)

    sup = commands.add_parser(
        "add-supervisor",
        help=t("cli-add-supervisor-help"),
        description=t("cli-add-supervisor-help"),
    )
    sup.add_argument("telegram_id", metavar="TELEGRAM_ID", type=int, help=t("cli-telegram-id-help"))
    sup.add_argument("--municipality", metavar="NAME", help=t("cli-municipality-help"))
    sup.set_defaults(handler=cmd_add_supervisor)

    remind = commands.add_parser(
        "remind", help=t("cli-remind-help"), description=t("cli-remind-help")
    )
    remind.add_argument("--dry-run", action="store_true", help=t("cli-dry-run-help"))
    remind.set_defaults(handler=cmd_remind)

    muni = commands.add_parser(
        "municipality",
        help=t("cli-municipality-cmd-help"),
        description=t("cli-municipality-cmd-help"),
    )
    muni.add_argument("--municipality", metavar="NAME", help=t("cli-municipality-help"))
    muni.add_argument("--rename", metavar="NAME", help=t("cli-rename-help"))
    muni.add_argument("--timezone", metavar="ZONE", help=t("cli-timezone-help"))
    muni.add_argument("--reminder-time", metavar="HH:MM", help=t("cli-reminder-time-help"))
    muni.add_argument("--offsets", metavar="7,3,1,0", help=t("cli-offsets-help"))
    muni.add_argument("--overdue", metavar="1,7", help=t("cli-overdue-help"))
    muni.add_argument("--half-year", metavar="01-15,06-10", help=t("cli-half-year-help"))
    muni.add_argument("--yearly", metavar="12-20", help=t("cli-yearly-help"))
    muni.set_defaults(handler=cmd_municipality)

    export = commands.add_parser(
        "export", help=t("cli-export-help"), description=t("cli-export-help")
    )
    export.add_argument("out", metavar="OUT.xlsx", help=t("cli-export-out-help"))
    export.add_argument("--school", metavar="NAME", help=t("cli-school-help"))
    export.add_argument("--municipality", metavar="NAME", help=t("cli-municipality-help"))
    export.add_argument("--archive", action="store_true", help=t("cli-archive-help"))
    export.set_defaults(handler=cmd_export)

    backup = commands.add_parser(
        "backup", help=t("cli-backup-help"), description=t("cli-backup-help")
    )
    backup.add_argument("out", metavar="OUT", help=t("cli-backup-out-help"))
    backup.set_defaults(handler=cmd_backup)

    check = commands.add_parser("check", help=t("cli-check-help"), description=t("cli-check-help"))
    check.set_defaults(handler=cmd_check)

    mig = commands.add_parser(
        "migrate", help=t("cli-migrate-help"), description=t("cli-migrate-help")
    )
    mig.set_defaults(handler=cmd_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    texts = Texts(default_locale=os.environ.get("DEFAULT_LOCALE", "ru"))
    parser = build_parser(texts.for_locale(None))
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        t = texts.for_locale(None)
        problem = t(error.key, detail=error.detail)
        print(t("config-error", variable=error.variable, problem=problem), file=sys.stderr)
        return 2
    texts = Texts(texts.translations, default_locale=settings.DEFAULT_LOCALE)
    t = texts.for_locale(settings.DEFAULT_LOCALE)
    setup_logging()
    handler: Command = getattr(args, "handler", cmd_run)
    try:
        return handler(args, settings, t)
    except SettingsError as error:
        problem = t(error.key, detail=error.detail)
        print(t("config-error", variable=error.variable, problem=problem), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except (DBAPIError, OSError) as error:
        logging.getLogger(__name__).debug("database failure", exc_info=True)
        print(
            t("cli-database-error", url=safe_url(settings.DATABASE_URL), error=_first_line(error)),
            file=sys.stderr,
        )
        return 1


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error)
    return text.splitlines()[0][:200] if text else type(error).__name__


def cmd_run(_args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:
    from bot.factory import run_bot

    settings.require_token()
    upgrade(settings.DATABASE_URL)
    asyncio.run(run_bot(settings))
    return 0


def cmd_migrate(_args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:
    upgrade(settings.DATABASE_URL)
    print(t("cli-migrated"))
    return 0


def cmd_check(_args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:
    """For a container healthcheck: the database answers and is at the latest migration."""
    current, head = asyncio.run(database_revision(settings.DATABASE_URL))
    if current != head:
        print(t("cli-check-behind", current=current or "—", head=head), file=sys.stderr)
        return 1
    print(t("cli-check-ok", revision=head))
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:
    """A consistent copy of a running SQLite database (its online backup API). PostgreSQL is
    backed up with pg_dump (README)."""
    import sqlite3

    from sqlalchemy.engine import make_url

    url = make_url(settings.DATABASE_URL)
    if url.get_backend_name() != "sqlite":
        print(t("cli-backup-not-sqlite"), file=sys.stderr)
        return 2
    source_path = Path(url.database or "")
    if not source_path.is_file():
        print(t("cli-file-not-found", file=str(source_path)), file=sys.stderr)
        return 2
    out = Path(args.out)
    if out.exists():
        print(t("cli-backup-exists", file=str(out)), file=sys.stderr)
        return 2
    out.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source_path) as source, sqlite3.connect(out) as target:
        source.backup(target)
    with sqlite3.connect(out) as check:
        ok = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    if not ok:
        print(t("cli-backup-failed"), file=sys.stderr)
        return 1
    print(t("cli-backup-done", file=str(out), size=round(out.stat().st_size / 1024 / 1024, 1)))
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
    )
    async with _database(settings) as sessions, sessions() as session:
        municipality = await _named_municipality(session, args, settings, t)
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
        if redated is not None:
            print(t("cli-municipality-redated", n=redated))
    return 0


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings.DATABASE_URL)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _named_municipality(
    session: AsyncSession, args: argparse.Namespace, settings: Settings, t: BoundTexts
) -> Municipality:
    """The municipality ``--municipality`` names (created on first use), else the only one."""
    return await get_or_create_municipality(
        session, args.municipality, settings.TIMEZONE, t("municipality-default-name")
    )


def cmd_export(args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:
    upgrade(settings.DATABASE_URL)
    return asyncio.run(_export(args, settings, t))


async def _export(args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:
    from services.clock import local_today
    from services.evidence import EvidenceStore
    from services.export import ExportOptions, ExportRequest, run_export
    from services.schools import find_school

    async with _database(settings) as sessions:
        async with sessions() as session:
            municipality = await _named_municipality(session, args, settings, t)
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


def cmd_remind(args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:
    if not args.dry_run:
        settings.require_token()
    upgrade(settings.DATABASE_URL)
    return asyncio.run(_remind(args.dry_run, settings, t))


async def _remind(dry_run: bool, settings: Settings, t: BoundTexts) -> int:
    import re

    from sqlalchemy import select

    from handlers.keyboards import reminder_item_button
    from scheduler.reminders import run_pass

    engine = create_engine(settings.DATABASE_URL)
    sessions = make_sessionmaker(engine)
    texts = Texts(t.texts.translations, default_locale=settings.DEFAULT_LOCALE)
    bot = None
    try:
        sender = None
        if not dry_run:
            from bot.factory import create_bot, create_sender

            bot = create_bot(settings)
            sender = create_sender(bot, sessions)
        async with sessions() as session:
            municipalities = (
                await session.execute(select(Municipality.id, Municipality.name))
            ).all()
            await session.rollback()
        for municipality_id, name in municipalities:
            report = await run_pass(
                sessions,
                sender,
                texts,
                municipality_id,
                task_button=reminder_item_button,
                dry_run=dry_run,
                force=True,
            )
            if dry_run:
                if not report.planned:
                    print(t("cli-remind-none"))
                for planned in report.planned:
                    print(t("cli-remind-message", name=planned.name, school=planned.school))
                    print(re.sub(r"<[^>]+>", "", planned.message.text))
                    print()
                continue
            print(
                t(
                    "cli-remind-done",
                    municipality=name,
                    messages=report.messages,
                    sent=report.sent,
                    released=report.released,
                    unreachable=report.unreachable,
                )
            )
        return 0
    finally:
        if bot is not None:
            await bot.session.close()
        await engine.dispose()


def _ask(t: BoundTexts, key: str) -> bool:
    try:
        answer = input(t(key) + " ")
    except EOFError:
        return False
    return answer.strip().lower() in YES_ANSWERS


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
    async with _database(settings) as sessions:
        # Read phase: nothing is written and no lock is held while the operator reads.
        async with sessions() as session:
            municipality = await _named_municipality(session, args, settings, t)
            try:
                preview = await preview_import(session, municipality, filename, data)
            except ImportProblem as problem:
                print(t(problem.key, **problem.params), file=sys.stderr)
                return 1
            await session.rollback()

        print("\n".join(render_preview(t, preview.parsed, preview.changes)))
        print()
        if not (args.yes or _ask(t, "cli-confirm-save")):
            print(t("cli-import-cancelled"))
            return 1
        add_schools = bool(preview.new_schools) and (args.yes or _ask(t, "cli-confirm-schools"))

        async with sessions() as session:
            municipality = await _named_municipality(session, args, settings, t)
            applied = await apply_import(
                session,
                municipality,
                preview.parsed,
                sha256=preview.sha256,
                add_schools=add_schools,
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


def cmd_add_supervisor(args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:
    upgrade(settings.DATABASE_URL)
    return asyncio.run(_add_supervisor(args, settings, t))


async def _add_supervisor(args: argparse.Namespace, settings: Settings, t: BoundTexts) -> int:
    async with _database(settings) as sessions, sessions() as session:
        municipality = await _named_municipality(session, args, settings, t)
        await make_supervisor(session, args.telegram_id, municipality.id)
        await session.commit()
        print(t("cli-supervisor-added", id=args.telegram_id, municipality=municipality.name))
    return 0
