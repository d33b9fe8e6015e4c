"""The entry point of ``python -m bot``: parse, load settings, run the command, turn failures into
one line for the operator and an exit code."""

from __future__ import annotations

import importlib
import logging
import os
import sys

from sqlalchemy.exc import DBAPIError

from bot.cli.common import Command
from bot.cli.parser import build_parser
from bot.logging import setup_logging
from bot.settings import SettingsError, load_settings
from models.db import safe_url
from services.i18n import Texts


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m bot`` with ``argv``; the exit code (0 ok, 1 failed, 2 bad input or settings,
    130 interrupted). Without a subcommand the bot runs."""
    texts = Texts(default_locale=os.environ.get("DEFAULT_LOCALE", "ru"))
    parser = build_parser(texts.for_locale(None))
    args = parser.parse_args(argv)
    # Imported before logging is set up: libraries that log while being imported stay quiet.
    handler = load_command(getattr(args, "handler", "operations:cmd_run"))
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


def load_command(name: str) -> Command:
    """The command ``"module:function"`` of ``bot.cli``, imported now."""
    module, function = name.split(":")
    command: Command = getattr(importlib.import_module(f"bot.cli.{module}"), function)
    return command
