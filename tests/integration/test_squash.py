"""Squashed migrations on real databases at every point of the range: none, part, all, past it."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from sqlspec.config import AsyncDatabaseConfig
from sqlspec.exceptions import MigrationSourceError, MigrationStateError, TargetError
from sqlspec.migrations.squash_write import plan_squash, verify_squash
from tests.conftest import ConfigFactory
from tests.migration_files import py_migration, sql_migration


def _history(folder: Path) -> None:
    """0001..0003 (the range to squash: a table, a column, a seed row) and 0004 after it."""
    sql_migration(
        folder, "0001", "users", "CREATE TABLE users (id INTEGER PRIMARY KEY);", "DROP TABLE users;"
    )
    sql_migration(
        folder,
        "0002",
        "email",
        "ALTER TABLE users ADD COLUMN email VARCHAR(100);",
        "ALTER TABLE users DROP COLUMN email;",
        down_revision="0001",
    )
    sql_migration(
        folder,
        "0003",
        "seed",
        "INSERT INTO users (id, email) VALUES (1, 'a@example.com');",
        "DELETE FROM users WHERE id = 1;",
        down_revision="0002",
    )
    sql_migration(
        folder, "0004", "tags", "CREATE TABLE tags (id INTEGER);", "DROP TABLE tags;", down_revision="0003"
    )


def _squash(config: AsyncDatabaseConfig) -> Path:
    plan = plan_squash(config.migration_engine(), "0001", "0003", "initial schema")
    plan.path.write_text(plan.text)
    return plan.path


def _delete_originals(folder: Path) -> None:
    for name in ("0001_users.sql", "0002_email.sql", "0003_seed.sql"):
        (folder / name).unlink()


async def _users(config: AsyncDatabaseConfig) -> list[int]:
    async with config.provide_driver() as driver:
        return [int(row["id"]) for row in await driver.select("SELECT id FROM users")]


async def _rows(config: AsyncDatabaseConfig) -> list[tuple[str, str]]:
    return [(row.version, row.script) for row in await config.applied_migrations()]


async def test_a_fresh_database_runs_the_squash_not_the_originals(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    config = make_config()
    _history(migrations_dir)
    squash = _squash(config)
    runs = await config.migrate_up()
    assert [run.revision for run in runs] == ["0003", "0004"]
    assert await _rows(config) == [("0003", squash.name), ("0004", "0004_tags.sql")]
    assert await _users(config) == [1]


async def test_a_database_part_way_runs_the_remaining_originals_once(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    config = make_config()
    _history(migrations_dir)
    await config.migrate_up("0001")
    _squash(config)
    runs = await config.migrate_up()
    assert [run.revision for run in runs] == ["0002", "0003", "0004"]
    assert await _users(config) == [1]  # the seed ran once: not again through the squash
    assert [version for version, _ in await _rows(config)] == ["0001", "0002", "0003", "0004"]


async def test_part_way_with_the_originals_gone_is_refused_and_changes_nothing(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    config = make_config()
    _history(migrations_dir)
    await config.migrate_up("0001")
    _squash(config)
    _delete_originals(migrations_dir)
    with pytest.raises(MigrationStateError, match=r"applied part of the range 0001\.\.0003 .* restore them"):
        await config.migrate_up()
    assert await _rows(config) == [("0001", "0001_users.sql")]


async def test_a_database_past_the_range_folds_its_rows_once_the_originals_are_gone(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    config = make_config()
    _history(migrations_dir)
    await config.migrate_up()
    squash = _squash(config)
    assert await config.migrate_up() == []  # nothing pending, originals still there
    assert [e.status for e in await config.migration_history()] == ["applied"] * 4
    _delete_originals(migrations_dir)
    assert await config.current_revision() == "0004"
    assert [e.status for e in await config.migration_history()] == [
        "squashed",
        "squashed",
        "applied",
        "applied",
    ]
    assert [p for p in await config.check() if p.severity == "error"] == []
    await config.stamp()  # any run under the lock folds the rows: stamp has nothing else to do
    assert await _rows(config) == [("0003", squash.name), ("0004", "0004_tags.sql")]
    assert [p for p in await config.check() if p.severity != "note"] == []  # no drift on the adopted row
    assert [run.revision for run in await config.migrate_down("base")] == ["0004", "0003"]
    assert await _rows(config) == []


async def test_a_downgrade_into_the_range_is_refused(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    config = make_config()
    _history(migrations_dir)
    _squash(config)
    await config.migrate_up()
    with pytest.raises(TargetError, match=r"0002 is inside the range 0001\.\.0003"):
        await config.migrate_down("0002")
    assert [version for version, _ in await _rows(config)] == ["0003", "0004"]


async def test_the_squash_is_verified_against_the_range(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    config = make_config()
    _history(migrations_dir)
    plan = plan_squash(config.migration_engine(), "0001", "0003", "initial schema")
    assert await verify_squash(config, plan) == []
    broken = plan.text.replace(
        "CREATE TABLE users (id INTEGER PRIMARY KEY);",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, extra INTEGER);",
    )
    differences = await verify_squash(config, msgspec.structs.replace(plan, text=broken))
    assert differences
    assert "after the originals" in differences[0]


def test_a_python_or_non_transactional_migration_in_the_range_is_refused_by_name(
    tmp_path: Path, migrations_dir: Path
) -> None:
    from sqlspec.adapters.aiosqlite import AiosqliteConfig

    config = AiosqliteConfig(
        connection_config={"database": str(tmp_path / "app.db")},
        migration_config={"script_location": str(migrations_dir)},
    )
    sql_migration(migrations_dir, "0001", "users", "CREATE TABLE users (id INTEGER);", "DROP TABLE users;")
    py_migration(
        migrations_dir,
        "0002",
        "seed",
        "def upgrade(driver):\n    pass\n\ndef downgrade(driver):\n    pass\n",
        down_revision="0001",
    )
    sql_migration(
        migrations_dir,
        "0003",
        "vacuum",
        "CREATE TABLE t (id INTEGER);",
        "DROP TABLE t;",
        down_revision="0002",
        extra_header="-- transactional: false\n",
    )
    with pytest.raises(MigrationSourceError, match=r"0002_seed\.py.*Python migration"):
        plan_squash(config.migration_engine(), "0001", "0002", "x")
    sql_migration(
        migrations_dir, "0004", "t2", "CREATE TABLE t2 (id INTEGER);", "DROP TABLE t2;", down_revision="0003"
    )
    with pytest.raises(MigrationSourceError, match=r"0003_vacuum\.sql.*transactional: false"):
        plan_squash(config.migration_engine(), "0003", "0004", "x")


@pytest.mark.parametrize(
    "make_config", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_a_squash_of_200_migrations_gives_the_historys_schema(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    config = make_config()
    for i in range(1, 201):
        revision, down = f"{i:04d}", f"{i - 1:04d}" if i > 1 else None
        if i % 3 == 0:  # every third changes an earlier table, so order matters
            up, back = (
                f"ALTER TABLE t{i - 1} ADD COLUMN c{i} INTEGER;",
                f"ALTER TABLE t{i - 1} DROP COLUMN c{i};",
            )
        else:
            up = f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name VARCHAR(20));\n"
            up += f"CREATE INDEX ix{i} ON t{i} (name);"
            back = f"DROP INDEX ix{i};\nDROP TABLE t{i};"
        sql_migration(migrations_dir, revision, f"step_{i}", up, back, down_revision=down)
    plan = plan_squash(config.migration_engine(), "0001", "0200", "two hundred")
    assert await verify_squash(config, plan) == []  # same schema as the 200 files, and a clean downgrade
    plan.path.write_text(plan.text)
    async with config.scratch_database() as fresh:
        assert [run.revision for run in await fresh.migrate_up()] == ["0200"]
        text = (await fresh.schema_snapshot()).render()
    assert text.count("\ntable ") == 134


async def test_a_database_that_ran_the_squash_needs_nothing_more(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    """Its check is clean (the originals beside the squash are not pending for it), strict included."""
    config = make_config()
    _history(migrations_dir)
    squash = _squash(config)
    await config.migrate_up()
    problems = await config.check()
    assert [p.severity for p in problems if p.code == "squash-originals"] == ["note"]
    assert [p for p in problems if p.severity != "note"] == []
    assert str(squash.name) in next(p.message for p in problems if p.code == "squash-originals")


async def test_an_up_to_date_upgrade_folds_the_rows_once_the_originals_are_gone(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    config = make_config()
    _history(migrations_dir)
    await config.migrate_up()
    squash = _squash(config)
    _delete_originals(migrations_dir)
    assert await config.migrate_up() == []  # nothing to run, but the rows are folded
    rows = await config.applied_migrations()
    assert [(row.version, row.script, row.description) for row in rows] == [
        ("0003", squash.name, "initial schema"),
        ("0004", "0004_tags.sql", "tags"),
    ]


async def test_an_upgrade_to_a_revision_inside_the_squash_says_so(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    config = make_config()
    _history(migrations_dir)
    _squash(config)
    with pytest.raises(
        TargetError, match=r"0002 is inside the range 0001\.\.0003 .* upgrade to 0003 or beyond"
    ):
        await config.migrate_up("0002")
    assert await config.applied_migrations() == []


async def test_two_upgrades_racing_to_fold_the_rows_fold_them_once(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    """The fold runs under the run lock: the second upgrade reads the folded table and does nothing."""
    import anyio

    config = make_config()
    _history(migrations_dir)
    await config.migrate_up()
    squash = _squash(config)
    _delete_originals(migrations_dir)
    results: list[list[object]] = []

    async def upgrade() -> None:
        results.append(list(await make_config().migrate_up()))  # its own config: its own connection

    async with anyio.create_task_group() as racers:
        racers.start_soon(upgrade)
        racers.start_soon(upgrade)
    assert results == [[], []]
    assert await _rows(config) == [("0003", squash.name), ("0004", "0004_tags.sql")]
    assert await _users(config) == [1]  # nothing ran again
