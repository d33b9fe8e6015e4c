"""Logging: one line per event with its context; a bot token never reaches the log."""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from collections.abc import Iterator
from contextvars import ContextVar

# A token is "<bot id>:<secret>". In URLs it follows "bot" directly (/bot123:ABC…/getMe), where
# there is no word boundary, so the edges are "no digit before, no token character after".
_TOKEN = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}(?![A-Za-z0-9_-])")


class RedactTokens(logging.Filter):
    """Replaces anything shaped like a bot token (in messages, arguments and tracebacks)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg = _TOKEN.sub("<bot-token>", message)
            record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and _TOKEN.search(record.exc_text):
            record.exc_text = _TOKEN.sub("<bot-token>", record.exc_text)
        return True


_CONTEXT: ContextVar[tuple[int | None, int | None]] = ContextVar(
    "update_context", default=(None, None)
)


@contextlib.contextmanager
def update_context(update_id: int | None, user_id: int | None) -> Iterator[None]:
    """Every log line written while an update is handled names the update and the sender."""
    token = _CONTEXT.set((update_id, user_id))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


class UpdateContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        update_id, user_id = _CONTEXT.get()
        record.update_id, record.user_id = update_id, user_id
        record.context = f" update_id={update_id} user_id={user_id}" if update_id else ""
        return True


def setup_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s", "%Y-%m-%dT%H:%M:%S"
        )
    )
    handler.addFilter(UpdateContext())
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
