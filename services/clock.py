"""Time: UTC in the database, the municipality's own date and clock for people."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now_utc() -> datetime:
    return datetime.now(UTC)


def local_now(timezone: str, now: datetime | None = None) -> datetime:
    return (now or now_utc()).astimezone(ZoneInfo(timezone))


def local_today(timezone: str, now: datetime | None = None) -> date:
    return local_now(timezone, now).date()
