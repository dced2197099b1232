"""Migrations that would end their own transaction or wait for a client stream are refused up front."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sqlspec.exceptions import MigrationSourceError
from sqlspec.migrations.check import check_migrations
from tests.faults.conftest import Project, query, version_rows
from tests.migration_files import py_migration, sql_migration


async def _tables(project: Project) -> set[str]:
    sql = {
        "postgres": "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'",
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
        "mysql": "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()",
    }[project.dialect]
    return {row["name"] for row in await query(project, sql)}


def _skip_ddl_on_mysql(project: Project) -> None:
    if project.dialect == "mysql":
        pytest.skip("its DDL commits by itself on MySQL, so it runs statement by statement (test_mysql)")


@pytest.mark.mysql
async def test_a_data_only_mysql_migration_that_commits_is_refused(mysql_dsn: str, tmp_path: Path) -> None:
    project = Project("mysql", tmp_path, mysql_dsn)
    project.migrations.mkdir()
    sql_migration(
        project.migrations, "0002", "bad", "INSERT INTO first_ VALUES (1);\nCOMMIT;", "", down_revision="0001"
    )
    await _refused_before_anything_runs(project, "(COMMIT) ends the migration's transaction")


async def _refused_before_anything_runs(project: Project, words: str) -> None:
    sql_migration(project.migrations, "0001", "first", "CREATE TABLE first_ (x INTEGER);", "")
    config = project.config()
    problems = await check_migrations(config.migration_engine())
    assert [p.severity for p in problems if words in p.message] == ["error"], problems
    with pytest.raises(MigrationSourceError, match=re.escape(words)):
        await config.migrate_up()
    assert "first_" not in await _tables(project)  # 0001 did not run either


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("BEGIN;\nCREATE TABLE p1 (x INTEGER);\nCOMMIT;\nCREATE TABLE p2 (x INTEGER);", "BEGIN"),
        ("CREATE TABLE p1 (x INTEGER);\nCOMMIT;\nINSERT INTO missing VALUES (1);", "COMMIT"),
        ("CREATE TABLE p1 (x INTEGER);\nEND;", "END"),
        ("CREATE TABLE p1 (x INTEGER);\nROLLBACK;", "ROLLBACK"),
        ("START TRANSACTION;\nCREATE TABLE p1 (x INTEGER);", "START TRANSACTION"),
    ],
)
async def test_a_transactional_migration_that_ends_its_transaction_is_refused(
    project: Project, body: str, kind: str
) -> None:
    _skip_ddl_on_mysql(project)
    sql_migration(project.migrations, "0002", "bad", body, "", down_revision="0001")
    await _refused_before_anything_runs(project, f"({kind}) ends the migration's transaction")
    assert not {"p1", "p2"} & await _tables(project)


async def test_savepoints_and_rollback_to_stay_allowed(project: Project) -> None:
    _skip_ddl_on_mysql(project)
    sql_migration(
        project.migrations,
        "0001",
        "savepoints",
        "CREATE TABLE s (x INTEGER);\nSAVEPOINT a;\nINSERT INTO s VALUES (1);\nROLLBACK TO SAVEPOINT a;\n"
        "RELEASE SAVEPOINT a;\nINSERT INTO s VALUES (2);",
        "DROP TABLE s;",
    )
    await project.config().migrate_up()
    assert [row["x"] for row in await query(project, "SELECT x FROM s")] == [2]


async def test_a_non_transactional_migration_may_manage_its_own_transaction(project: Project) -> None:
    sql_migration(
        project.migrations,
        "0001",
        "own",
        "BEGIN;\nCREATE TABLE o (x INTEGER);\nINSERT INTO o VALUES (1);\nCOMMIT;",
        "DROP TABLE o;",
        extra_header="-- transactional: false\n",
    )
    await project.config().migrate_up()
    assert [row["x"] for row in await query(project, "SELECT x FROM o")] == [1]
    assert (await version_rows(project))["0001"] == ("applied", None)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("statement", "kind"),
    [
        ("COPY cp FROM stdin;", "COPY ... FROM STDIN"),
        ("COPY (SELECT 1) TO STDOUT WITH (FORMAT csv);", "COPY ... TO STDOUT"),
        ("\\copy cp FROM 'data.csv'", "a psql meta-command"),
        ("\\i other.sql", "a psql meta-command"),
    ],
)
async def test_statements_that_need_a_client_stream_are_refused_and_never_sent(
    postgres_project: Project, statement: str, kind: str
) -> None:
    sql_migration(
        postgres_project.migrations,
        "0002",
        "copy",
        f"CREATE TABLE cp (x INTEGER);\n{statement}\n",
        "",
        down_revision="0001",
        extra_header="-- transactional: false\n",  # refused whatever the transaction mode
    )
    await _refused_before_anything_runs(postgres_project, f"({kind}) needs a client that streams data")
    assert "cp" not in await _tables(postgres_project)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        ('driver.execute("COMMIT")', "(COMMIT) ends the migration's transaction"),
        ("driver.commit()", "driver.commit() ends the migration's transaction"),
        ("driver.rollback()", "driver.rollback() ends the migration's transaction"),
    ],
)
async def test_a_python_migration_that_ends_its_transaction_fails_at_the_call_and_rolls_back(
    project: Project, call: str, words: str
) -> None:
    _skip_ddl_on_mysql(project)
    py_migration(
        project.migrations,
        "0001",
        "commits",
        f'def upgrade(driver):\n    driver.execute("CREATE TABLE half (x INTEGER)")\n    {call}\n'
        '    driver.execute("CREATE TABLE other_half (x INTEGER)")\n',
    )
    with pytest.raises(MigrationSourceError, match=re.escape(words)):
        await project.config().migrate_up()
    assert not {"half", "other_half"} & await _tables(project)
    assert not await version_rows(project) if "sqlspec_version" in await _tables(project) else True


async def test_an_async_python_migration_committing_through_the_driver_fails_too(project: Project) -> None:
    _skip_ddl_on_mysql(project)
    py_migration(
        project.migrations,
        "0001",
        "commits",
        "async def upgrade(driver):\n    await driver.execute('CREATE TABLE half (x INTEGER)')\n"
        "    async with driver.transaction():\n        pass\n",
    )
    with pytest.raises(
        MigrationSourceError, match=r"driver\.transaction\(\) ends the migration's transaction"
    ):
        await project.config().migrate_up()
    assert "half" not in await _tables(project)


@pytest.mark.postgres
async def test_a_version_table_an_admin_created_works_with_only_dml_granted(
    postgres_project: Project, postgres_dsn: str
) -> None:
    sql_migration(postgres_project.migrations, "0001", "t", "SELECT 1;", "")
    admin = postgres_project.config()
    async with admin.provide_driver() as driver:
        await admin.migration_engine()._store.ensure_table(driver)  # as sqlspec would create it
        await driver.execute("DROP ROLE IF EXISTS sqlspec_app_dml")
        await driver.execute("CREATE ROLE sqlspec_app_dml LOGIN")
        await driver.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        await driver.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON sqlspec_version TO sqlspec_app_dml")
    try:
        base, _, database = postgres_dsn.rpartition("/")
        scheme, _, host = base.partition("://")
        app_dsn = f"{scheme}://sqlspec_app_dml@{host.rpartition('@')[2]}/{database}"
        app = type(admin)(
            connection_config={"dsn": app_dsn},
            migration_config={"script_location": str(postgres_project.migrations)},
        )
        applied = await app.migrate_up()
        assert [run.revision for run in applied] == ["0001"]
        assert await app.current_revision() == "0001"
    finally:
        async with admin.provide_driver() as driver:
            await driver.execute("DROP OWNED BY sqlspec_app_dml")
            await driver.execute("DROP ROLE sqlspec_app_dml")
