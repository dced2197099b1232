"""The stairway test (up, down, up) and schema snapshots, on real SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import re
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from sqlspec.config import AsyncDatabaseConfig
from sqlspec.driver import AsyncDriver
from sqlspec.migrations.stairway import run_stairway
from sqlspec.schema import Snapshot, diff_snapshots
from tests.conftest import ConfigFactory
from tests.migration_files import sql_migration

USERS = "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100), age INTEGER)"


def _history(folder: Path, *, index_down: str, column_down: str) -> None:
    sql_migration(folder, "0001", "users", f"{USERS};", "DROP TABLE users;")
    sql_migration(
        folder,
        "0002",
        "email_index",
        "CREATE INDEX users_email ON users (email);",
        index_down,
        down_revision="0001",
    )
    sql_migration(
        folder,
        "0003",
        "nickname",
        "ALTER TABLE users ADD COLUMN nickname VARCHAR(50);",
        column_down,
        down_revision="0002",
    )


def _drop_index(config: AsyncDatabaseConfig) -> str:
    return "DROP INDEX users_email ON users;" if config.dialect.name == "mysql" else "DROP INDEX users_email;"


async def test_a_correct_history_passes_every_step(make_config: ConfigFactory, migrations_dir: Path) -> None:
    config = make_config()
    _history(
        migrations_dir, index_down=_drop_index(config), column_down="ALTER TABLE users DROP COLUMN nickname;"
    )
    async with config.scratch_database() as scratch:
        steps = await run_stairway(scratch.migration_engine())
    assert [(step.revision, step.status) for step in steps] == [
        ("0001", "passed"),
        ("0002", "passed"),
        ("0003", "passed"),
    ]


async def test_a_downgrade_that_forgets_an_index_is_named(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    config = make_config()
    _history(migrations_dir, index_down="", column_down="ALTER TABLE users DROP COLUMN nickname;")
    async with config.scratch_database() as scratch:
        steps = await run_stairway(scratch.migration_engine())
    assert [(step.revision, step.status) for step in steps] == [("0001", "passed"), ("0002", "failed")]
    failure = steps[-1]
    assert failure.stage == "restore"
    assert failure.error == "its downgrade does not restore the schema"
    assert "users_email" in "\n".join(failure.differences)


async def test_a_downgrade_that_drops_the_wrong_column_is_named(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    config = make_config()
    _history(migrations_dir, index_down=_drop_index(config), column_down="ALTER TABLE users DROP COLUMN age;")
    async with config.scratch_database() as scratch:
        steps = await run_stairway(scratch.migration_engine())
    failure = steps[-1]
    assert (failure.revision, failure.stage) == ("0003", "restore")
    diff = "\n".join(failure.differences)
    assert "table" in diff
    assert "users" in diff
    assert any(line.lstrip().startswith("-") and "age" in line for line in diff.splitlines())
    assert any(line.lstrip().startswith("+") and "nickname" in line for line in diff.splitlines())


async def test_from_tests_only_the_migrations_after_it(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    config = make_config()
    # 0002's downgrade is wrong, but --from 0002 applies it untested, as CI does for a branch's files.
    _history(migrations_dir, index_down="", column_down="ALTER TABLE users DROP COLUMN nickname;")
    async with config.scratch_database() as scratch:
        steps = await run_stairway(scratch.migration_engine(), from_revision="0002")
    assert [(step.revision, step.status) for step in steps] == [("0003", "passed")]


async def test_the_whole_run_uses_one_connection(make_config: ConfigFactory, migrations_dir: Path) -> None:
    config = make_config()
    _history(
        migrations_dir, index_down=_drop_index(config), column_down="ALTER TABLE users DROP COLUMN nickname;"
    )
    async with config.scratch_database() as scratch:
        opened: list[object] = []
        provide = scratch.provide_driver

        def counting() -> AbstractAsyncContextManager[AsyncDriver]:
            opened.append(None)
            return provide()

        scratch.provide_driver = counting  # type: ignore[method-assign]
        steps = await run_stairway(scratch.migration_engine())
    assert len(steps) == 3
    assert len(opened) == 1


async def test_a_scratch_database_is_gone_afterwards(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    config = make_config()
    sql_migration(migrations_dir, "0001", "users", f"{USERS};", "DROP TABLE users;")
    async with config.scratch_database() as scratch:
        assert scratch.connection_config != config.connection_config
        await scratch.migrate_up()
        assert await scratch.current_revision() == "0001"
    assert await config.current_revision() is None  # the configured database was never touched
    if config.dialect.name == "sqlite":
        assert not Path(scratch.connection_config["database"]).parent.exists()
    else:
        with pytest.raises(Exception, match="sqlspec_scratch_"):
            await scratch.current_revision()


async def test_a_snapshot_is_byte_identical_for_two_databases_migrated_alike(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    config = make_config()
    _history(
        migrations_dir, index_down=_drop_index(config), column_down="ALTER TABLE users DROP COLUMN nickname;"
    )
    texts = []
    for _ in range(2):
        async with config.scratch_database() as scratch:
            await scratch.migrate_up()
            texts.append((await scratch.schema_snapshot()).render())
    assert texts[0] == texts[1]
    assert "users_email" in texts[0]
    assert "nickname" in texts[0]
    assert "sqlspec_version" not in texts[0]  # sqlspec's own table is not the app's schema
    assert Snapshot.parse(texts[0]).render() == texts[0]


async def test_drift_made_by_hand_is_named(make_config: ConfigFactory, migrations_dir: Path) -> None:
    config = make_config()
    sql_migration(migrations_dir, "0001", "users", f"{USERS};", "DROP TABLE users;")
    await config.migrate_up()
    committed = await config.schema_snapshot()
    async with config.provide_driver() as driver:
        await driver.execute("ALTER TABLE users ADD COLUMN hotfix INTEGER")
        await driver.execute("CREATE TABLE audit (id INTEGER)")
    differences = diff_snapshots(committed, await config.schema_snapshot())
    described = [d.describe("in the snapshot", "in the database") for d in differences]
    assert len(described) == 2
    assert re.fullmatch(r"table (public\.)?audit: only in the database", described[0])
    assert "users: differs" in described[1]
    assert "hotfix" in described[1]
