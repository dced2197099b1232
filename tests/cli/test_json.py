"""``--json`` on every command that reports: one document on stdout, success and failure alike.

Every document has ``command``, ``bind_key``, ``exit_code`` (the process's), the command's own
fields, ``warnings`` and ``error`` (``null``, or ``type`` and ``message`` and what it names).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli.conftest import Project
from tests.migration_files import py_migration, sql_migration

COMMON = {"command", "bind_key", "exit_code", "warnings", "error"}


def _document(project: Project, *args: str, exit_code: int = 0, error: bool | None = None) -> dict[str, Any]:
    result = project.cli(*args, "--json")
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    document: dict[str, Any] = json.loads(result.stdout)  # nothing else on stdout
    assert set(document) >= COMMON, document
    assert document["exit_code"] == exit_code
    assert document["command"] == args[0]
    expected_error = exit_code != 0 if error is None else error
    assert (document["error"] is not None) == expected_error, document
    return document


def _two_migrations(project: Project, second: str = "CREATE TABLE u (id INTEGER);") -> None:
    project.migrations.mkdir(exist_ok=True)
    sql_migration(project.migrations, "0001", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    sql_migration(project.migrations, "0002", "u", second, "DROP TABLE nope_never;", down_revision="0001")


def test_upgrade_and_downgrade_report_each_migration(project: Project) -> None:
    _two_migrations(project)
    planned = _document(project, "upgrade", "--dry-run")
    assert planned["dry_run"] is True
    assert [(m["revision"], m["status"]) for m in planned["migrations"]] == [
        ("0001", "planned"),
        ("0002", "planned"),
    ]
    assert planned["migrations"][0]["statements"] == ["CREATE TABLE t (id INTEGER)"]

    upgraded = _document(project, "upgrade")
    assert upgraded["target"] == "head"
    assert [(m["revision"], m["direction"], m["status"]) for m in upgraded["migrations"]] == [
        ("0001", "upgrade", "applied"),
        ("0002", "upgrade", "applied"),
    ]
    assert all(m["duration_ms"] >= 0 for m in upgraded["migrations"])
    assert upgraded["duration_ms"] >= sum(m["duration_ms"] for m in upgraded["migrations"])
    assert _document(project, "upgrade")["migrations"] == []

    reverted = _document(project, "downgrade", "0001", "--dry-run")
    assert [(m["revision"], m["direction"]) for m in reverted["migrations"]] == [("0002", "downgrade")]
    failed = _document(project, "downgrade", "--no-prompt", exit_code=1)  # DROP TABLE nope_never
    (entry,) = failed["migrations"]
    assert (entry["revision"], entry["direction"], entry["status"], entry["statement"]) == (
        "0002",
        "downgrade",
        "failed",
        1,
    )
    assert entry["sql"] == "DROP TABLE nope_never"
    assert failed["error"]["type"] == "MigrationExecutionError"
    assert failed["error"]["revision"] == "0002"
    assert failed["error"]["statement"] == 1
    assert "downgrade of 0002 failed" in failed["error"]["message"]


def test_a_failed_upgrade_reports_what_ran_and_the_error(project: Project) -> None:
    _two_migrations(project, second="CREATE TABLE u (id INTEGER);\nSELECT * FROM nope_never;")
    document = _document(project, "upgrade", exit_code=1)
    assert [(m["revision"], m["status"]) for m in document["migrations"]] == [
        ("0001", "applied"),
        ("0002", "failed"),
    ]
    failed = document["migrations"][1]
    assert (failed["statement"], failed["sql"], failed["description"]) == (2, "SELECT * FROM nope_never", "u")
    error = document["error"]
    assert error["type"] in {"MigrationExecutionError", "PartialMigrationError"}  # MySQL: DDL commits
    assert (error["revision"], error["statement"], error["path"]) == ("0002", 2, "migrations/0002_u.sql")
    assert "nope_never" in error["message"]


def test_a_python_migration_failure_names_it(sqlite_project: Project) -> None:
    project = sqlite_project
    project.migrations.mkdir()
    py_migration(project.migrations, "0001", "boom", "def upgrade(driver):\n    raise ValueError('boom')\n")
    document = _document(project, "upgrade", exit_code=1)
    assert [(m["revision"], m["status"]) for m in document["migrations"]] == [("0001", "failed")]
    assert "ValueError: boom" in document["error"]["message"]


def test_stamp(sqlite_project: Project) -> None:
    project = sqlite_project
    _two_migrations(project)
    assert _document(project, "stamp", "0001")["stamped"] == ["0001"]
    assert _document(project, "stamp")["stamped"] == ["0002"]
    refused = _document(project, "stamp", "0042", exit_code=2)
    assert refused["error"]["type"] == "RevisionNotFoundError"
    assert _document(project, "stamp", "base", exit_code=2)["error"]["type"] == "TargetError"


def test_read_commands(sqlite_project: Project) -> None:
    project = sqlite_project
    _two_migrations(project)
    assert project.cli("upgrade", "0001").exit_code == 0
    assert _document(project, "show-current-revision")["revision"] == "0001"
    history = _document(project, "history")["migrations"]
    assert [(e["revision"], e["status"]) for e in history] == [("0001", "applied"), ("0002", "pending")]
    checked = _document(project, "check")
    assert (checked["strict"], checked["problems"]) == (False, [])
    strict = _document(project, "check", "--strict", exit_code=1, error=False)  # problems, not an error
    assert strict["counts"] == {"error": 0, "warning": 1, "note": 0}
    assert strict["problems"][0]["code"] == "pending"


def test_init_create_migration_and_fix(sqlite_project: Project) -> None:
    project = sqlite_project
    assert _document(project, "init")["created"] == ["migrations/"]
    assert _document(project, "init")["existing"] == ["migrations/"]
    created = _document(project, "create-migration", "-m", "add users")
    assert created["path"] == f"migrations/{created['revision']}_add_users.sql"
    assert created["format"] == "sql"
    assert len(created["revision"]) == 14
    planned = _document(project, "fix", "--dry-run")
    assert [(c["old_revision"], c["new_revision"]) for c in planned["conversions"]] == [
        (created["revision"], "0001")
    ]
    refused = _document(project, "fix", exit_code=2)  # no terminal, no --yes
    assert refused["conversions"] == []
    assert "--yes" in refused["error"]["message"]
    fixed = _document(project, "fix", "--yes")
    assert fixed["conversions"][0]["new_path"] == "migrations/0001_add_users.sql"
    assert fixed["renamed"] == []


def test_show_config(sqlite_project: Project) -> None:
    document = _document(sqlite_project, "show-config")
    assert document["database"] == str(sqlite_project.root / "app.db")
    assert (document["dialect"], document["version_table"]) == ("sqlite", "sqlspec_version")


@pytest.mark.parametrize(
    "args", [("show-config",), ("create-migration", "-m", "x"), ("history",), ("upgrade",), ("fix",)]
)
def test_a_config_that_cannot_be_found_is_a_document_too(
    sqlite_project: Project, args: tuple[str, ...]
) -> None:
    result = sqlite_project.cli("--config", "nowhere.config", *args, "--json", config=False)
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert (document["command"], document["exit_code"]) == (args[0], 2)
    assert "cannot find module 'nowhere'" in document["error"]["message"]
    assert result.stderr.startswith("Error: cannot find module")  # the one line for a person, too


def test_several_configs_make_one_document_keyed_by_bind_key(sqlite_project: Project) -> None:
    project = sqlite_project
    for key in ("main", "audit"):
        folder = project.root / f"migrations_{key}"
        folder.mkdir()
        sql_migration(folder, "0001", key, "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    project.write_config(
        "from sqlspec.adapters.aiosqlite import AiosqliteConfig\n\n"
        "configs = [\n"
        "    AiosqliteConfig(bind_key=key, connection_config={'database': f'{key}.db'},\n"
        "                    migration_config={'script_location': f'migrations_{key}'})\n"
        "    for key in ('main', 'audit')\n"
        "]\n"
    )
    reference = f"{project.package}.config.configs"
    result = project.cli("--config", reference, "upgrade", "--json", config=False)
    assert result.exit_code == 0, result.output
    documents = json.loads(result.stdout)
    assert list(documents) == ["main", "audit"]
    assert [documents[key]["migrations"][0]["revision"] for key in documents] == ["0001", "0001"]
    assert {documents[key]["bind_key"] for key in documents} == {"main", "audit"}


def test_progress_and_warnings_stay_off_stdout_of_the_real_process(sqlite_project: Project) -> None:
    project = sqlite_project
    project.migrations.mkdir()
    sql_migration(project.migrations, "0001", "empty", "-- nothing yet", "")
    done = project.process("upgrade", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["migrations"][0]["status"] == "applied"
    assert document["warnings"] == [
        "migrations/0001_empty.sql: the upgrade section is empty; recorded as applied, nothing ran"
    ]
    assert "applied 0001 empty" in done.stderr  # progress for the log, not for the parser
