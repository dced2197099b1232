"""The up-to-date check every app start pays for: one query, no lock, no migration file opened.

Statements are counted where the drivers report them (asyncpg's query logger, SQLite's trace
callback), so anything the engine sends, a lock included, is seen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlspec.adapters.aiosqlite import AiosqliteConfig, AiosqliteDriver
from sqlspec.adapters.asyncpg import AsyncpgConfig, AsyncpgDriver
from tests.migration_files import sql_migration

MIGRATIONS = 50


class CountingAsyncpgConfig(AsyncpgConfig):
    """Records every query its connections send."""

    sent: list[str]

    @asynccontextmanager
    async def provide_driver(self) -> AsyncIterator[AsyncpgDriver]:
        async with super().provide_driver() as driver:
            driver.connection.add_query_logger(lambda record: self.sent.append(record.query))
            yield driver


class CountingAiosqliteConfig(AiosqliteConfig):
    """Records every statement SQLite runs for its connections."""

    sent: list[str]

    @asynccontextmanager
    async def provide_driver(self) -> AsyncIterator[AiosqliteDriver]:
        async with super().provide_driver() as driver:
            await driver.connection.set_trace_callback(self.sent.append)
            yield driver


def _migrations(folder: Path) -> None:
    for n in range(1, MIGRATIONS + 1):
        down = f"{n - 1:04d}" if n > 1 else None
        sql_migration(folder, f"{n:04d}", f"t{n}", f"CREATE TABLE t{n} (id INTEGER);", down_revision=down)


def _spoil(folder: Path) -> None:
    for path in folder.iterdir():
        path.write_text("not a migration")


async def _assert_one_query_when_up_to_date(config: CountingAsyncpgConfig | CountingAiosqliteConfig) -> None:
    config.sent = []
    assert len(await config.migrate_up()) == MIGRATIONS
    _spoil(Path(config.migration_config.script_location))  # opening any file now would fail
    config.sent = []
    assert await config.migrate_up() == []
    assert len(config.sent) == 1, config.sent
    assert "advisory" not in config.sent[0]
    assert config.sent[0].lstrip().upper().startswith("SELECT")


async def test_postgres_up_to_date_check_is_one_query(postgres_dsn: str, migrations_dir: Path) -> None:
    _migrations(migrations_dir)
    config = CountingAsyncpgConfig(
        connection_config={"dsn": postgres_dsn}, migration_config={"script_location": str(migrations_dir)}
    )
    await _assert_one_query_when_up_to_date(config)


async def test_sqlite_up_to_date_check_is_one_query(tmp_path: Path, migrations_dir: Path) -> None:
    _migrations(migrations_dir)
    config = CountingAiosqliteConfig(
        connection_config={"database": str(tmp_path / "app.db")},
        migration_config={"script_location": str(migrations_dir)},
    )
    await _assert_one_query_when_up_to_date(config)
