# pyright: strict
"""A user's script over the whole public API, for the type checkers only (``make lint``).

Nothing here runs against a database: ``mypy --strict`` checks it (it is under ``tests``), and every
result goes through ``assert_type``, which fails when a type regresses to ``Any`` (a blocking twin
that lost its signature, say) or to anything else than what the API promises.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal, assert_type

from litestar import Litestar, get

import sqlspec
from sqlspec import (
    AsyncDatabaseConfig,
    AsyncDriver,
    BlockingDriver,
    DatabaseConfig,
    DatabaseConnectionError,
    DuplicateRevisionError,
    HistoryEntry,
    ImproperConfigurationError,
    IrreversibleMigrationError,
    LockTimeoutError,
    MigrationConfig,
    MigrationError,
    MigrationExecutionError,
    MigrationRun,
    MigrationSourceError,
    MigrationStateError,
    PartialMigrationError,
    RevisionNotFoundError,
    SQLSpecError,
    SyncDatabaseConfig,
    SyncInEventLoopError,
    TargetError,
)
from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec.adapters.asyncmy import AsyncmyConfig, AsyncmySyncConfig
from sqlspec.adapters.asyncpg import AsyncpgConfig, AsyncpgDriver, AsyncpgSyncConfig
from sqlspec.adapters.sqlite import SqliteConfig
from sqlspec.driver import Row
from sqlspec.exceptions import MissingDependencyError, OutcomeUnknownError
from sqlspec.migrations.check import Problem
from sqlspec.migrations.files import Migration
from sqlspec.migrations.store import AppliedMigration
from sqlspec.schema import Snapshot
from sqlspec_litestar import SQLSpecPlugin, SQLSpecSessionStore, StartupError

MIGRATIONS = MigrationConfig(
    script_location="migrations",
    version_table="app_version",
    include_extensions=("litestar",),
    template_directory=None,
    lock_timeout=30.0,
    schema_file="schema.sql",
)

sqlite = SqliteConfig(connection_config={"database": "app.db"}, migration_config=MIGRATIONS)
aiosqlite = AiosqliteConfig(connection_config={"database": "app.db"}, migration_config={"lock_timeout": 5})
postgres = AsyncpgConfig(connection_config={"dsn": "postgresql://app@localhost/app"}, bind_key="main")
postgres_sync = AsyncpgSyncConfig(connection_config={"dsn": "postgresql://app@localhost/app"})
mysql = AsyncmyConfig(connection_config={"host": "localhost", "user": "app", "db": "app"})
mysql_sync = AsyncmySyncConfig(connection_config={"host": "localhost", "user": "app", "db": "app"})


def deploy(config: SyncDatabaseConfig) -> None:
    """A deploy script: every method of a sync config blocks and returns the result itself."""
    assert_type(config.migrate_up(), list[MigrationRun])
    assert_type(config.migrate_up("head"), list[MigrationRun])
    assert_type(config.migrate_up("+1", resume=True, interrupted="ran"), list[MigrationRun])
    assert_type(config.up_to_date(), bool)
    assert_type(config.migrate_down(), list[MigrationRun])
    assert_type(config.migrate_down("base"), list[MigrationRun])
    assert_type(config.current_revision(), str | None)
    assert_type(config.migration_history(), list[HistoryEntry])
    assert_type(config.applied_migrations(), list[AppliedMigration])
    assert_type(config.pending_migrations(), list[Migration])
    assert_type(config.pending_migrations("0003"), list[Migration])
    assert_type(config.migrations_to_revert("-2"), list[Migration])
    assert_type(config.stamp("head"), list[str])
    assert_type(config.check(), list[Problem])
    assert_type(config.schema_snapshot(), Snapshot)
    assert_type(config.reconcile(), list[tuple[str, str]])


async def deploy_async(config: AsyncDatabaseConfig) -> None:
    """The same API awaited."""
    assert_type(await config.migrate_up(), list[MigrationRun])
    assert_type(await config.migrate_up("head", resume=False, interrupted=None), list[MigrationRun])
    assert_type(await config.up_to_date("head"), bool)
    assert_type(await config.migrate_down("-1"), list[MigrationRun])
    assert_type(await config.current_revision(), str | None)
    assert_type(await config.migration_history(), list[HistoryEntry])
    assert_type(await config.applied_migrations(), list[AppliedMigration])
    assert_type(await config.pending_migrations("head"), list[Migration])
    assert_type(await config.migrations_to_revert("base"), list[Migration])
    assert_type(await config.stamp(), list[str])
    assert_type(await config.check(), list[Problem])
    assert_type(await config.schema_snapshot(), Snapshot)
    assert_type(await config.reconcile(), list[tuple[str, str]])


def every_sync_config() -> None:
    configs: list[SyncDatabaseConfig] = [sqlite, postgres_sync, mysql_sync]
    for config in configs:
        deploy(config)
    # Each concrete config keeps the precise types, not only the base class's.
    assert_type(sqlite.migrate_up("head"), list[MigrationRun])
    assert_type(postgres_sync.migrate_up("head"), list[MigrationRun])
    assert_type(mysql_sync.migration_history(), list[HistoryEntry])
    assert_type(postgres_sync.current_revision(), str | None)


async def every_async_config() -> None:
    configs: list[AsyncDatabaseConfig] = [aiosqlite, postgres, mysql]
    for config in configs:
        await deploy_async(config)
    assert_type(await postgres.migrate_up("head"), list[MigrationRun])
    assert_type(await aiosqlite.pending_migrations(), list[Migration])


def status_of(entry: HistoryEntry) -> str:
    # Returned rather than assert_type'd, so a new status is no error here, but an Any would be
    # (warn_return_any).
    return entry.status


def report(runs: list[MigrationRun], history: list[HistoryEntry], problems: list[Problem]) -> str:
    """Every field a user reads from the results."""
    lines: list[str] = []
    for run in runs:
        assert_type(run.revision, str)
        assert_type(run.description, str)
        assert_type(run.direction, Literal["upgrade", "downgrade"])
        assert_type(run.duration_ms, float)
        assert_type(run.path, Path)
        lines.append(f"{run.direction} {run.revision} {run.description} {run.duration_ms:.0f} ms {run.path}")
    for entry in history:
        assert_type(entry.revision, str)
        assert_type(entry.description, str)
        assert_type(entry.type, str)
        assert_type(entry.applied_at, str | None)
        assert_type(entry.execution_ms, int | None)
        assert_type(entry.path, Path | None)
        lines.append(f"{entry.revision} {status_of(entry)} {entry.applied_at or '-'}")
    for problem in problems:
        assert_type(problem.severity, Literal["error", "warning", "note"])
        assert_type(problem.code, str)
        assert_type(problem.message, str)
        assert_type(problem.revision, str | None)
        assert_type(problem.path, str | None)
        lines.append(f"{problem.severity}: {problem.message}")
    return "\n".join(lines)


def inspect(config: DatabaseConfig) -> None:
    """What a config, its migration settings and the version table's rows tell."""
    settings = config.migration_config
    assert_type(settings, MigrationConfig)
    assert_type(settings.script_location, str)
    assert_type(settings.version_table, str)
    assert_type(settings.include_extensions, tuple[str, ...])
    assert_type(settings.template_directory, str | None)
    assert_type(settings.lock_timeout, float)
    assert_type(settings.schema_file, str | None)
    assert_type(config.bind_key, str | None)
    assert_type(config.for_database("app_test"), DatabaseConfig)
    assert_type(sqlite.for_database("other.db"), SqliteConfig)
    for row in sqlite.applied_migrations():
        assert_type(row.version, str)
        assert_type(row.applied_at, datetime)
        assert_type(row.execution_ms, int)
    for migration in sqlite.pending_migrations():
        assert_type(migration.revision, str)
        assert_type(migration.down_revision, str | None)
        assert_type(migration.path, Path)
        assert_type(migration.transactional, bool)
    snapshot = sqlite.schema_snapshot()
    assert_type(snapshot.blocks, tuple[tuple[str, str], ...])
    assert_type(sqlspec.__version__, str)


