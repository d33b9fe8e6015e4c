"""Running and keeping the bot: ``run``, ``migrate``, ``check`` (container healthcheck),
``backup`` (SQLite online backup)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.settings import Settings
from models.migrate import database_revision, upgrade
from services.i18n import BoundTexts


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
