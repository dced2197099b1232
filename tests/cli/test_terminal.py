"""Terminal habits: completion, ``--debug`` after the command, timings, where a config points, and the
lines that tell a user what happened (rows renamed, an empty section, a ``?`` on PostgreSQL)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sqlspec.migrations.fix import apply_fix, plan_fix
from tests.cli.conftest import Project
from tests.migration_files import py_migration, sql_migration

SQLSPEC = Path(sys.executable).parent / "sqlspec"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_script_is_generated(shell: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SQLSPEC), "--show-completion", shell],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "_SQLSPEC_COMPLETE" in done.stdout  # the variable the shell sets to ask sqlspec
    assert "sqlspec" in done.stdout.replace("_SQLSPEC_COMPLETE", "")


def test_completion_offers_the_commands(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SQLSPEC)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
        env={
            **os.environ,
            "_SQLSPEC_COMPLETE": "complete_bash",
            "COMP_WORDS": "sqlspec up",
            "COMP_CWORD": "1",
        },
    )
    assert done.returncode == 0, done.stderr
    assert "upgrade" in done.stdout.split()


def _failing(project: Project) -> None:
    project.migrations.mkdir()
    sql_migration(project.migrations, "0001", "bad", "SELECT * FROM nope_never;", "")


def test_debug_after_the_command_shows_the_traceback(sqlite_project: Project) -> None:
    _failing(sqlite_project)
    plain = sqlite_project.process("upgrade")
    assert plain.returncode == 1
    assert "Traceback" not in plain.stderr
    assert plain.stderr.startswith("Error: upgrade of 0001 failed")
    for args in (("upgrade", "--debug"), ("--debug", "upgrade")):
        debugged = sqlite_project.process(*args)
        assert debugged.returncode == 1
        assert "Traceback (most recent call last)" in debugged.stderr
        assert "MigrationExecutionError: upgrade of 0001 failed" in debugged.stderr


def test_debug_is_not_taken_for_a_target(sqlite_project: Project) -> None:
    sqlite_project.migrations.mkdir()
    sql_migration(sqlite_project.migrations, "0001", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    assert sqlite_project.cli("upgrade").exit_code == 0
    result = sqlite_project.cli("downgrade", "--debug", "--no-prompt")
    assert result.exit_code == 0, result.output
    assert "Reverted 1 migration(s)" in result.stdout


def test_downgrade_prints_its_total_time_like_upgrade(sqlite_project: Project) -> None:
    project = sqlite_project
    project.migrations.mkdir()
    sql_migration(project.migrations, "0001", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    assert re.search(r"^Applied 1 migration\(s\) in \d+ ms$", project.cli("upgrade").stdout, re.MULTILINE)
    reverted = project.cli("downgrade", "--no-prompt").stdout
    assert re.search(r"^Reverted 1 migration\(s\) in \d+ ms$", reverted, re.MULTILINE), reverted


def test_show_config_shows_the_absolute_sqlite_path(sqlite_project: Project, tmp_path: Path) -> None:
    result = sqlite_project.cli("show-config")
    assert result.exit_code == 0, result.output
    assert re.search(rf"^database\s+{re.escape(str(tmp_path / 'app.db'))}$", result.stdout, re.MULTILINE)


def test_show_config_shows_the_dsn_without_its_password(sqlite_project: Project) -> None:
    sqlite_project.write_config(
        "from sqlspec.adapters.asyncpg import AsyncpgConfig\n\n"
        "config = AsyncpgConfig(connection_config={'dsn': "
        "'postgresql://app:hunter2@db.example:5433/shop?sslmode=require&sslpassword=hunter3'})\n"
    )
    result = sqlite_project.cli("show-config")  # reads the config only: nothing connects
    assert result.exit_code == 0, result.output
    assert "hunter" not in result.stdout
    expected = "postgresql://app:***@db.example:5433/shop?sslmode=require&sslpassword=***"
    assert re.search(rf"^database\s+{re.escape(expected)}$", result.stdout, re.MULTILINE), result.stdout


def test_upgrade_names_the_rows_a_teammates_fix_renamed(sqlite_project: Project) -> None:
    project = sqlite_project
    project.migrations.mkdir()
    sql_migration(project.migrations, "20251115120000", "users", "CREATE TABLE users (id INTEGER);", "")
    assert project.cli("upgrade").exit_code == 0
    apply_fix(plan_fix(project.migrations))  # a teammate's fix, merged: the files only
    result = project.cli("upgrade")
    assert result.exit_code == 0, result.output
    assert "renamed 20251115120000 -> 0001 in sqlspec_version" in result.stdout
    assert "Nothing to apply: the database is up to date" in result.stdout
    assert project.cli("show-current-revision").stdout.strip() == "0001"
    assert "renamed" not in project.cli("upgrade").stdout  # said once, when it happened


def test_an_empty_upgrade_section_warns_in_one_line_naming_the_file(sqlite_project: Project) -> None:
    project = sqlite_project
    project.migrations.mkdir()
    sql_migration(project.migrations, "0001", "later", "-- to be written", "")
    sql_migration(project.migrations, "0002", "t", "CREATE TABLE t (id INTEGER);", "", down_revision="0001")
    done = project.process("upgrade")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("Warning:")]
    assert warnings == [
        "Warning: migrations/0001_later.sql: the upgrade section is empty; recorded as applied, nothing ran"
    ]


@pytest.mark.postgres
def test_a_question_mark_on_postgres_gets_a_dollar_one_hint(postgres_project: Project) -> None:
    project = postgres_project
    project.migrations.mkdir()
    sql_migration(project.migrations, "0001", "t", "CREATE TABLE t (a INTEGER, b JSONB);", "DROP TABLE t;")
    sql_migration(
        project.migrations, "0002", "seed", "INSERT INTO t (a) VALUES (?);", "", down_revision="0001"
    )
    result = project.cli("upgrade")
    assert result.exit_code == 1
    assert "syntax error" in result.stderr
    assert "`?` is not a placeholder on postgres: write $1, $2, ... instead" in result.stderr
    assert len(result.stderr.splitlines()) == 1

    (project.migrations / "0002_seed.sql").unlink()
    py_migration(
        project.migrations,
        "0002",
        "seed",
        "def upgrade(driver):\n    driver.execute('INSERT INTO t (a) VALUES (?)', 1)\n",
        down_revision="0001",
    )
    result = project.cli("upgrade")
    assert result.exit_code == 1
    assert "write $1, $2, ... instead" in result.stderr


@pytest.mark.postgres
def test_no_hint_for_a_question_mark_that_is_not_the_fault(postgres_project: Project) -> None:
    project = postgres_project
    project.migrations.mkdir()
    body = "CREATE TABLE t (b JSONB);\nSELECT b ? 'key', '?' FROM t WHERE nope_never = 1;"
    sql_migration(project.migrations, "0001", "t", body, "DROP TABLE t;")
    result = project.cli("upgrade")
    assert result.exit_code == 1
    assert "nope_never" in result.stderr
    assert "placeholder" not in result.stderr
