"""The guide's CLI workflow, command by command, on SQLite, PostgreSQL and MySQL/MariaDB."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.integration.cli.conftest import Project
from tests.migration_files import sql_migration

USERS_UP = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
POSTS_UP = "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT);"


def _fill_sql(path: Path, upgrade: str, downgrade: str) -> None:
    text = path.read_text()
    text = text.replace("-- upgrade --\n", f"-- upgrade --\n{upgrade}\n").replace(
        "-- downgrade --\n", f"-- downgrade --\n{downgrade}\n"
    )
    path.write_text(text)


def _created(output: str) -> Path:
    match = re.search(r"^Created: (\S+)$", output, re.MULTILINE)
    assert match, output
    return Path(match.group(1))


def _history(project: Project) -> list[dict[str, object]]:
    result = project.cli("history", "--json")
    assert result.exit_code == 0, result.output
    entries: list[dict[str, object]] = json.loads(result.stdout)["migrations"]
    return entries


def test_the_guides_workflow_in_order(project: Project) -> None:
    result = project.cli("init")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Created: migrations/\n"
    assert project.cli("init").stdout == "Exists: migrations/ (left as it is)\n"

    users = _created(project.cli("create-migration", "-m", "Add users table").stdout)
    assert re.fullmatch(r"migrations/\d{14}_add_users_table\.sql", str(users))
    _fill_sql(users, USERS_UP, "DROP TABLE users;")
    posts = _created(project.cli("create-migration", "-m", "add posts table").stdout)
    _fill_sql(posts, POSTS_UP, "DROP TABLE posts;")
    seed = _created(project.cli("create-migration", "-m", "Seed data", "--format", "py").stdout)
    assert seed.suffix == ".py"
    placeholder = {"sqlite": "?", "postgres": "$1", "mysql": "%s"}[project.dialect]
    seed.write_text(
        seed.read_text()
        .replace(
            '    """Apply the change: driver.execute(sql, *params), driver.select(...)."""',
            f"    driver.execute('INSERT INTO users (id, name) VALUES (1, {placeholder})', 'ada')",
        )
        .replace('    """Undo upgrade()."""', "    driver.execute('DELETE FROM users WHERE id = 1')")
    )
    revisions = [p.name.split("_")[0] for p in (users, posts, seed)]
    assert revisions == sorted(revisions)
    assert f"-- down_revision: {revisions[0]}" in posts.read_text()

    result = project.cli("upgrade", revisions[0])
    assert result.exit_code == 0, result.output
    assert f"applied {revisions[0]} Add users table" in result.stdout
    result = project.cli("upgrade")
    assert result.exit_code == 0, result.output
    assert "Applied 2 migration(s)" in result.stdout
    assert project.cli("upgrade").stdout.strip() == "Nothing to apply: the database is up to date"

    assert project.cli("show-current-revision").stdout.strip() == revisions[2]
    assert [e["status"] for e in _history(project)] == ["applied"] * 3

    result = project.cli("check")
    assert result.exit_code == 0, result.output
    assert "pending" not in result.stdout

    result = project.cli("downgrade", "-1")
    assert result.exit_code == 0, result.output
    assert f"reverted {revisions[2]}" in result.stdout
    assert project.cli("show-current-revision").stdout.strip() == revisions[1]

    result = project.cli("fix", "--yes")
    assert result.exit_code == 0, result.output
    assert f"✓ Converted migrations/{users.name} → 0001_add_users_table.sql" in result.stdout
    assert "✓ Updated sqlspec_version table" in result.stdout
    assert sorted(p.name for p in project.migrations.iterdir()) == [
        "0001_add_users_table.sql",
        "0002_add_posts_table.sql",
        "0003_seed_data.py",
    ]
    assert [(e["revision"], e["status"]) for e in _history(project)] == [
        ("0001", "applied"),
        ("0002", "applied"),
        ("0003", "pending"),
    ]
    result = project.cli("upgrade")
    assert result.exit_code == 0, result.output
    assert project.cli("show-current-revision").stdout.strip() == "0003"

    result = project.cli("downgrade", "base")
    assert result.exit_code == 0, result.output
    assert "Reverted 3 migration(s)" in result.stdout
    assert project.cli("show-current-revision").stdout.strip() == "None"


def test_commands_as_real_processes(project: Project) -> None:
    initialised = project.process("init")
    assert initialised.returncode == 0, initialised.stderr
    created = project.process("create-migration", "-m", "Add users table")
    assert created.returncode == 0, created.stderr
    _fill_sql(_created(created.stdout), USERS_UP, "DROP TABLE users;")
    upgraded = project.process("upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Applied 1 migration(s)" in upgraded.stdout
    current = project.process("show-current-revision", "--json")
    assert json.loads(current.stdout)["revision"] is not None
    history = project.process("history")
    assert "add users table" in history.stdout.lower()
    assert "applied" in history.stdout
    assert "\x1b[" not in history.stdout  # plain output when not a terminal
    checked = project.process("check", "--json")
    assert checked.returncode == 0, checked.stderr
    problems = json.loads(checked.stdout)["problems"]
    # Applied timestamps are not "pending". On MySQL the CREATE TABLE commits by itself, so check
    # notes that the migration cannot be atomic (a note, not an error: the exit code stays 0).
    expected = ["not-atomic"] if project.dialect == "mysql" else []
    assert [p["code"] for p in problems] == expected, problems
    fixed = project.process("fix", "--yes")
    assert fixed.returncode == 0, fixed.stderr
    assert "→ 0001_add_users_table.sql" in fixed.stdout
    assert "(1 applied revision(s) renamed)" in fixed.stdout
    shown = project.process("show-config")
    assert shown.returncode == 0, shown.stderr
    assert project.dialect in shown.stdout
    downgraded = project.process("downgrade", "base")
    assert downgraded.returncode == 0, downgraded.stderr
    assert "Reverted 1 migration(s)" in downgraded.stdout
    stamped = project.process("stamp", "head")
    assert stamped.returncode == 0, stamped.stderr
    assert "Stamped 0001 (no SQL ran)" in stamped.stdout
    assert json.loads(project.process("show-current-revision", "--json").stdout)["revision"] == "0001"


def test_dry_runs_print_sql_and_write_nothing(project: Project) -> None:
    project.migrations.mkdir()
    _fill_sql(_created(project.cli("create-migration", "-m", "users").stdout), USERS_UP, "DROP TABLE users;")
    result = project.cli("upgrade", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would apply 1 migration(s)" in result.stdout
    assert USERS_UP in result.stdout
    assert project.cli("history", "--json").exit_code == 0
    assert [e["status"] for e in _history(project)] == ["pending"]
    assert "sqlspec_version" not in _tables(project)

    assert project.cli("upgrade").exit_code == 0
    result = project.cli("downgrade", "--dry-run")
    assert "DROP TABLE users;" in result.stdout
    assert [e["status"] for e in _history(project)] == ["applied"]


def _tables(project: Project) -> str:
    """The names of the database's tables, via a dry-run-free read: history's JSON is rows, so ask the DB."""
    import anyio

    from sqlspec.cli.loader import load_configs

    [config] = load_configs(project.reference)

    async def names() -> str:
        async with config.provide_driver() as driver:
            sql = {
                "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
                "postgres": "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'",
                "mysql": "SELECT TABLE_NAME AS name FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = DATABASE()",
            }[config.dialect.name]
            return " ".join(row["name"] for row in await driver.select(sql))

    return anyio.run(names)


def test_stamp_adopts_an_existing_database(project: Project) -> None:
    project.migrations.mkdir()
    first = _created(project.cli("create-migration", "-m", "users").stdout)
    _fill_sql(first, USERS_UP, "DROP TABLE users;")
    second = _created(project.cli("create-migration", "-m", "posts").stdout)
    _fill_sql(second, POSTS_UP, "DROP TABLE posts;")
    revision = first.name.split("_")[0]
    result = project.cli("stamp", revision)
    assert result.exit_code == 0, result.output
    assert f"Stamped {revision} (no SQL ran)" in result.stdout
    assert "users" not in _tables(project).split()
    assert [e["status"] for e in _history(project)] == ["applied", "pending"]
    assert project.cli("stamp", revision).stdout.strip() == "Nothing to stamp"
    result = project.cli("upgrade")
    assert result.exit_code == 0, result.output
    assert _tables(project).split().count("posts") == 1


def test_a_closed_output_pipe_never_stops_a_run_half_way(project: Project) -> None:
    project.migrations.mkdir()
    for n in range(1, 6):
        down = f"{n - 1:04d}" if n > 1 else None
        sql_migration(
            project.migrations, f"{n:04d}", f"m{n}", f"CREATE TABLE m{n} (id INTEGER);", down_revision=down
        )
    executable = Path(sys.executable).parent / "sqlspec"
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (say `| head -1`) is gone before the first line is written
    done = subprocess.run(
        [str(executable), "--config", project.reference, "upgrade"],
        cwd=project.root,
        stdout=write_end,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 0
    assert [e["status"] for e in _history(project)] == ["applied"] * 5