async def query(config: AsyncpgConfig) -> None:
    """A driver outside migrations, and the pools' lifetime."""
    await config.open_pool()
    try:
        async with config.provide_driver() as driver:
            assert_type(driver, AsyncpgDriver)
            await driver.execute("INSERT INTO users (name) VALUES ($1)", "Ada")
            rows = await driver.select("SELECT id, name FROM users")
            assert_type(rows, list[Row])
            count = await driver.select_value("SELECT count(*) FROM users")
            print(count, rows, driver.dialect.name, driver.database)
    finally:
        await config.close_pool()
    async with config.scratch_database() as scratch:
        assert_type(scratch, AsyncpgConfig)
        assert_type(await scratch.migrate_up(), list[MigrationRun])


def upgrade(driver: BlockingDriver) -> None:
    """A plain ``def`` migration: the blocking driver's methods keep their signatures."""
    assert_type(driver.execute("INSERT INTO users (name) VALUES (?)", "Ada"), None)
    assert_type(driver.select("SELECT * FROM users"), list[Row])
    assert_type(driver.select_one("SELECT * FROM users WHERE id = ?", 1), Row)
    assert_type(driver.select_one_or_none("SELECT * FROM users WHERE id = ?", 2), Row | None)
    driver.execute_script("CREATE TABLE a (id INTEGER); CREATE TABLE b (id INTEGER)")
    driver.begin()
    driver.commit()
    driver.rollback()


