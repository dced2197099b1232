"""Small faults of the command line: each is one ``Error:`` line and an exit code, never a traceback."""

from __future__ import annotations

import sys

import pytest

from tests.integration.cli.conftest import Project


def _one_line_error(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("Error: "), output
    assert "Traceback" not in output
    assert "unexpected" not in output
    return lines[0]


def _migration_config(project: Project, **settings: str) -> None:
    project.write_config(
        "from sqlspec.adapters.aiosqlite import AiosqliteConfig\n\n"
        "config = AiosqliteConfig(\n"
        f"    connection_config={{'database': 'app.db'}}, migration_config={settings!r}\n"
        ")\n"
    )


@pytest.mark.parametrize("fmt", ["sql", "py"])
def test_create_migration_inside_a_file_is_one_line(sqlite_project: Project, fmt: str) -> None:
    (sqlite_project.root / "notes.txt").write_text("a file, not a folder")
    _migration_config(sqlite_project, script_location="notes.txt/migrations")
    result = sqlite_project.cli("create-migration", "-m", "add users", "--format", fmt)
    assert result.exit_code == 1
    assert _one_line_error(result.stderr) == (
        "Error: notes.txt/migrations: cannot create the script_location folder: Not a directory; "
        "check the path and its permissions"
    )


def test_create_migration_onto_a_file_is_one_line(sqlite_project: Project) -> None:
    (sqlite_project.root / "migrations").write_text("")
    _migration_config(sqlite_project, script_location="migrations")
    result = sqlite_project.cli("create-migration", "-m", "add users")
    assert result.exit_code == 1
    assert "script_location exists and is not a folder" in _one_line_error(result.stderr)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sysfs is Linux's")
def test_create_migration_into_a_read_only_folder_is_one_line(sqlite_project: Project) -> None:
    """sysfs refuses new files even to root (tests run as root, whom chmod does not stop)."""
    _migration_config(sqlite_project, script_location="/sys")
    result = sqlite_project.process("create-migration", "-m", "add users")  # the real executable
    assert result.returncode == 1
    assert "_add_users.sql: cannot create the file: " in _one_line_error(result.stderr)
    assert result.stdout == ""


def test_init_with_templates_inside_a_file_is_one_line(sqlite_project: Project) -> None:
    (sqlite_project.root / "notes.txt").write_text("")
    _migration_config(sqlite_project, script_location="migrations", template_directory="notes.txt/templates")
    result = sqlite_project.cli("init")
    assert result.exit_code == 1
    assert "notes.txt/templates: cannot create the template_directory folder: Not a directory" in (
        _one_line_error(result.stderr)
    )
