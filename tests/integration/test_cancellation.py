"""Stopping a run (Ctrl-C, a deploy timeout) stops the statement it is in, not only the await."""

from __future__ import annotations

import time
from pathlib import Path

import anyio
import pytest

from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec.adapters.asyncpg import AsyncpgConfig
from sqlspec.adapters.sqlite import SqliteConfig
from tests.migration_files import sql_migration

# About 30 s of work for SQLite here: far longer than any cancellation below may take.
SLOW = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
    "SELECT count(*) FROM (SELECT i FROM n LIMIT 150000000)"
)


@pytest.mark.parametrize("adapter", [AiosqliteConfig, SqliteConfig])
async def test_a_cancelled_sqlite_statement_is_interrupted_and_the_connection_stays_usable(
    tmp_path: Path, adapter: type[AiosqliteConfig | SqliteConfig]
) -> None:
    config = adapter(connection_config={"database": str(tmp_path / "app.db")})
    async with config.provide_driver() as driver:
        started = time.monotonic()
        with anyio.move_on_after(0.2):
            await driver.select(SLOW)
        await driver.select("SELECT 1 AS one")  # queued behind the slow statement unless it was interrupted
        stopped_after = time.monotonic() - started
    assert stopped_after < 10, f"the statement ran on for {stopped_after:.1f} s after it was cancelled"


async def test_a_migration_cancelled_mid_statement_is_rolled_back_and_not_recorded(
    tmp_path: Path, migrations_dir: Path
) -> None:
    sql_migration(migrations_dir, "0001", "slow", f"CREATE TABLE t (id INTEGER); {SLOW};", "DROP TABLE t;")
    config = AiosqliteConfig(
        connection_config={"database": str(tmp_path / "app.db")},
        migration_config={"script_location": str(migrations_dir)},
    )
    with anyio.move_on_after(0.5):
        await config.migrate_up()
    assert await config.current_revision() is None
    async with config.provide_driver() as driver:
        assert await driver.select("SELECT name FROM sqlite_master WHERE name = 't'") == []


@pytest.mark.postgres
async def test_a_cancelled_postgres_statement_is_cancelled_on_the_server(postgres_dsn: str) -> None:
    config = AsyncpgConfig(connection_config={"dsn": postgres_dsn})
    async with config.provide_driver() as driver:
        started = time.monotonic()
        with anyio.move_on_after(0.2):
            await driver.execute("SELECT pg_sleep(30)")
        assert await driver.select_value("SELECT 1") == 1
        stopped_after = time.monotonic() - started
    assert stopped_after < 10, f"the statement ran on for {stopped_after:.1f} s after it was cancelled"
