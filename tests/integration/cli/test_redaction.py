"""A password in the DSN, in its userinfo or its query, never reaches the terminal."""

from __future__ import annotations

import json

import pytest

from tests.integration.cli.conftest import Project
from tests.integration.conftest import SECRET, secret_dsn
from tests.migration_files import sql_migration


def _use(project: Project, dsn: str) -> None:
    project.write_config(
        "from sqlspec.adapters.asyncpg import AsyncpgConfig\n\n"
        f"config = AsyncpgConfig(connection_config={{'dsn': {dsn!r}, 'timeout': 5}})\n"
    )
    project.migrations.mkdir()
    sql_migration(project.migrations, "0001", "a", "CREATE TABLE a (id INTEGER);")


@pytest.mark.parametrize(
    "argv",
    [
        ("upgrade",),
        ("upgrade", "--dry-run"),
        ("downgrade", "--no-prompt"),
        ("show-current-revision",),
        ("show-current-revision", "--json"),
        ("history", "--json"),
        ("stamp",),
    ],
)
def test_a_failed_connection_names_the_server_but_not_the_password(
    sqlite_project: Project, failing_dsn: str, argv: tuple[str, ...]
) -> None:
    _use(sqlite_project, failing_dsn)
    result = sqlite_project.cli(*argv)
    assert result.exit_code == 1, result.output
    assert SECRET not in result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: cannot connect to PostgreSQL at "), line
    assert "?password=***&passfile=***&sslpassword=***&sslmode=disable: " in line, line


def test_check_and_its_json_report_the_database_without_the_password(
    sqlite_project: Project, failing_dsn: str
) -> None:
    _use(sqlite_project, failing_dsn)
    text = sqlite_project.cli("check")
    assert text.exit_code == 1
    assert SECRET not in text.stdout + text.stderr
    assert "cannot compare with the database: cannot connect to PostgreSQL" in text.stdout
    as_json = sqlite_project.cli("check", "--json")
    assert as_json.exit_code == 1
    assert SECRET not in as_json.stdout + as_json.stderr
    (problem,) = (p for p in json.loads(as_json.stdout)["problems"] if p["code"] == "database")
    assert "password=***" in problem["message"]


def test_show_config_shows_where_it_points_without_the_password(sqlite_project: Project) -> None:
    _use(sqlite_project, secret_dsn("db.example:5432", "app"))
    result = sqlite_project.cli("show-config")
    assert result.exit_code == 0, result.output
    assert SECRET not in result.stdout + result.stderr
    assert (
        "postgresql://postgres:***@db.example:5432/app?password=***&passfile=***&sslpassword=***"
        "&sslmode=disable" in result.stdout
    )


def test_a_driver_error_quoting_the_dsn_is_redacted(sqlite_project: Project) -> None:
    """asyncpg quotes a query field it cannot read; "password:" for "password=" is the secret whole."""
    _use(sqlite_project, f"postgresql://postgres@127.0.0.1:1/x?password:{SECRET}")
    result = sqlite_project.cli("upgrade")
    assert result.exit_code == 2
    assert SECRET not in result.stdout + result.stderr
    assert result.stderr.strip() == "Error: connection_config: bad query field: '***'"
