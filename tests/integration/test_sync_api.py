"""The sync config and the event-loop rules: one engine, run from plain code, asyncio, anyio and trio."""

from __future__ import annotations

import asyncio
import inspect
import signal
import socket
import sqlite3
from pathlib import Path

import anyio
import anyio.to_thread
import pytest

from sqlspec import (
    AsyncDriver,
    BlockingDriver,
    ImproperConfigurationError,
    SyncDatabaseConfig,
    SyncInEventLoopError,
)
from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec.adapters.asyncpg import AsyncpgSyncConfig
from sqlspec.adapters.sqlite import SqliteConfig
from sqlspec.config import MigrationCommands
from sqlspec.migrations import MigrationEngine
from tests.migration_files import py_migration, sql_migration


def _public_coroutines(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    }


@pytest.mark.parametrize(
    ("async_cls", "sync_cls"), [(MigrationCommands, SyncDatabaseConfig), (AsyncDriver, BlockingDriver)]
)
def test_every_async_method_has_a_sync_twin_with_the_same_signature(async_cls: type, sync_cls: type) -> None:
    originals = _public_coroutines(async_cls)
    if async_cls is AsyncDriver:  # the engine's own calls, never a migration's
        originals = {k: v for k, v in originals.items() if k not in {"interrupt", "ping_if_idle"}}
    assert originals
    for name, signature in originals.items():
        twin = getattr(sync_cls, name)
        assert not inspect.iscoroutinefunction(twin), name
        assert inspect.signature(twin) == signature, name


def test_the_config_api_is_the_engines_api_with_the_same_names() -> None:
    """One vocabulary: every public coroutine of the engine is on the configs, named and typed alike."""
    engine = _public_coroutines(MigrationEngine)
    assert engine.keys() == _public_coroutines(MigrationCommands).keys()
    for name, signature in engine.items():
        assert str(signature) == str(inspect.signature(getattr(MigrationCommands, name))), name


@pytest.mark.postgres
def test_sync_postgres_config_applies_and_reverts_from_plain_code(
    postgres_dsn: str, migrations_dir: Path
) -> None:
    """The guide's ``# Sync`` example on PostgreSQL: every method blocks and returns its result."""
    sql_migration(migrations_dir, "0001", "users", "CREATE TABLE users (id INTEGER);", "DROP TABLE users;")
    sql_migration(
        migrations_dir,
        "0002",
        "seed",
        "INSERT INTO users VALUES (7);",
        "DELETE FROM users;",
        down_revision="0001",
    )
    config = AsyncpgSyncConfig(
        connection_config={"dsn": postgres_dsn}, migration_config={"script_location": str(migrations_dir)}
    )
    assert [m.revision for m in config.pending_migrations("head")] == ["0001", "0002"]
    assert [r.revision for r in config.migrate_up("+1")] == ["0001"]
    assert [r.revision for r in config.migrate_up("head")] == ["0002"]
    assert config.current_revision() == "0002"
    assert [p for p in config.check() if p.severity != "note"] == []
    assert [(e.revision, e.status) for e in config.migration_history()] == [
        ("0001", "applied"),
        ("0002", "applied"),
    ]
    assert [m.revision for m in config.migrations_to_revert("-1")] == ["0002"]
    assert [r.revision for r in config.migrate_down("-1")] == ["0002"]
    assert [row.version for row in config.applied_migrations()] == ["0001"]
    assert config.stamp("head") == ["0002"]  # recorded, not run: the seed row stays deleted
    assert [row.version for row in config.applied_migrations()] == ["0001", "0002"]
    assert config.reconcile() == []


@pytest.fixture
def sync_config(tmp_path: Path, migrations_dir: Path) -> SqliteConfig:
    sql_migration(migrations_dir, "0001", "users", "CREATE TABLE users (id INTEGER);", "DROP TABLE users;")
    py_migration(
        migrations_dir,
        "0002",
        "seed",
        "def upgrade(driver):\n    driver.execute('INSERT INTO users (id) VALUES (?)', 7)\n\n"
        "def downgrade(driver):\n    driver.execute('DELETE FROM users')\n",
        down_revision="0001",
    )
    return SqliteConfig(
        connection_config={"database": str(tmp_path / "sync.db")},
        migration_config={"script_location": str(migrations_dir)},
    )


