"""Shared fixtures: the seed roadmaps, and real databases migrated with Alembic.

Database tests run on SQLite and, when a PostgreSQL server is reachable (TEST_DATABASE_URL,
default postgresql+asyncpg://postgres@127.0.0.1:5432/test), on PostgreSQL too; each test gets
a database of its own. Without a server the PostgreSQL variants are skipped, saying why.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from models.db import create_engine, make_sessionmaker
from models.migrate import upgrade_async

SEEDS_DIR = Path(__file__).parent / "data" / "seeds"
SEEDS = {path.name[:3]: path for path in sorted(SEEDS_DIR.glob("*.txt"))}
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")

_pg_state: dict[str, str | None] = {}


def seed_bytes(number: str) -> bytes:
    return SEEDS[number].read_bytes()


@pytest.fixture
def seeds() -> dict[str, Path]:
    return SEEDS


async def _admin_connection(timeout: float | None = None):  # type: ignore[no-untyped-def]  # noqa: ASYNC109
    import asyncpg

    url = make_url(PG_URL)
    connect = asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database,
    )
    return await (asyncio.wait_for(connect, timeout) if timeout else connect)


async def _pg_unreachable_reason() -> str | None:
    if "reason" in _pg_state:
        return _pg_state["reason"]
    url = make_url(PG_URL)
    try:
        connection = await _admin_connection(timeout=3)
        await connection.close()
        reason = None
    except Exception as error:  # any failure means: not reachable from here
        reason = (
            f"PostgreSQL at {url.render_as_string(hide_password=True)} not reachable: {error!r}"
        )
    _pg_state["reason"] = reason
    return reason


async def _create_pg_database() -> tuple[str, str]:
    url = make_url(PG_URL)
    name = f"roadmap_test_{uuid.uuid4().hex[:12]}"
    admin = await _admin_connection()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return url.set(database=name).render_as_string(hide_password=False), name


async def _drop_pg_database(name: str) -> None:
    admin = await _admin_connection()
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'roadmap.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database on each backend, migrated to head."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'roadmap.db'}"
        await upgrade_async(url)
        yield url
        return
    reason = await _pg_unreachable_reason()
    if reason:
        pytest.skip(reason)
    url, name = await _create_pg_database()
    try:
        await upgrade_async(url)
        yield url
    finally:
        await _drop_pg_database(name)


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)
