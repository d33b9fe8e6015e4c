"""The command line's grammar: every subcommand, its arguments and help from locales/.

A command is named as ``"module:function"`` inside ``bot.cli`` and imported only when it runs,
so ``python -m bot check`` (the container's healthcheck) does not load the export or the bot.
"""

from __future__ import annotations

import argparse

from services.i18n import BoundTexts


def build_parser(t: BoundTexts) -> argparse.ArgumentParser:
    """``python -m bot`` with its subcommands; ``handler`` names each one's ``module:function``."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=t("cli-description"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title=t("cli-commands"))
    _add(commands, t, "run", "operations:cmd_run", "cli-run-help")
    _add_plans(commands, t)
    _add_people_and_reminders(commands, t)
    _add_reports(commands, t)
    backup = _add(commands, t, "backup", "operations:cmd_backup", "cli-backup-help")
    backup.add_argument("out", metavar="OUT", help=t("cli-backup-out-help"))
    _add(commands, t, "check", "operations:cmd_check", "cli-check-help")
    _add(commands, t, "migrate", "operations:cmd_migrate", "cli-migrate-help")
    return parser


def _add(
    commands: argparse._SubParsersAction, t: BoundTexts, name: str, handler: str, help_key: str
) -> argparse.ArgumentParser:
    command = commands.add_parser(name, help=t(help_key), description=t(help_key))
    command.set_defaults(handler=handler)
    return command


def _add_plans(commands: argparse._SubParsersAction, t: BoundTexts) -> None:
    imp = _add(commands, t, "import", "plans:cmd_import", "cli-import-help")
    imp.add_argument("file", metavar="FILE", help=t("cli-import-file-help"))
    imp.add_argument("--municipality", metavar="NAME", help=t("cli-municipality-help"))
    imp.add_argument("--yes", action="store_true", help=t("cli-yes-help"))

    muni = _add(commands, t, "municipality", "plans:cmd_municipality", "cli-municipality-cmd-help")
    muni.add_argument("--municipality", metavar="NAME", help=t("cli-municipality-help"))
    muni.add_argument("--rename", metavar="NAME", help=t("cli-rename-help"))
    muni.add_argument("--timezone", metavar="ZONE", help=t("cli-timezone-help"))
    muni.add_argument("--reminder-time", metavar="HH:MM", help=t("cli-reminder-time-help"))
    muni.add_argument("--offsets", metavar="7,3,1,0", help=t("cli-offsets-help"))
    muni.add_argument("--overdue", metavar="1,7", help=t("cli-overdue-help"))
    muni.add_argument("--half-year", metavar="01-15,06-10", help=t("cli-half-year-help"))
    muni.add_argument("--yearly", metavar="12-20", help=t("cli-yearly-help"))
    muni.add_argument("--quarters", metavar="10-31,12-31,03-31,05-31", help=t("cli-quarters-help"))


def _add_people_and_reminders(commands: argparse._SubParsersAction, t: BoundTexts) -> None:
    sup = _add(
        commands, t, "add-supervisor", "people:cmd_add_supervisor", "cli-add-supervisor-help"
    )
    sup.add_argument("telegram_id", metavar="TELEGRAM_ID", type=int, help=t("cli-telegram-id-help"))
    sup.add_argument("--municipality", metavar="NAME", help=t("cli-municipality-help"))

    remind = _add(commands, t, "remind", "reminders:cmd_remind", "cli-remind-help")
    remind.add_argument("--dry-run", action="store_true", help=t("cli-dry-run-help"))


def _add_reports(commands: argparse._SubParsersAction, t: BoundTexts) -> None:
    export = _add(commands, t, "export", "reports:cmd_export", "cli-export-help")
    export.add_argument("out", metavar="OUT.xlsx", help=t("cli-export-out-help"))
    export.add_argument("--school", metavar="NAME", help=t("cli-school-help"))
    export.add_argument("--municipality", metavar="NAME", help=t("cli-municipality-help"))
    export.add_argument("--archive", action="store_true", help=t("cli-archive-help"))
