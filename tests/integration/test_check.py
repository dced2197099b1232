"""``check`` and ``fix`` against real databases: every problem in one run, and teammates reconciled."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sqlspec import AsyncDatabaseConfig, MigrationError
from sqlspec.migrations.check import Problem, check_migrations
from sqlspec.migrations.fix import apply_fix, plan_fix
from tests.conftest import ConfigFactory
from tests.integration.test_engine import query, tables
from tests.migration_files import py_migration, sql_migration

USERS = "20251115120000"


async def findings(config: AsyncDatabaseConfig) -> list[Problem]:
    """What check reports, less its notes (MySQL explains which migrations cannot be atomic)."""
    return [p for p in await check_migrations(config.migration_engine()) if p.severity != "note"]


async def test_a_clean_project_has_no_problems_and_check_writes_nothing(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    sql_migration(migrations_dir, "0001", "a", "CREATE TABLE a (id INTEGER);", "DROP TABLE a;")
    sql_migration(
        migrations_dir, "0002", "b", "CREATE TABLE b (id INTEGER);", "DROP TABLE b;", down_revision="0001"
    )
    config = make_config()
    assert await findings(config) == []
    assert await tables(config) == set()  # not even the version table
    await config.migrate_up()
    assert await findings(config) == []


async def test_every_problem_is_reported_in_one_run(make_config: ConfigFactory, migrations_dir: Path) -> None:
    sql_migration(migrations_dir, "0001", "a", "CREATE TABLE a (id INTEGER);", "DROP TABLE a;")
    sql_migration(migrations_dir, "0002", "gone", "CREATE TABLE gone (id INTEGER);", down_revision="0001")
    config = make_config()
    await config.migrate_up()
    (migrations_dir / "0001_a.sql").write_text(
        (migrations_dir / "0001_a.sql").read_text().replace("(id INTEGER)", "(id BIGINT)")
    )
    (migrations_dir / "0002_gone.sql").unlink()
    sql_migration(
        migrations_dir, "0003", "no_way_back", "CREATE TABLE c (id INTEGER);", None, down_revision="0001"
    )
    sql_migration(migrations_dir, "0004", "fork_one", "SELECT 1;", down_revision="0003")
    sql_migration(migrations_dir, "0005", "fork_two", "SELECT 1;", down_revision="0003")
    sql_migration(migrations_dir, "0006", "unknown", "SELECT 1;", down_revision="0042")
    (migrations_dir / "0007_mismatch.sql").write_text(
        "-- revision: 0008\n-- down_revision: 0006\n-- upgrade --\n"
    )
    sql_migration(migrations_dir, "0009", "dup", "SELECT 1;", down_revision="0007")
    py_migration(migrations_dir, "0009", "dup", "def upgrade(driver):\n    pass\n", down_revision="0007")
    (migrations_dir / "not-a-migration.sql").write_text("SELECT 1;")
    (migrations_dir / "0010_binary.sql").write_bytes(b"-- revision: 0010\n\xff\xfe")
    sql_migration(
        migrations_dir, "0011", "index", "CREATE INDEX CONCURRENTLY i ON a (id);", down_revision="0010"
    )
    sql_migration(migrations_dir, USERS, "later", "SELECT 1;", down_revision="0011")

    problems = await findings(config)
    found = {(p.severity, p.code, p.revision) for p in problems}
    assert found >= {
        ("error", "drift", "0001"),
        ("error", "missing-file", "0002"),
        ("warning", "no-downgrade", "0003"),
        ("error", "fork", "0005"),
        ("error", "chain", "0006"),
        ("error", "file", "0007"),
        ("error", "file", "0010"),
        ("warning", "timestamp", USERS),
    }, problems
    messages = "\n".join(p.message for p in problems)
    assert "revision 0009 is defined by more than one file" in messages
    assert "not-a-migration.sql: file name must be" in messages
    assert "header says revision 0008 but the file name says 0007" in messages
    assert "not valid UTF-8" in messages
    if config.dialect.name == "postgres":
        assert any(p.code == "file" and "cannot run inside a transaction" in p.message for p in problems)
    assert all("\n" not in p.message for p in problems)


async def test_a_partly_applied_migration_is_an_error(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    sql_migration(migrations_dir, "0001", "a", "CREATE TABLE a (id INTEGER);")
    sql_migration(
        migrations_dir,
        "0002",
        "half",
        "CREATE TABLE half (id INTEGER);\nINSERT INTO missing VALUES (1);",
        down_revision="0001",
        extra_header="-- transactional: false\n",
    )
    config = make_config()
    with pytest.raises(MigrationError):
        await config.migrate_up()
    problems = await findings(config)
    assert [(p.code, p.revision) for p in problems if p.severity == "error"] == [("partial", "0002")]


async def test_a_teammates_database_is_reconciled_by_upgrade_and_never_runs_twice(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    sql_migration(migrations_dir, "0001", "init", "CREATE TABLE init (id INTEGER);", "DROP TABLE init;")
    sql_migration(
        migrations_dir,
        USERS,
        "add_users",
        "CREATE TABLE users (id INTEGER);",
        "DROP TABLE users;",
        down_revision="0001",
    )
    config = make_config()
    await config.migrate_up()  # the teammate applied the migration under its timestamp
    sql_migration(  # main moved on meanwhile ...
        migrations_dir,
        "20251116000000",
        "add_posts",
        "CREATE TABLE posts (id INTEGER);",
        "DROP TABLE posts;",
        down_revision=USERS,
    )
    apply_fix(plan_fix(migrations_dir))  # ... and the branch was fixed before merging
    assert sorted(path.name for path in os.scandir(migrations_dir)) == [
        "0001_init.sql",
        "0002_add_users.sql",
        "0003_add_posts.sql",
    ]
    problems = await findings(config)
    assert [(p.severity, p.code, p.revision) for p in problems] == [("warning", "renamed", USERS)]

    await config.migrate_up()  # would fail with "users already exists" if it ran 0002 again
    rows = await query(config, "SELECT version_num FROM sqlspec_version ORDER BY install_order")
    assert [row["version_num"] for row in rows] == ["0001", "0002", "0003"]
    assert await tables(config) >= {"users", "posts"}
    assert await findings(config) == []
    await config.migrate_down("base")
    assert await tables(config) == {"sqlspec_version"}


async def test_a_row_matching_two_identical_files_is_never_guessed(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    body = "CREATE TABLE IF NOT EXISTS t (id INTEGER);"
    sql_migration(migrations_dir, USERS, "same", body)
    config = make_config()
    await config.migrate_up()
    (migrations_dir / f"{USERS}_same.sql").unlink()
    sql_migration(migrations_dir, "0001", "same", body)
    sql_migration(migrations_dir, "0002", "same", body, down_revision="0001")
    with pytest.raises(MigrationError, match="matches several files"):
        await config.migrate_up()
    rows = await query(config, "SELECT version_num FROM sqlspec_version")
    assert [row["version_num"] for row in rows] == [USERS]


async def test_a_row_is_renamed_only_to_the_file_with_its_slug(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    body = "CREATE TABLE IF NOT EXISTS t (id INTEGER);"
    sql_migration(migrations_dir, USERS, "mine", body)
    config = make_config()
    await config.migrate_up()
    (migrations_dir / f"{USERS}_mine.sql").unlink()
    sql_migration(migrations_dir, "0001", "theirs", body)
    sql_migration(migrations_dir, "0002", "mine", body, down_revision="0001")
    await config.migrate_up()
    rows = await query(config, "SELECT version_num, script FROM sqlspec_version ORDER BY install_order")
    assert [(row["version_num"], row["script"]) for row in rows] == [
        ("0002", "0002_mine.sql"),
        ("0001", "0001_theirs.sql"),
    ]


async def test_two_branches_that_both_took_0002_are_reconciled_after_renumbering(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    sql_migration(migrations_dir, "0001", "init", "CREATE TABLE init (id INTEGER);", "DROP TABLE init;")
    theirs = sql_migration(
        migrations_dir, "0002", "b_col", "CREATE TABLE b (id INTEGER);", "DROP TABLE b;", down_revision="0001"
    )
    config = make_config()
    await config.migrate_up()  # developer B applied their 0002
    theirs.unlink()  # the merge: A's 0002 stays, B's file is renumbered to 0003
    sql_migration(
        migrations_dir, "0002", "a_col", "CREATE TABLE a (id INTEGER);", "DROP TABLE a;", down_revision="0001"
    )
    sql_migration(
        migrations_dir, "0003", "b_col", "CREATE TABLE b (id INTEGER);", "DROP TABLE b;", down_revision="0002"
    )
    problems = await findings(config)
    assert [(p.severity, p.code, p.revision) for p in problems] == [("warning", "renamed", "0002")]

    await config.migrate_up()  # B's row moves to 0003; A's 0002 runs; B's table is not created twice
    rows = await query(config, "SELECT version_num, script FROM sqlspec_version ORDER BY install_order")
    assert [(row["version_num"], row["script"]) for row in rows] == [
        ("0001", "0001_init.sql"),
        ("0003", "0003_b_col.sql"),
        ("0002", "0002_a_col.sql"),
    ]
    assert await findings(config) == []


async def test_a_number_reused_with_other_content_is_named_not_called_drift(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    sql_migration(migrations_dir, "0001", "mine", "CREATE TABLE mine (id INTEGER);")
    config = make_config()
    await config.migrate_up()
    (migrations_dir / "0001_mine.sql").unlink()
    sql_migration(migrations_dir, "0001", "theirs", "CREATE TABLE theirs (id INTEGER);")
    problems = await findings(config)
    assert [(p.code, p.revision) for p in problems] == [("renumbered", "0001")]
    assert "0001 was applied as 0001_mine.sql, but 0001_theirs.sql has that revision" in problems[0].message