def _user_ids(config: SqliteConfig) -> list[int]:
    with sqlite3.connect(config.connection_config["database"]) as connection:
        return [row[0] for row in connection.execute("SELECT id FROM users")]


def test_sync_config_from_plain_code(sync_config: SqliteConfig) -> None:
    runs = sync_config.migrate_up("head")
    assert [r.revision for r in runs] == ["0001", "0002"]
    assert _user_ids(sync_config) == [7]
    assert sync_config.current_revision() == "0002"
    assert [e.status for e in sync_config.migration_history()] == ["applied", "applied"]
    sync_config.migrate_down("-1")
    assert _user_ids(sync_config) == []
    sync_config.migrate_down("base")
    assert sync_config.current_revision() is None


def test_a_sync_call_leaves_the_processs_signal_set_up_as_it_found_it(sync_config: SqliteConfig) -> None:
    """The call listens for Ctrl-C itself; afterwards an app's own wakeup fd (a GUI toolkit's)
    and handlers are back in place, where the event loop would have reset them."""
    reading, writing = socket.socketpair()
    writing.setblocking(False)
    handler = signal.getsignal(signal.SIGTERM)
    previous = signal.set_wakeup_fd(writing.fileno())
    try:
        sync_config.migrate_up("head")
        assert signal.set_wakeup_fd(-1) == writing.fileno()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert signal.getsignal(signal.SIGTERM) is handler
    finally:
        signal.set_wakeup_fd(previous)
        reading.close()
        writing.close()


async def test_sync_config_inside_a_running_loop_says_to_await(sync_config: SqliteConfig) -> None:
    with pytest.raises(SyncInEventLoopError, match="await the async API"):
        sync_config.migrate_up()
    assert not await anyio.Path(sync_config.connection_config["database"]).exists()


async def test_sync_config_from_a_worker_thread_of_a_running_loop(sync_config: SqliteConfig) -> None:
    runs = await anyio.to_thread.run_sync(sync_config.migrate_up)
    assert [r.revision for r in runs] == ["0001", "0002"]


def test_async_config_under_asyncio_run_and_anyio_run(tmp_path: Path, migrations_dir: Path) -> None:
    sql_migration(migrations_dir, "0001", "users", "CREATE TABLE users (id INTEGER);", "DROP TABLE users;")
    config = AiosqliteConfig(
        connection_config={"database": str(tmp_path / "a.db")},
        migration_config={"script_location": str(migrations_dir)},
    )
    assert [r.revision for r in asyncio.run(config.migrate_up("head"))] == ["0001"]
    assert [r.revision for r in anyio.run(config.migrate_down, "base")] == ["0001"]
    assert anyio.run(config.current_revision) is None


def test_engine_runs_on_trio_with_the_stdlib_sqlite_driver(sync_config: SqliteConfig) -> None:
    engine = sync_config.migration_engine()
    runs = anyio.run(engine.migrate_up, "head", backend="trio")
    assert [r.revision for r in runs] == ["0001", "0002"]
    assert _user_ids(sync_config) == [7]


def test_an_asyncio_driver_under_trio_says_it_needs_asyncio(tmp_path: Path, migrations_dir: Path) -> None:
    sql_migration(migrations_dir, "0001", "t", "CREATE TABLE t (id INTEGER);")
    config = AiosqliteConfig(
        connection_config={"database": str(tmp_path / "app.db")},
        migration_config={"script_location": str(migrations_dir)},
    )
    with pytest.raises(ImproperConfigurationError, match="AiosqliteConfig needs asyncio"):
        anyio.run(config.migrate_up, backend="trio")
