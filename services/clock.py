"""Time: UTC in the database, the municipality's own date and clock for people."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now_utc() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    return datetime.now(UTC)


def local_now(timezone: str, now: datetime | None = None) -> datetime:
    """``now`` (default: this moment) on the clock of an IANA ``timezone`` («Asia/Chita»)."""
    return (now or now_utc()).astimezone(ZoneInfo(timezone))


def local_today(timezone: str, now: datetime | None = None) -> date:
    """Today where ``timezone`` is: the one «today» of the bot, the CLI and the import alike."""
    return local_now(timezone, now).date()
