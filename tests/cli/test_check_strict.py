"""``check --strict``: the CI gate. Exit 0 only at head with nothing to warn about; notes never fail it."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Project
from tests.migration_files import sql_migration


def _codes(project: Project, *args: str) -> tuple[int, list[str]]:
    result = project.cli("check", "--strict", "--json", *args)
    document = json.loads(result.stdout)
    assert document["exit_code"] == result.exit_code
    return result.exit_code, sorted(p["code"] for p in document["problems"])


def test_at_head_with_nothing_to_warn_it_passes(project: Project) -> None:
    project.migrations.mkdir()
    sql_migration(project.migrations, "0001", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    assert project.cli("upgrade").exit_code == 0
    result = project.cli("check", "--strict")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "All migrations are valid and applied"
    code, problems = _codes(project)
    assert (code, [p for p in problems if p != "not-atomic"]) == (0, [])  # MySQL's DDL: a note


def test_a_pending_migration_fails_it_and_only_in_strict_mode(sqlite_project: Project) -> None:
    project = sqlite_project
    project.migrations.mkdir()
    sql_migration(project.migrations, "0001", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    sql_migration(
        project.migrations, "0002", "u", "CREATE TABLE u (id INTEGER);", "DROP TABLE u;", down_revision="0001"
    )
    assert project.cli("upgrade", "0001").exit_code == 0
    assert project.cli("check").exit_code == 0  # without --strict, pending is not a problem
    result = project.cli("check", "--strict")
    assert result.exit_code == 1
    assert "migrations/0002_u.sql: pending" in result.stdout
    assert result.stdout.splitlines()[-1] == "0 error(s), 1 warning(s) (--strict: warnings fail)"
    assert _codes(project) == (1, ["pending"])
    assert project.cli("upgrade").exit_code == 0
    assert _codes(project) == (0, [])


def test_a_timestamp_file_fails_it_pending_or_applied_until_fix(sqlite_project: Project) -> None:
    project = sqlite_project
    project.migrations.mkdir()
    sql_migration(project.migrations, "20251115120000", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    assert _codes(project) == (1, ["pending", "timestamp"])
    assert project.cli("upgrade").exit_code == 0
    # CI runs upgrade before check: a timestamp name still fails the gate once applied
    result = project.cli("check", "--strict")
    assert result.exit_code == 1
    assert "run `sqlspec fix` before merging" in result.stdout
    assert project.cli("check").exit_code == 0  # during development timestamps are the workflow
    assert project.cli("fix", "--yes").exit_code == 0
    assert _codes(project) == (0, [])


def test_warnings_of_check_itself_fail_it(sqlite_project: Project) -> None:
    project = sqlite_project
    project.migrations.mkdir()
    sql_migration(project.migrations, "0001", "t", "CREATE TABLE t (id INTEGER);", downgrade=None)
    assert project.cli("upgrade").exit_code == 0
    assert project.cli("check").exit_code == 0
    assert _codes(project) == (1, ["no-downgrade"])


@pytest.mark.mysql
def test_a_note_never_fails_it(mysql_project: Project) -> None:
    project = mysql_project
    project.migrations.mkdir()
    sql_migration(project.migrations, "0001", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    assert project.cli("upgrade").exit_code == 0
    result = project.cli("check", "--strict", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [p["code"] for p in document["problems"]] == ["not-atomic"]
    assert document["counts"] == {"error": 0, "warning": 0, "note": 1}


def test_errors_fail_it_with_or_without_strict(sqlite_project: Project) -> None:
    project = sqlite_project
    project.migrations.mkdir()
    (project.migrations / "0001_broken.sql").write_text("-- revision: 0001\n")
    assert project.cli("check").exit_code == 1
    code, problems = _codes(project)
    assert code == 1
    assert "file" in problems
