"""A long-lived app's calls through ``open_pool()``: one query to learn it is up to date, no new connection;
and a run that reads, hashes and splits each migration once.

The SQLite connections are counted where they are made (a ``sqlite3.Connection`` factory that
traces every statement from its first, the connection's own probe included); the PostgreSQL ones
by the pool's ``init`` hook and by the kind of connection each driver is given.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ClassVar

import asyncpg
import pytest
from asyncpg.pool import PoolConnectionProxy

from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec.adapters.asyncpg import AsyncpgConfig, AsyncpgDriver
from tests.migration_files import sql_migration

MIGRATIONS = 20


def _migrations(folder: Path, count: int = MIGRATIONS) -> None:
    for n in range(1, count + 1):
        down = f"{n - 1:04d}" if n > 1 else None
        sql_migration(folder, f"{n:04d}", f"t{n}", f"CREATE TABLE t{n} (id INTEGER);", down_revision=down)


class CountingConnection(sqlite3.Connection):
    """A sqlite3 connection that records its opening and every statement it runs."""

    opened: ClassVar[int] = 0
    statements: ClassVar[list[str]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        CountingConnection.opened += 1
        self.set_trace_callback(CountingConnection.statements.append)


def _reset_counts() -> None:
    CountingConnection.opened = 0
    CountingConnection.statements.clear()  # the list each connection's trace callback appends to


def _sqlite_config(database: Path, migrations: Path) -> AiosqliteConfig:
    return AiosqliteConfig(
        connection_config={"database": str(database), "factory": CountingConnection},
        migration_config={"script_location": str(migrations)},
    )


async def test_sqlite_check_through_the_kept_connection_is_one_statement(
    tmp_path: Path, migrations_dir: Path
) -> None:
    _migrations(migrations_dir)
    config = _sqlite_config(tmp_path / "app.db", migrations_dir)
    _reset_counts()
    assert not config.pool_is_open()
    await config.open_pool()
    assert config.pool_is_open()
    assert CountingConnection.opened == 0  # no database yet: keeping a connection does not create one
    try:
        assert len(await config.migrate_up("+1")) == 1
        assert len(await config.migrate_up()) == MIGRATIONS - 1
        assert CountingConnection.opened == 1  # the first run opened the kept connection
        _reset_counts()
        assert await config.migrate_up() == []
        assert CountingConnection.opened == 0
        assert len(CountingConnection.statements) == 1, CountingConnection.statements
        assert CountingConnection.statements[0].startswith("SELECT version_num FROM")
    finally:
        await config.close_pool()
    assert not config.pool_is_open()
    _reset_counts()
    assert await config.migrate_up() == []  # closed: each call connects again
    assert CountingConnection.opened == 1


async def test_sqlite_applying_call_reads_locks_and_runs_on_one_connection(
    tmp_path: Path, migrations_dir: Path
) -> None:
    _migrations(migrations_dir)
    config = _sqlite_config(tmp_path / "app.db", migrations_dir)
    assert len(await config.migrate_up("+1")) == 1  # without a pool too: check and run share one
    await config.open_pool()
    try:
        _reset_counts()
        assert len(await config.migrate_up("+1")) == 1
        assert CountingConnection.opened == 0
        checks = [s for s in CountingConnection.statements if "WHERE 1 = 0" in s]
        assert checks == []  # the table was read on this connection: no probe for it
        assert CountingConnection.statements[0].startswith("SELECT version_num FROM")
    finally:
        await config.close_pool()


async def test_sqlite_kept_connection_follows_a_replaced_database_file(
    tmp_path: Path, migrations_dir: Path
) -> None:
    _migrations(migrations_dir, 3)
    database = tmp_path / "app.db"
    config = _sqlite_config(database, migrations_dir)
    await config.open_pool()
    try:
        assert len(await config.migrate_up()) == 3
        database.unlink()  # a test resetting its database, say: the kept connection is on the old file
        assert len(await config.migrate_up()) == 3
        with sqlite3.connect(database) as check:
            assert check.execute("SELECT count(*) FROM sqlspec_version").fetchone() == (3,)
    finally:
        await config.close_pool()


async def test_sqlite_kept_connection_is_never_shared_by_two_calls(
    tmp_path: Path, migrations_dir: Path
) -> None:
    _migrations(migrations_dir, 2)
    config = _sqlite_config(tmp_path / "app.db", migrations_dir)
    await config.migrate_up()
    await config.open_pool()
    try:
        async with config.provide_driver() as first, config.provide_driver() as second:
            assert first.connection is not second.connection
        async with config.provide_driver() as again:
            assert again.connection is first.connection  # the kept one, free again
    finally:
        await config.close_pool()


class PoolCountingConfig(AsyncpgConfig):
    """Records the queries its drivers send and whether each driver got a pooled connection."""

    sent: list[str]
    pooled: list[bool]

    @asynccontextmanager
    async def provide_driver(self) -> AsyncIterator[AsyncpgDriver]:
        async with super().provide_driver() as driver:
            self.pooled.append(isinstance(driver.connection, PoolConnectionProxy))

            def log(record: Any) -> None:
                self.sent.append(record.query)

            driver.connection.add_query_logger(log)
            try:
                yield driver
            finally:
                driver.connection.remove_query_logger(log)


async def test_postgres_check_through_the_pool_is_one_query_on_a_pooled_connection(
    postgres_dsn: str, migrations_dir: Path
) -> None:
    _migrations(migrations_dir)
    opened: list[int] = []

    async def count(connection: asyncpg.Connection) -> None:
        opened.append(connection.get_server_pid())

    config = PoolCountingConfig(
        connection_config={"dsn": postgres_dsn, "min_size": 1, "max_size": 2, "init": count},
        migration_config={"script_location": str(migrations_dir)},
    )
    config.sent, config.pooled = [], []
    await config.open_pool()
    try:
        assert len(await config.migrate_up()) == MIGRATIONS
        before = len(opened)
        config.sent, config.pooled = [], []
        assert await config.migrate_up() == []
        assert config.pooled == [True]
        assert len(opened) == before  # the pool opened no connection for it
        assert len(config.sent) == 1, config.sent  # (the pool's reset on release is asyncpg's own)
        assert config.sent[0].startswith("SELECT version_num FROM")
    finally:
        await config.close_pool()


async def test_postgres_applying_call_through_the_pool_sends_nothing_but_the_run(
    postgres_dsn: str, migrations_dir: Path
) -> None:
    _migrations(migrations_dir, 3)
    config = PoolCountingConfig(
        connection_config={"dsn": postgres_dsn, "min_size": 1, "max_size": 2},
        migration_config={"script_location": str(migrations_dir)},
    )
    config.sent, config.pooled = [], []
    await config.open_pool()
    try:
        assert len(await config.migrate_up("+1")) == 1
        config.sent, config.pooled = [], []
        assert len(await config.migrate_up("+1")) == 1
        assert config.pooled == [True]  # check, lock and run on one pooled connection
        assert [" ".join(query.split()[:2]) for query in config.sent] == [
            "SELECT version_num",  # the up-to-date check
            "SELECT pg_try_advisory_lock($1)",  # the run lock, and the dead-client check readied
            "SELECT version_num,",  # the table again, under the lock
            "BEGIN;",
            "CREATE TABLE",
            "INSERT INTO",
            "COMMIT;",
            "SELECT pg_advisory_unlock($1)",
        ], config.sent
        assert "client_connection_check_interval" in config.sent[1]
    finally:
        await config.close_pool()


async def test_a_run_reads_hashes_and_splits_each_migration_once(
    tmp_path: Path, migrations_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlspec.migrations import files, statements
    from sqlspec.migrations.sql import split_statements as split

    _migrations(migrations_dir, 8)
    reads: Counter[str] = Counter()
    hashes: list[tuple[str | None, ...]] = []
    splits: Counter[str] = Counter()
    read_text, checksum = files._read_text, files._checksum

    def counted_read(path: Path) -> str:
        reads[path.name] += 1
        return read_text(path)

    def counted_checksum(*parts: str | None) -> str:
        hashes.append(parts)
        return checksum(*parts)

    def counted_split(script: str, dialect: Any = "generic") -> list[str]:
        splits[script] += 1
        return split(script, dialect)

    monkeypatch.setattr(files, "_read_text", counted_read)
    monkeypatch.setattr(files, "_checksum", counted_checksum)
    monkeypatch.setattr("sqlspec.migrations.sql.split_statements", counted_split)  # what Dialect.split calls
    statements.migration_statements.cache_clear()
    statements.runs_in_transaction.cache_clear()
    config = _sqlite_config(tmp_path / "app.db", migrations_dir)
    assert len(await config.migrate_up()) == 8
    assert sorted(reads.values()) == [1] * 8  # each file read (and parsed) once
    assert len(hashes) == 8  # each checksummed once
    assert splits, "the sections were split"
    assert set(splits.values()) == {1}, splits  # each section split once


async def _mysql_connections_made(watcher: Any) -> int:
    """The server's count of connections ever opened (every client's, this watcher's excluded)."""
    async with watcher.cursor() as cursor:
        await cursor.execute("SHOW GLOBAL STATUS LIKE 'Connections'")
        row = await cursor.fetchone()
    return int(row[1])


