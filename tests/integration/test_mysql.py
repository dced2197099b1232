"""What only MySQL and MariaDB have: DDL that commits by itself, GET_LOCK, backticks, sql_mode."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import anyio
import pytest

from sqlspec.adapters.asyncmy import AsyncmyConfig, AsyncmySyncConfig
from sqlspec.dialects.mysql import lock_name
from sqlspec.exceptions import MigrationSourceError, MigrationStateError, PartialMigrationError
from tests.migration_files import py_migration, sql_migration

pytestmark = pytest.mark.mysql


def _config(dsn: str, folder: Path, **connection: Any) -> AsyncmyConfig:
    return AsyncmyConfig(
        connection_config={"dsn": dsn, **connection}, migration_config={"script_location": str(folder)}
    )


async def _rows(config: AsyncmyConfig, sql: str) -> list[dict[str, Any]]:
    async with config.provide_driver() as driver:
        return await driver.select(sql)


async def _versions(config: AsyncmyConfig) -> dict[str, tuple[str, int | None]]:
    rows = await _rows(config, "SELECT version_num, status, progress FROM sqlspec_version")
    return {row["version_num"]: (row["status"], row["progress"]) for row in rows}


async def test_a_ddl_migration_runs_statement_by_statement_and_resumes_without_a_header(
    mysql_dsn: str, migrations_dir: Path
) -> None:
    path = sql_migration(
        migrations_dir,
        "0001",
        "ddl",
        "CREATE TABLE a (id INT PRIMARY KEY);\nINSERT INTO a VALUES (1);\nINSERT INTO missing VALUES (1);",
        "DROP TABLE a;",
    )
    config = _config(mysql_dsn, migrations_dir)
    with pytest.raises(
        PartialMigrationError, match=r"stopped at statement 3 of 3 .*statements 1-2 stay done"
    ):
        await config.migrate_up()
    assert await _versions(config) == {"0001": ("partial", 2)}
    with pytest.raises(MigrationStateError, match="--resume"):
        await config.migrate_up()
    path.write_text(path.read_text().replace("INSERT INTO missing", "INSERT INTO a"))
    path.write_text(
        path.read_text().replace(
            "INSERT INTO a VALUES (1);\nINSERT INTO a VALUES (1);",
            "INSERT INTO a VALUES (1);\nINSERT INTO a VALUES (2);",
        )
    )
    await config.migrate_up(resume=True)
    assert [row["id"] for row in await _rows(config, "SELECT id FROM a ORDER BY id")] == [1, 2]
    assert await _versions(config) == {"0001": ("applied", None)}


async def test_a_data_only_migration_stays_one_transaction(mysql_dsn: str, migrations_dir: Path) -> None:
    sql_migration(migrations_dir, "0001", "a", "CREATE TABLE a (id INT PRIMARY KEY);", "DROP TABLE a;")
    sql_migration(
        migrations_dir,
        "0002",
        "data",
        "INSERT INTO a VALUES (1);\nINSERT INTO a VALUES (1);",
        "DELETE FROM a;",
        down_revision="0001",
    )
    config = _config(mysql_dsn, migrations_dir)
    with pytest.raises(Exception, match="it was rolled back"):
        await config.migrate_up()
    assert await _rows(config, "SELECT id FROM a") == []
    assert await _versions(config) == {"0001": ("applied", None)}


async def test_check_says_which_migrations_cannot_be_atomic(mysql_dsn: str, migrations_dir: Path) -> None:
    from sqlspec.migrations.check import check_migrations

    sql_migration(migrations_dir, "0001", "a", "CREATE TABLE a (id INT);", "DROP TABLE a;")
    sql_migration(
        migrations_dir, "0002", "b", "INSERT INTO a VALUES (1);", "DELETE FROM a;", down_revision="0001"
    )
    problems = await check_migrations(_config(mysql_dsn, migrations_dir).migration_engine())
    notes = {p.revision: p.message for p in problems if p.code == "not-atomic"}
    assert set(notes) == {"0001"}
    assert "statement 1 (DDL) commits by itself on mysql" in notes["0001"]


async def test_a_transactional_python_migration_running_ddl_is_refused_at_the_call(
    mysql_dsn: str, migrations_dir: Path
) -> None:
    py_migration(
        migrations_dir,
        "0001",
        "ddl",
        "def upgrade(driver):\n    driver.execute('CREATE TABLE half (id INT)')\n",
    )
    config = _config(mysql_dsn, migrations_dir)
    with pytest.raises(
        MigrationSourceError, match=re.escape("commits the migration's transaction by itself on mysql")
    ):
        await config.migrate_up()
    assert await _rows(config, "SHOW TABLES LIKE 'half'") == []


async def test_the_version_table_is_utf8mb4_with_microseconds_under_strict_sql_modes(
    mysql_dsn: str, migrations_dir: Path
) -> None:
    sql_migration(
        migrations_dir,
        "0001",
        "unicode_ok",
        "CREATE TABLE `order` (`select` INT);",
        "DROP TABLE `order`;",
        description="naïve café ✓",
    )
    config = _config(
        mysql_dsn,
        migrations_dir,
        init_command="SET SESSION sql_mode = 'TRADITIONAL,ANSI_QUOTES,ONLY_FULL_GROUP_BY,NO_ZERO_DATE'",
    )
    await config.migrate_up()
    history = await config.migration_history()
    assert [(h.revision, h.description, h.status) for h in history] == [("0001", "naïve café ✓", "applied")]
    assert history[0].applied_at is not None
    assert re.search(r"\.\d{6}\+00:00$", history[0].applied_at)
    created = (await _rows(config, "SHOW CREATE TABLE sqlspec_version"))[0]
    definition = next(value for key, value in created.items() if key.lower() == "create table")
    assert "utf8mb4" in definition
    assert "datetime(6)" in definition.lower()
    await config.migrate_down("base")
    assert await config.current_revision() is None


async def test_the_run_lock_is_held_by_the_connection_running_the_migration(
    mysql_dsn: str, migrations_dir: Path
) -> None:
    sql_migration(migrations_dir, "0001", "sleep", "DO SLEEP(2);", "")
    config = _config(mysql_dsn, migrations_dir)
    name = lock_name(mysql_dsn.rpartition("/")[2], "sqlspec_version")
    seen: list[dict[str, Any]] = []

    async def look() -> None:
        await anyio.sleep(1)
        async with config.provide_driver() as driver:
            seen.extend(
                await driver.select(
                    "SELECT p.INFO AS info FROM information_schema.PROCESSLIST p "
                    "WHERE p.ID = IS_USED_LOCK(%s)",
                    name,
                )
            )

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(look)
        await config.migrate_up()
    assert [row["info"] for row in seen] == ["DO SLEEP(2)"]


def test_the_blocking_config_applies_and_reverts(mysql_dsn: str, migrations_dir: Path) -> None:
    sql_migration(migrations_dir, "0001", "a", "CREATE TABLE a (id INT);", "DROP TABLE a;")
    config = AsyncmySyncConfig(
        connection_config={"dsn": mysql_dsn}, migration_config={"script_location": str(migrations_dir)}
    )
    assert [run.revision for run in config.migrate_up("head")] == ["0001"]
    assert config.current_revision() == "0001"
    config.migrate_down("base")
    assert config.current_revision() is None
