"""Engine and sessions.

SQLite runs in WAL mode with a busy timeout, and every transaction starts with
``BEGIN IMMEDIATE``: it takes the write lock up front, so a writer never fails half-way with
«database is locked». Within the bot's process the engine has one connection: sessions queue
for it in order, in the event loop, instead of polling SQLite's lock with growing sleeps (which
left the database idle while a hundred handlers slept; 10 times slower under a burst). Other
processes (the command line while the bot runs) still queue on the busy timeout.

Long reads (the Excel export of a region) use a :func:`reader` engine, in a child process
(``services/export_job.py``): on SQLite it reads a WAL snapshot without taking the write lock,
so handlers keep writing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Executable, Row, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

SQLITE_BUSY_TIMEOUT_MS = 30_000


def ensure_sqlite_directory(url: str) -> None:
    """SQLite creates the file but not its folder (DATA_DIR on a fresh machine)."""
    parsed = make_url(url)
    database = parsed.database or ""
    is_file = bool(database) and database != ":memory:" and not database.startswith("file:")
    if parsed.get_backend_name() == "sqlite" and is_file:
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, echo=echo, pool_pre_ping=True)

    ensure_sqlite_directory(url)
    options: dict[str, object] = {}
    if parsed.database and parsed.database != ":memory:":
        options = {
            "pool_size": 1,
            "max_overflow": 0,
            "pool_timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
            # Sessions and connections end their own transactions; the pool's extra ROLLBACK
            # on every return is a round trip to the database thread for nothing.
            "pool_reset_on_return": None,
        }
    engine = create_async_engine(
        url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **options
    )
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Stop the driver from issuing its own BEGIN; the "begin" hook below does it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


async def in_parts(
    session: AsyncSession, statement: Executable, size: int = 2000
) -> AsyncIterator[Sequence[Row[Any]]]:
    """The statement's rows a few thousand at a time, fetched as they are used: between parts
    the event loop serves everybody else (60,000 rows in one go would hold it for a while)."""
    result = await session.stream(statement.execution_options(yield_per=size))
    async for part in result.partitions(size):
        yield part


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def reader(url: str) -> AsyncEngine:
    """An engine for one long read, typically in another thread with its own event loop.

    On SQLite its transactions begin deferred (a snapshot, no write lock) and it may not write
    at all (``query_only``); elsewhere it is a plain engine. No pool: it lives for one job.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, poolclass=NullPool)
    engine = create_async_engine(
        url, poolclass=NullPool, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN")

    return engine
