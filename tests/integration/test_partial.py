"""Non-transactional migrations: progress per statement, a refused upgrade, and resume."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlspec import MigrationExecutionError, MigrationSourceError, MigrationStateError, PartialMigrationError
from tests.conftest import ConfigFactory
from tests.integration.test_engine import query, tables
from tests.migration_files import py_migration, sql_migration

NON_TRANSACTIONAL = "-- transactional: false\n"


def _three_steps(folder: Path, second: str) -> Path:
    sql_migration(folder, "0001", "base", "CREATE TABLE items (id INTEGER, name TEXT);", "DROP TABLE items;")
    return sql_migration(
        folder,
        "0002",
        "steps",
        f"CREATE TABLE one (id INTEGER);\n{second}\nCREATE TABLE three (id INTEGER);",
        "DROP TABLE three;\nDROP TABLE two;\nDROP TABLE one;",
        down_revision="0001",
        extra_header=NON_TRANSACTIONAL,
    )


async def test_failure_is_recorded_refused_and_resumed(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    path = _three_steps(migrations_dir, "CREATE TABLE two (id INTEGER REFERENCES nowhere_at_all(id) x);")
    sql_migration(
        migrations_dir,
        "0003",
        "after",
        "CREATE TABLE after (id INTEGER);",
        "DROP TABLE after;",
        down_revision="0002",
    )
    config = make_config()
    with pytest.raises(PartialMigrationError) as caught:
        await config.migrate_up()
    assert (caught.value.statement, caught.value.total) == (2, 3)
    assert "statement 1 stays done" in str(caught.value)
    assert "--resume" in str(caught.value)
    assert {"items", "one"} <= await tables(config)
    assert "two" not in await tables(config)
    history = {e.revision: e.status for e in await config.migration_history()}
    assert history == {"0001": "applied", "0002": "partial", "0003": "pending"}
    assert await config.current_revision() == "0001"

    with pytest.raises(MigrationStateError, match=r"0002 .*partly applied: 1 statement\(s\) ran"):
        await config.migrate_up()
    with pytest.raises(MigrationStateError, match="partly applied"):
        await config.migrate_down("base")

    path.write_text(path.read_text().replace("CREATE TABLE one", "CREATE TABLE uno"))
    with pytest.raises(MigrationSourceError, match="statement 1 already ran but changed since"):
        await config.migrate_up(resume=True)

    path.write_text(
        path.read_text()
        .replace("CREATE TABLE uno", "CREATE TABLE one")
        .replace("REFERENCES nowhere_at_all(id) x", "")
    )
    runs = await config.migrate_up(resume=True)
    assert [r.revision for r in runs] == ["0002", "0003"]
    assert {"one", "two", "three", "after"} <= await tables(config)
    rows = {row.version: row for row in await config.applied_migrations()}
    assert rows["0002"].status == "applied"
    assert rows["0002"].progress is None
    await config.migrate_down("0001")
    assert not {"one", "two", "three", "after"} & await tables(config)


async def test_statements_that_need_autocommit_are_refused_before_anything_runs(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    config = make_config()
    if config.dialect.name == "mysql":
        pytest.skip("MySQL refuses no statement inside a transaction (its DDL commits instead)")
    statement = (
        "CREATE INDEX CONCURRENTLY t_id ON t (id);" if config.dialect.name == "postgres" else "VACUUM;"
    )
    sql_migration(migrations_dir, "0001", "t", "CREATE TABLE t (id INTEGER);")
    sql_migration(migrations_dir, "0002", "needs_autocommit", f"SELECT 1;\n{statement}", down_revision="0001")
    with pytest.raises(
        MigrationSourceError, match=r"upgrade statement 2 \(.*\) cannot run inside a transaction"
    ):
        await config.migrate_up()
    assert await tables(config) == set()


@pytest.mark.postgres
async def test_failed_concurrent_index_names_its_invalid_leftover(
    postgres_dsn: str, migrations_dir: Path
) -> None:
    from sqlspec.adapters.asyncpg import AsyncpgConfig

    sql_migration(migrations_dir, "0001", "t", "CREATE TABLE t (n INTEGER);\nINSERT INTO t VALUES (1), (1);")
    sql_migration(
        migrations_dir,
        "0002",
        "unique",
        "CREATE UNIQUE INDEX CONCURRENTLY t_n ON t (n);",
        down_revision="0001",
        extra_header=NON_TRANSACTIONAL,
    )
    config = AsyncpgConfig(
        connection_config={"dsn": postgres_dsn}, migration_config={"script_location": str(migrations_dir)}
    )
    with pytest.raises(PartialMigrationError, match=r"invalid index.*t_n: DROP INDEX CONCURRENTLY"):
        await config.migrate_up()
    await query(config, "DELETE FROM t WHERE ctid = (SELECT max(ctid) FROM t)")
    async with config.provide_driver() as driver:
        await driver.execute("DROP INDEX CONCURRENTLY t_n")
    assert [r.revision for r in await config.migrate_up(resume=True)] == ["0002"]
    assert await query(config, "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_n'::regclass") == [
        {"indisvalid": True}
    ]


async def test_a_python_migration_outside_a_transaction_that_fails_is_recorded_and_resumed_whole(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    body = (
        "transactional = False\n\n"
        "async def upgrade(driver):\n"
        "    await driver.execute('CREATE TABLE one (id INTEGER)')\n"
        "    await driver.execute('INSERT INTO nowhere_at_all VALUES (1)')\n\n"
        "async def downgrade(driver):\n"
        "    await driver.execute('DROP TABLE one')\n"
    )
    path = py_migration(migrations_dir, "0001", "steps", body)
    config = make_config()
    with pytest.raises(PartialMigrationError, match=r"failed part-way.*runs it again from the start"):
        await config.migrate_up()
    assert "one" in await tables(config)  # what ran before the failure stays done, and says so
    assert [(e.revision, e.status) for e in await config.migration_history()] == [("0001", "partial")]
    with pytest.raises(MigrationStateError, match=r"0001 .*partly applied: it stopped part-way"):
        await config.migrate_up()

    path.write_text(
        path.read_text()
        .replace("CREATE TABLE one", "CREATE TABLE IF NOT EXISTS one")
        .replace("INSERT INTO nowhere_at_all VALUES (1)", "INSERT INTO one VALUES (1)")
    )
    assert [r.revision for r in await config.migrate_up(resume=True)] == ["0001"]
    assert await query(config, "SELECT id FROM one") == [{"id": 1}]
    assert await config.current_revision() == "0001"


async def test_a_failed_downgrade_outside_a_transaction_says_how_to_recover(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    sql_migration(
        migrations_dir,
        "0001",
        "pair",
        "CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);",
        "DROP TABLE a;\nDROP TABLE nowhere_at_all;\nDROP TABLE b;",
        extra_header=NON_TRANSACTIONAL,
    )
    config = make_config()
    await config.migrate_up()
    with pytest.raises(MigrationExecutionError, match=r"still recorded as applied.*run the downgrade again"):
        await config.migrate_down("base")
    assert await config.current_revision() == "0001"
