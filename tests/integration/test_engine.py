"""The engine end to end on real SQLite and PostgreSQL databases, as the guide's users drive it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sqlspec import (
    AsyncDatabaseConfig,
    IrreversibleMigrationError,
    MigrationExecutionError,
    MigrationSourceError,
    RevisionNotFoundError,
    TargetError,
)
from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec.migrations.files import CHECKSUM_ALGORITHM
from tests.conftest import ConfigFactory
from tests.migration_files import py_migration, sql_migration
from tests.unit.migrations.test_files import GUIDE_PY, GUIDE_SQL


async def tables(config: AsyncDatabaseConfig) -> set[str]:
    """The user tables of the config's database."""
    sql = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
        "postgres": "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'",
        "mysql": "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()",
    }[config.dialect.name]
    async with config.provide_driver() as driver:
        return {row["name"] for row in await driver.select(sql)}


async def query(config: AsyncDatabaseConfig, sql: str, *params: Any) -> list[dict[str, Any]]:
    async with config.provide_driver() as driver:
        return await driver.select(sql, *params)


def three_tables(folder: Path) -> None:
    for number, name in enumerate(["a", "b", "c"], start=1):
        sql_migration(
            folder,
            f"000{number}",
            f"create_{name}",
            f"CREATE TABLE {name} (id INTEGER PRIMARY KEY);",
            f"DROP TABLE {name};",
            down_revision=f"000{number - 1}" if number > 1 else None,
        )


async def test_the_guides_sql_migration_up_and_down(make_config: ConfigFactory, migrations_dir: Path) -> None:
    if make_config().dialect.name == "mysql":
        pytest.skip(
            "the guide's `DROP INDEX name` is not MySQL syntax (MySQL wants `DROP INDEX name ON table`)"
        )
    (migrations_dir / "0001_add_users_table.sql").write_text(GUIDE_SQL)
    config = make_config()
    runs = await config.migrate_up("head")
    assert [(r.revision, r.description, r.direction) for r in runs] == [
        ("0001", "Add users table", "upgrade")
    ]
    assert "users" in await tables(config)
    assert await config.current_revision() == "0001"
    await config.migrate_down("-1")
    assert "users" not in await tables(config)
    assert await config.current_revision() is None