@pytest.mark.mysql
async def test_mysql_checks_through_the_pool_open_no_connection(mysql_dsn: str, migrations_dir: Path) -> None:
    import asyncmy

    from sqlspec.adapters.asyncmy import AsyncmyConfig

    _migrations(migrations_dir, 3)
    config = AsyncmyConfig(
        connection_config={"dsn": mysql_dsn}, migration_config={"script_location": str(migrations_dir)}
    )
    watcher = await asyncmy.connect(host="127.0.0.1", port=3306, user="root", autocommit=True)
    await config.open_pool()
    try:
        assert config.pool_is_open()
        assert len(await config.migrate_up()) == 3
        # A connection that ran migrations is closed, not pooled (its session may have changed):
        # the next check connects once, and the checks after it reuse that connection.
        assert await config.migrate_up() == []
        before = await _mysql_connections_made(watcher)
        assert await config.migrate_up() == []
        assert await config.up_to_date()
        assert await config.current_revision() == "0003"
        assert await _mysql_connections_made(watcher) == before
    finally:
        await config.close_pool()
        watcher.close()
    assert not config.pool_is_open()


@pytest.mark.mysql
async def test_mysql_pooled_connection_that_failed_is_not_reused(
    mysql_dsn: str, migrations_dir: Path
) -> None:
    """A failed run's session (its lock, a killed statement) never reaches the pool's next user."""
    from sqlspec.adapters.asyncmy import AsyncmyConfig
    from sqlspec.exceptions import MigrationExecutionError

    sql_migration(migrations_dir, "0001", "bad", "INSERT INTO missing_table VALUES (1);")
    config = AsyncmyConfig(
        connection_config={"dsn": mysql_dsn}, migration_config={"script_location": str(migrations_dir)}
    )
    await config.open_pool()
    try:
        async with config.provide_driver() as driver:
            failed_on = await driver.select_value("SELECT CONNECTION_ID()")
        with pytest.raises(MigrationExecutionError):
            await config.migrate_up()
        async with config.provide_driver() as driver:
            assert await driver.select_value("SELECT CONNECTION_ID()") != failed_on
        sql_migration(migrations_dir, "0001", "bad", "CREATE TABLE fixed (id INTEGER);")
        assert len(await config.migrate_up()) == 1  # the run lock was not left held
    finally:
        await config.close_pool()


@pytest.mark.mysql
async def test_mysql_session_a_run_changed_is_not_pooled(mysql_dsn: str, migrations_dir: Path) -> None:
    """What a migration sets on its session (a variable here; a USE or sql_mode alike) stays with it."""
    from sqlspec.adapters.asyncmy import AsyncmyConfig

    upgrade = "SET @left_by_migration = 1;\nCREATE TABLE t1 (id INTEGER);"
    sql_migration(migrations_dir, "0001", "sets", upgrade)
    config = AsyncmyConfig(
        connection_config={"dsn": mysql_dsn}, migration_config={"script_location": str(migrations_dir)}
    )
    await config.open_pool()
    try:
        assert len(await config.migrate_up()) == 1
        async with config.provide_driver() as driver:
            assert await driver.select_value("SELECT @left_by_migration AS v") is None
    finally:
        await config.close_pool()
