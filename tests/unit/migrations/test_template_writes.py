"""create-migration and init where the file system says no: one error naming the path, nothing left."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sqlspec import MigrationConfig, MigrationSourceError
from sqlspec.migrations.templates import create_migration, write_builtin_templates

NOON = datetime(2025, 11, 15, 12, 0, 0, tzinfo=UTC)


def test_a_folder_inside_a_file_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    folder = tmp_path / "notes.txt" / "migrations"
    with pytest.raises(MigrationSourceError) as raised:
        create_migration(MigrationConfig(script_location=str(folder)), "x", now=NOON)
    assert str(raised.value) == (
        f"{folder}: cannot create the script_location folder: Not a directory; "
        "check the path and its permissions"
    )


def test_a_file_where_the_folder_goes_is_named(tmp_path: Path) -> None:
    (tmp_path / "migrations").write_text("")
    with pytest.raises(MigrationSourceError, match="script_location exists and is not a folder"):
        create_migration(MigrationConfig(script_location=str(tmp_path / "migrations")), "x", now=NOON)


def test_a_taken_file_name_is_refused_and_what_is_there_is_kept(tmp_path: Path) -> None:
    taken = tmp_path / "20251115120000_x.sql"
    taken.mkdir()  # a folder: discovery skips it, so the new file's name is this one
    with pytest.raises(MigrationSourceError) as raised:
        create_migration(MigrationConfig(script_location=str(tmp_path)), "x", now=NOON)
    assert (
        str(raised.value)
        == f"{taken}: cannot create the file: File exists; check the path and its permissions"
    )
    assert taken.is_dir()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sysfs is Linux's")
def test_a_folder_root_cannot_write_into_is_named() -> None:
    """sysfs refuses new files even to root, which chmod does not stop: a real read-only folder."""
    with pytest.raises(MigrationSourceError) as raised:
        create_migration(MigrationConfig(script_location="/sys"), "x", now=NOON)
    assert str(raised.value).startswith("/sys/20251115120000_x.sql: cannot create the file: ")
    assert not Path("/sys/20251115120000_x.sql").exists()


def test_templates_into_a_file_are_named(tmp_path: Path) -> None:
    (tmp_path / "templates").write_text("")
    with pytest.raises(MigrationSourceError, match="template_directory exists and is not a folder"):
        write_builtin_templates(tmp_path / "templates")