async def test_the_guides_python_migration_up_and_down(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    if make_config().dialect.name == "mysql":
        pytest.skip("the guide's Python migration runs DDL in a transaction: refused on MySQL (test_mysql)")
    (migrations_dir / "0001_add_users_table.py").write_text(GUIDE_PY)
    config = make_config()
    await config.migrate_up()
    assert "users" in await tables(config)
    await config.migrate_down("base")
    assert "users" not in await tables(config)


async def test_read_only_operations_never_create_the_version_table(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    three_tables(migrations_dir)
    config = make_config()
    assert await config.current_revision() is None
    assert [e.status for e in await config.migration_history()] == ["pending"] * 3
    assert await config.migrate_down("base") == []
    assert await tables(config) == set()


async def test_upgrade_to_a_revision_then_by_steps(make_config: ConfigFactory, migrations_dir: Path) -> None:
    three_tables(migrations_dir)
    config = make_config()
    assert [r.revision for r in await config.migrate_up("0002")] == ["0001", "0002"]
    assert await tables(config) == {"a", "b", "sqlspec_version"}
    assert await config.migrate_up("0002") == []
    assert [r.revision for r in await config.migrate_up("+1")] == ["0003"]
    assert [r.revision for r in await config.migrate_down("0001")] == ["0003", "0002"]
    assert await tables(config) == {"a", "sqlspec_version"}


async def test_nothing_is_applied_twice(make_config: ConfigFactory, migrations_dir: Path) -> None:
    sql_migration(migrations_dir, "0001", "t", "CREATE TABLE t (n INTEGER);")
    sql_migration(
        migrations_dir, "0002", "row", "INSERT INTO t (n) VALUES (1);", "DELETE FROM t;", down_revision="0001"
    )
    config = make_config()
    await config.migrate_up()
    assert await config.migrate_up() == []
    assert await config.migrate_up("head") == []
    assert await query(config, "SELECT count(*) AS n FROM t") == [{"n": 1}]


async def test_version_rows_record_what_users_audit(make_config: ConfigFactory, migrations_dir: Path) -> None:
    (migrations_dir / "0001_add_users_table.sql").write_text(GUIDE_SQL)
    py_migration(migrations_dir, "0002", "noop", "def upgrade(driver):\n    pass\n", down_revision="0001")
    config = make_config()
    before = datetime.now(UTC)
    await config.migrate_up()
    rows = await config.applied_migrations()
    assert [(r.version, r.type, r.install_order) for r in rows] == [("0001", "sql", 1), ("0002", "py", 2)]
    first = rows[0]
    assert first.description == "Add users table"
    assert len(first.checksum) == 64
    assert first.checksum_algorithm == CHECKSUM_ALGORITHM
    assert "@" in first.applied_by
    assert first.execution_ms >= 0
    assert first.applied_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=5) <= first.applied_at <= datetime.now(UTC) + timedelta(seconds=5)


async def test_version_column_holds_long_extension_revisions(make_config: ConfigFactory) -> None:
    config = make_config()
    store = config.migration_engine()._store
    version = f"ext_{'x' * 200}_20251115120000"
    async with config.provide_driver() as driver:
        await store.ensure_table(driver)
        await store.insert(
            driver,
            version=version,
            script=f"{version}.sql",
            description="d",
            kind="sql",
            checksum="0" * 64,
            checksum_algorithm=CHECKSUM_ALGORITHM,
            execution_ms=1,
        )
        assert [r.version for r in await store.applied(driver)] == [version]


async def test_failing_statement_rolls_back_its_migration_and_keeps_earlier_ones(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    if make_config().dialect.name == "mysql":
        pytest.skip(
            "MySQL's DDL commits implicitly, so this migration runs statement by statement (see test_mysql)"
        )
    sql_migration(migrations_dir, "0001", "good", "CREATE TABLE good (id INTEGER);")
    bad = sql_migration(
        migrations_dir,
        "0002",
        "bad",
        "CREATE TABLE half (id INTEGER);\nINSERT INTO no_such_table VALUES (1);",
        down_revision="0001",
    )
    config = make_config()
    with pytest.raises(MigrationExecutionError) as caught:
        await config.migrate_up()
    error = caught.value
    assert (error.revision, error.path, error.statement) == ("0002", bad, 2)
    assert "no_such_table" in str(error)
    assert "statement 2" in str(error)
    assert await tables(config) == {"good", "sqlspec_version"}
    assert await config.current_revision() == "0001"


async def test_empty_upgrade_is_a_recorded_no_op(make_config: ConfigFactory, migrations_dir: Path) -> None:
    sql_migration(migrations_dir, "0001", "nothing", "-- nothing to do yet\n")
    config = make_config()
    assert [r.revision for r in await config.migrate_up()] == ["0001"]
    assert await config.migrate_up() == []
    assert await config.current_revision() == "0001"


async def test_downgrade_through_a_missing_downgrade_changes_nothing(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    sql_migration(migrations_dir, "0001", "one_way", "CREATE TABLE kept (id INTEGER);", downgrade=None)
    sql_migration(
        migrations_dir,
        "0002",
        "two",
        "CREATE TABLE two (id INTEGER);",
        "DROP TABLE two;",
        down_revision="0001",
    )
    config = make_config()
    await config.migrate_up()
    with pytest.raises(IrreversibleMigrationError, match="0001"):
        await config.migrate_down("base")
    assert await tables(config) == {"kept", "two", "sqlspec_version"}
    assert await config.current_revision() == "0002"


async def test_a_broken_pending_file_stops_everything_before_it_runs(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    sql_migration(migrations_dir, "0001", "fine", "CREATE TABLE fine (id INTEGER);")
    (migrations_dir / "0002_broken.sql").write_text(
        "-- revision: 0003\n-- down_revision: 0001\n-- upgrade --\n"
    )
    config = make_config()
    with pytest.raises(MigrationSourceError, match=r"0002_broken\.sql"):
        await config.migrate_up()
    assert await tables(config) == set()


async def test_unknown_down_revision_is_refused(make_config: ConfigFactory, migrations_dir: Path) -> None:
    sql_migration(migrations_dir, "0001", "x", "CREATE TABLE x (id INTEGER);", down_revision="0000")
    with pytest.raises(MigrationSourceError, match="down_revision 0000 matches no migration file"):
        await make_config().migrate_up()


@pytest.mark.parametrize(("up", "down"), [("0009", None), ("+4", None), (None, "-4"), (None, "0009")])
async def test_unreachable_targets_are_refused_before_anything_runs(
    make_config: ConfigFactory, migrations_dir: Path, up: str | None, down: str | None
) -> None:
    three_tables(migrations_dir)
    config = make_config()
    if down is not None:
        await config.migrate_up("0003")
    before = await tables(config)
    with pytest.raises((TargetError, RevisionNotFoundError)):
        await (config.migrate_up(up) if up is not None else config.migrate_down(down or ""))
    assert await tables(config) == before


async def test_sync_and_async_python_migrations_share_the_transaction(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    sql_migration(migrations_dir, "0001", "items", "CREATE TABLE items (n INTEGER);", "DROP TABLE items;")
    config = make_config()
    p = config.dialect.placeholder(1)
    py_migration(
        migrations_dir,
        "0002",
        "seed_sync",
        f"def upgrade(driver):\n"
        f"    for n in (1, 2, 3):\n"
        f"        driver.execute('INSERT INTO items (n) VALUES ({p})', n)\n"
        f"    assert driver.select_value('SELECT count(*) FROM items') == 3\n\n"
        f"def downgrade(driver):\n"
        f"    driver.execute('DELETE FROM items')\n",
        down_revision="0001",
    )
    py_migration(
        migrations_dir,
        "0003",
        "seed_async",
        f"async def upgrade(driver):\n"
        f"    total = await driver.select_value('SELECT sum(n) FROM items')\n"
        f"    await driver.execute('INSERT INTO items (n) VALUES ({p})', total * 10)\n"
        f"    rows = await driver.select('SELECT n FROM items ORDER BY n')\n"
        f"    assert [r['n'] for r in rows] == [1, 2, 3, 60]\n\n"
        f"async def downgrade(driver):\n"
        f"    await driver.execute('DELETE FROM items WHERE n = 60')\n",
        down_revision="0002",
    )
    py_migration(
        migrations_dir,
        "0004",
        "fails_late",
        "def upgrade(driver):\n"
        "    driver.execute('INSERT INTO items (n) VALUES (99)')\n"
        "    raise RuntimeError('data check failed')\n",
        down_revision="0003",
    )
    with pytest.raises(MigrationExecutionError, match="RuntimeError: data check failed"):
        await config.migrate_up()
    assert [r["n"] for r in await query(config, "SELECT n FROM items ORDER BY n")] == [1, 2, 3, 60]
    assert await config.current_revision() == "0003"
    await config.migrate_down("0001")
    assert await query(config, "SELECT n FROM items") == []


async def test_python_migration_import_error_names_the_file(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    py_migration(
        migrations_dir, "0001", "x", "import no_such_module_here\n\ndef upgrade(driver):\n    pass\n"
    )
    config = make_config()
    with pytest.raises(MigrationSourceError, match=r"0001_x\.py: importing it failed: ModuleNotFoundError"):
        await config.migrate_up()
    assert await config.current_revision() is None


async def test_history_lists_applied_then_pending(make_config: ConfigFactory, migrations_dir: Path) -> None:
    three_tables(migrations_dir)
    config = make_config()
    await config.migrate_up("0001")
    history = await config.migration_history()
    assert [(e.revision, e.status) for e in history] == [
        ("0001", "applied"),
        ("0002", "pending"),
        ("0003", "pending"),
    ]
    assert history[0].applied_at is not None
    (migrations_dir / "0001_create_a.sql").unlink()
    first = (await config.migration_history())[0]
    assert (first.revision, first.status) == ("0001", "missing")


@pytest.mark.postgres
async def test_plpgsql_function_and_trigger_with_dollar_quotes(
    postgres_dsn: str, migrations_dir: Path
) -> None:
    from sqlspec.adapters.asyncpg import AsyncpgConfig

    sql_migration(
        migrations_dir,
        "0001",
        "audit",
        """
CREATE TABLE accounts (id SERIAL PRIMARY KEY, note TEXT, updated TEXT);
CREATE FUNCTION touch() RETURNS trigger AS $body$
BEGIN
    NEW.updated := 'touched; by trigger';  -- a semicolon inside
    RETURN NEW;
END;
$body$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_touch BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
DO $$ BEGIN INSERT INTO accounts (note) VALUES ('it''s; fine'); END $$;
""",
        "DROP TABLE accounts;\nDROP FUNCTION touch();",
    )
    config = AsyncpgConfig(
        connection_config={"dsn": postgres_dsn}, migration_config={"script_location": str(migrations_dir)}
    )
    await config.migrate_up()
    assert await query(config, "SELECT note, updated FROM accounts") == [
        {"note": "it's; fine", "updated": "touched; by trigger"}
    ]
    await config.migrate_down("base")
    assert await tables(config) == {"sqlspec_version"}


@pytest.mark.postgres
async def test_non_transactional_migration_runs_create_index_concurrently(
    postgres_dsn: str, migrations_dir: Path
) -> None:
    from sqlspec.adapters.asyncpg import AsyncpgConfig

    sql_migration(migrations_dir, "0001", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    sql_migration(
        migrations_dir,
        "0002",
        "idx",
        "CREATE INDEX CONCURRENTLY t_id ON t (id);",
        "DROP INDEX CONCURRENTLY t_id;",
        down_revision="0001",
        extra_header="-- transactional: false\n",
    )
    config = AsyncpgConfig(
        connection_config={"dsn": postgres_dsn}, migration_config={"script_location": str(migrations_dir)}
    )
    await config.migrate_up()
    assert await query(config, "SELECT indexname FROM pg_indexes WHERE indexname = 't_id'") == [
        {"indexname": "t_id"}
    ]
    await config.migrate_down("-1")
    assert await query(config, "SELECT indexname FROM pg_indexes WHERE indexname = 't_id'") == []


async def test_sqlite_trigger_with_begin_end_body(tmp_path: Path, migrations_dir: Path) -> None:
    from sqlspec.adapters.aiosqlite import AiosqliteConfig

    sql_migration(
        migrations_dir,
        "0001",
        "trigger",
        """
CREATE TABLE log (msg TEXT);
CREATE TABLE items (n INTEGER);
CREATE TRIGGER items_log AFTER INSERT ON items BEGIN
    INSERT INTO log (msg) VALUES (CASE WHEN NEW.n > 1 THEN 'big; one' ELSE 'small' END);
    INSERT INTO log (msg) VALUES ('second');
END;
INSERT INTO items (n) VALUES (5);
""",
    )
    config = AiosqliteConfig(
        connection_config={"database": str(tmp_path / "t.db")},
        migration_config={"script_location": str(migrations_dir)},
    )
    await config.migrate_up()
    assert await query(config, "SELECT msg FROM log") == [{"msg": "big; one"}, {"msg": "second"}]


async def test_custom_version_table(make_config: ConfigFactory, migrations_dir: Path) -> None:
    three_tables(migrations_dir)
    config = make_config(version_table="schema_history")
    await config.migrate_up()
    assert "schema_history" in await tables(config)
    assert "sqlspec_version" not in await tables(config)


async def test_an_async_migration_that_forgets_await_fails_and_is_not_recorded(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    if make_config().dialect.name == "mysql":
        pytest.skip("its Python migration runs DDL in a transaction, which MySQL refuses (see test_mysql)")
    py_migration(
        migrations_dir,
        "0001",
        "forgot",
        "async def upgrade(driver):\n"
        "    await driver.execute('CREATE TABLE kept (id INTEGER)')\n"
        "    driver.execute('CREATE TABLE lost (id INTEGER)')\n",
    )
    config = make_config()
    with pytest.raises(MigrationExecutionError, match=r"driver\.execute\(\.\.\.\) was called without await"):
        await config.migrate_up()
    assert await tables(config) == {"sqlspec_version"}  # rolled back as a whole ...
    assert await config.current_revision() is None  # ... and not recorded


async def test_an_exception_in_a_python_migration_names_its_line_with_a_relative_script_location(
    tmp_path: Path, migrations_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    py_migration(migrations_dir, "0001", "boom", 'def upgrade(driver):\n    raise ValueError("boom")\n')
    monkeypatch.chdir(tmp_path)  # script_location is "migrations", as the guide's default
    config = AiosqliteConfig(connection_config={"database": "app.db"}, migration_config={})
    with pytest.raises(MigrationExecutionError, match=r"ValueError: boom \(line 8\)"):
        await config.migrate_up()


async def test_a_python_migration_that_fails_to_import_stops_the_run_before_anything_runs(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    sql_migration(migrations_dir, "0001", "a", "CREATE TABLE a (id INTEGER);", "DROP TABLE a;")
    py_migration(
        migrations_dir,
        "0002",
        "b",
        "import sqlspec_no_such_module\n\ndef upgrade(driver):\n    pass\n",
        down_revision="0001",
    )
    config = make_config()
    with pytest.raises(MigrationSourceError, match="importing it failed: ModuleNotFoundError"):
        await config.migrate_up()
    assert await config.current_revision() is None
    assert "a" not in await tables(config)
