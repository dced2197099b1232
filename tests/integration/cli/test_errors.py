"""Every user mistake is one line on stderr with the right exit code, and no traceback."""

from __future__ import annotations

import json
import sys

import pytest

from tests.integration.cli.conftest import Project
from tests.migration_files import sql_migration


def _one_line_error(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("Error: "), output
    assert "Traceback" not in output
    return lines[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("upgrade", "0042"), "unknown revision '0042'"),
        (("upgrade", "+5"), "past head"),
        (("downgrade", "-3"), "past base"),
        (("downgrade", "head"), "upgrade target"),
        (("stamp", "base"), "never removes rows"),
        (("upgrade", "--force"), "No such option: --force"),
        (("downgrade", "--dryrun"), "No such option: --dryrun"),
    ],
)
def test_bad_targets_are_usage_errors(project: Project, args: tuple[str, ...], words: str) -> None:
    project.migrations.mkdir()
    sql_migration(project.migrations, "0001", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    result = project.cli(*args)
    assert result.exit_code == 2
    assert words in _one_line_error(result.stderr)


@pytest.mark.parametrize("message", ["", "   "])
def test_create_migration_without_a_message_is_a_usage_error(project: Project, message: str) -> None:
    project.migrations.mkdir()
    result = project.cli("create-migration", "-m", message)
    assert result.exit_code == 2
    assert "say what the migration does" in _one_line_error(result.stderr)
    assert list(project.migrations.iterdir()) == []


def test_a_failing_migration_exits_1_naming_file_and_statement(project: Project) -> None:
    project.migrations.mkdir()
    sql_migration(project.migrations, "0001", "ok", "CREATE TABLE ok (id INTEGER);")
    sql_migration(
        project.migrations, "0002", "bad", "SELECT 1;\nSELECT * FROM missing;", down_revision="0001"
    )
    result = project.process("upgrade")
    assert result.returncode == 1
    line = _one_line_error(result.stderr)
    assert "0002_bad.sql" in line
    assert "statement 2" in line
    assert "applied 0001" in result.stdout
    debug = project.process("--debug", "upgrade")
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr


@pytest.mark.parametrize(
    ("reference", "words"),
    [
        ("nowhere.config", "cannot find module 'nowhere'"),
        ("{package}.nothing", "module {package} has no attribute 'nothing'"),
        ("{package}.config.missing", "module {package}.config has no attribute 'missing'"),
        ("{package}.config:missing", "has no attribute 'missing'"),
        ("os.path", "holds no sqlspec config"),
        ("os:sep", "not a sqlspec config"),
    ],
)
def test_bad_config_references_are_one_line(project: Project, reference: str, words: str) -> None:
    reference = reference.format(package=project.package)
    result = project.cli("--config", reference, "upgrade", config=False)
    assert result.exit_code == 2
    assert words.format(package=project.package) in _one_line_error(result.stderr)


def test_missing_config_says_how_to_give_one(project: Project) -> None:
    result = project.cli("upgrade", config=False)
    assert result.exit_code == 2
    assert "pass --config myapp.config" in _one_line_error(result.stderr)


def test_broken_config_module_names_its_import_error(project: Project) -> None:
    project.write_config("import not_installed_anywhere\n")
    result = project.cli("upgrade")
    assert result.exit_code == 2
    assert "ModuleNotFoundError" in _one_line_error(result.stderr)


def test_missing_migration_folder(project: Project) -> None:
    result = project.cli("upgrade")
    assert result.exit_code == 1
    assert "sqlspec init" in _one_line_error(result.stderr)


def test_unreachable_database_is_one_line(project: Project) -> None:
    if project.dialect == "postgres":
        project.write_config(
            "from sqlspec.adapters.asyncpg import AsyncpgConfig\n"
            "config = AsyncpgConfig(\n"
            "    connection_config={'dsn': 'postgresql://postgres@127.0.0.1:1/x', 'timeout': 2}\n"
            ")\n"
        )
        words = "cannot connect to PostgreSQL at 127.0.0.1:1/x"
    elif project.dialect == "mysql":
        project.write_config(
            "from sqlspec.adapters.asyncmy import AsyncmyConfig\n"
            "config = AsyncmyConfig(\n"
            "    connection_config={'dsn': 'mysql://root@127.0.0.1:1/x', 'connect_timeout': 2}\n"
            ")\n"
        )
        words = "cannot connect to MySQL at 127.0.0.1:1/x"
    else:
        project.write_config(
            "from sqlspec.adapters.aiosqlite import AiosqliteConfig\n"
            "config = AiosqliteConfig(connection_config={'database': '/no/such/dir/app.db'})\n"
        )
        words = "cannot open SQLite database '/no/such/dir/app.db'"
    project.migrations.mkdir()
    result = project.cli("show-current-revision")
    assert result.exit_code == 1
    assert words in _one_line_error(result.stderr)


def test_fix_without_terminal_or_yes_refuses_and_changes_nothing(project: Project) -> None:
    project.migrations.mkdir()
    sql_migration(project.migrations, "20251115120000", "a", "SELECT 1;")
    result = project.cli("fix")
    assert result.exit_code == 2
    assert "--yes" in _one_line_error(result.stderr)
    assert [p.name for p in project.migrations.iterdir()] == ["20251115120000_a.sql"]


def test_check_lists_every_problem_and_fails(project: Project) -> None:
    project.migrations.mkdir()
    sql_migration(project.migrations, "0001", "a", "SELECT 1;", None)
    sql_migration(project.migrations, "0002", "b", "SELECT 1;", down_revision="0042")
    (project.migrations / "0003_c.sql").write_text("-- revision: 0004\n")
    result = project.cli("check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == "2 error(s), 1 warning(s)"
    assert [line.split()[0] for line in lines[:-1]] == ["error", "error", "warning"]
    problems = json.loads(project.cli("check", "--json").stdout)["problems"]
    assert sorted((p["severity"], p["code"], p["revision"]) for p in problems) == [
        ("error", "chain", "0002"),
        ("error", "file", "0003"),
        ("warning", "no-downgrade", "0001"),
    ]


def test_fix_dry_run_shows_the_plan_and_changes_nothing(project: Project) -> None:
    project.migrations.mkdir()
    sql_migration(project.migrations, "20251115120000", "a", "SELECT 1;")
    result = project.cli("fix", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would convert migrations/20251115120000_a.sql → 0001_a.sql" in result.stdout
    assert [p.name for p in project.migrations.iterdir()] == ["20251115120000_a.sql"]


def test_ctrl_d_at_the_downgrade_prompt_changes_nothing(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.migrations.mkdir()
    sql_migration(project.migrations, "0001", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    assert project.cli("upgrade").exit_code == 0
    monkeypatch.setattr(sys.modules["sqlspec.cli.migrate_commands"], "interactive", lambda: True)
    result = project.cli("downgrade", input="")  # end of input at the prompt, as Ctrl-D
    assert result.exit_code == 130
    assert "aborted; nothing was changed" in result.stderr
    assert "unexpected" not in result.stderr
    assert project.cli("show-current-revision").stdout.strip() == "0001"
