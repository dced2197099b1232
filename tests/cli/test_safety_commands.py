"""``test``, ``dump-schema``, ``check --schema`` and ``check``'s lint, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Project
from tests.migration_files import sql_migration


def _history(project: Project, *, index_down: str = "DROP INDEX users_email;") -> None:
    project.migrations.mkdir(exist_ok=True)
    sql_migration(
        project.migrations,
        "0001",
        "users",
        "CREATE TABLE users (id INTEGER, email TEXT);",
        "DROP TABLE users;",
    )
    sql_migration(
        project.migrations,
        "0002",
        "email",
        "CREATE INDEX users_email ON users (email);",
        index_down,
        down_revision="0001",
    )


def test_test_reports_each_step_and_fails_at_a_wrong_downgrade(sqlite_project: Project) -> None:
    _history(sqlite_project, index_down="")
    result = sqlite_project.cli("test", "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["passed"] is False
    assert [(step["revision"], step["status"]) for step in document["steps"]] == [
        ("0001", "passed"),
        ("0002", "failed"),
    ]
    assert document["steps"][-1]["differences"] == ["index users_email: only after the downgrade"]
    assert not (sqlite_project.root / "app.db").exists()  # the configured database is never touched


def test_test_from_base_tests_all_and_from_head_tests_none(sqlite_project: Project) -> None:
    _history(sqlite_project)
    everything = json.loads(sqlite_project.cli("test", "--from", "base", "--json").stdout)
    assert [step["revision"] for step in everything["steps"]] == ["0001", "0002"]
    nothing = sqlite_project.cli("test", "--from", "head", "--json")
    assert nothing.exit_code == 0
    assert json.loads(nothing.stdout)["steps"] == []
    unknown = sqlite_project.cli("test", "--from", "0009")
    assert unknown.exit_code == 2
    assert "--from 0009: no migration has that revision" in unknown.stderr


def test_dump_schema_then_check_schema_names_drift(sqlite_project: Project) -> None:
    import sqlite3

    _history(sqlite_project)
    assert sqlite_project.cli("upgrade").exit_code == 0
    assert sqlite_project.cli("dump-schema").exit_code == 0
    assert (sqlite_project.root / "schema.sql").read_text().startswith("-- sqlspec schema snapshot (sqlite)")
    clean = sqlite_project.cli("check", "--schema")
    assert clean.exit_code == 0, clean.stdout + clean.stderr
    assert "matches" in clean.stdout
    with sqlite3.connect(sqlite_project.root / "app.db") as connection:
        connection.execute("ALTER TABLE users ADD COLUMN hotfix INTEGER")
    drifted = sqlite_project.cli("check", "--schema")
    assert drifted.exit_code == 1
    assert "table users: differs" in drifted.stdout
    assert "+    column hotfix INTEGER" in drifted.stdout


def test_dump_schema_makes_the_snapshots_folder(sqlite_project: Project) -> None:
    _history(sqlite_project)
    sqlite_project.write_config(
        "from sqlspec.adapters.aiosqlite import AiosqliteConfig\n\n"
        "config = AiosqliteConfig(connection_config={'database': 'app.db'}, "
        "migration_config={'schema_file': 'db/snapshots/schema.sql'})\n"
    )
    assert sqlite_project.cli("upgrade").exit_code == 0
    result = sqlite_project.cli("dump-schema")
    assert result.exit_code == 0, result.stderr
    assert (sqlite_project.root / "db" / "snapshots" / "schema.sql").is_file()


def test_dump_schema_of_a_database_not_made_yet_is_refused_and_makes_nothing(sqlite_project: Project) -> None:
    _history(sqlite_project)
    result = sqlite_project.cli("dump-schema")
    assert result.exit_code == 1
    assert "the database does not exist yet" in result.stderr
    assert not (sqlite_project.root / "app.db").exists()
    assert not (sqlite_project.root / "schema.sql").exists()


def test_check_lints_an_empty_downgrade_once(sqlite_project: Project) -> None:
    _history(sqlite_project, index_down="")
    result = sqlite_project.cli("check", "--json")
    document = json.loads(result.stdout)
    codes = [problem["code"] for problem in document["problems"]]
    assert codes.count("no-downgrade") == 1
    message = next(p["message"] for p in document["problems"] if p["code"] == "no-downgrade")
    assert message.startswith(str(Path("migrations") / "0002_email.sql")) or "0002_email.sql" in message
    assert "warning" not in message  # the severity is its own field, not repeated in the message


def test_check_schema_names_an_unreadable_snapshot_in_one_line(sqlite_project: Project) -> None:
    _history(sqlite_project)
    assert sqlite_project.cli("upgrade").exit_code == 0
    (sqlite_project.root / "schema.sql").write_bytes(b"\xff\xfe not text")
    result = sqlite_project.cli("check", "--schema")
    assert result.exit_code == 1
    assert "schema.sql: not a sqlspec schema snapshot (not UTF-8 text)" in result.stdout
    (sqlite_project.root / "schema.sql").unlink()
    (sqlite_project.root / "schema.sql").mkdir()
    assert "schema.sql: is a folder" in sqlite_project.cli("check", "--schema").stdout


def test_a_squash_that_fails_its_check_writes_nothing_and_says_why_in_json(sqlite_project: Project) -> None:
    _history(sqlite_project)
    sql_migration(
        sqlite_project.migrations, "0001", "users", "CREATE TABLE users (id INTEGER, email TEXT);", ""
    )
    result = sqlite_project.cli("squash", "0001", "0002", "-m", "initial", "--json")  # 0001 keeps its table
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["error"]["type"] == "SquashVerificationError"
    assert document["differences"] == ["table users: only after its downgrade"]
    assert sorted(path.name for path in sqlite_project.migrations.iterdir()) == [
        "0001_users.sql",
        "0002_email.sql",
    ]
