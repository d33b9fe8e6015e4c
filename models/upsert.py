"""INSERT … ON CONFLICT DO NOTHING for SQLite and PostgreSQL alike: claim a key or learn that
someone else already holds it, in one statement."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_ignore(session: AsyncSession, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no INSERT … ON CONFLICT for {dialect}")