async def downgrade(driver: AsyncDriver) -> None:
    """An ``async def`` migration."""
    await driver.execute("DELETE FROM users")
    async with driver.transaction():
        await driver.execute("DELETE FROM audit")


def handle(config: SyncDatabaseConfig) -> int:
    """Every exception a deploy script may catch, with what it carries."""
    try:
        config.migrate_up()
    except SyncInEventLoopError:
        return 2
    except MissingDependencyError as error:
        assert_type(error, MissingDependencyError)
        return 3
    except ImproperConfigurationError:
        return 3
    except DatabaseConnectionError:
        return 4
    except LockTimeoutError as error:
        assert_type(error.timeout, float)
        assert_type(error.holder, str | None)
        return 5
    except MigrationSourceError as error:
        assert_type(error.path, Path)
        assert_type(error.problem, str)
        assert_type(error.line, int | None)
        return 6
    except DuplicateRevisionError as error:
        assert_type(error.revision, str)
        assert_type(error.paths, list[Path])
        return 6
    except RevisionNotFoundError as error:
        assert_type(error.revision, str)
        return 7
    except IrreversibleMigrationError as error:
        assert_type(error.path, Path | None)
        return 7
    except TargetError:
        return 7
    except OutcomeUnknownError as error:
        assert_type(error.statement, int | None)
        return 8
    except PartialMigrationError as error:
        assert_type(error.total, int | None)
        return 8
    except MigrationExecutionError as error:
        assert_type(error.revision, str)
        assert_type(error.path, Path)
        assert_type(error.direction, str)
        assert_type(error.statement, int | None)
        assert_type(error.message, str)
        assert_type(error.rolled_back, bool)
        return 9
    except MigrationStateError:
        return 10
    except MigrationError:
        return 11
    except SQLSpecError:
        return 1
    return 0


plugin = SQLSpecPlugin(postgres, auto_migrate=True, dependency_key="db")
plugins_for_two = SQLSpecPlugin([postgres, aiosqlite], auto_migrate=False)
assert_type(plugin.config, DatabaseConfig)
assert_type(plugin.configs, list[DatabaseConfig])
assert_type(plugin.auto_migrate, bool)
assert_type(plugin.dependency_key, str)
sessions = SQLSpecSessionStore(postgres)


@get("/users")
async def list_users(db: AsyncDriver) -> list[Row]:
    return await db.select("SELECT id, name FROM users")


app = Litestar(route_handlers=[list_users], plugins=[plugin], stores={"sessions": sessions})


def startup_failure(error: StartupError) -> str:
    assert_type(error.config, DatabaseConfig)
    assert_type(error.error, SQLSpecError)
    return str(error)
