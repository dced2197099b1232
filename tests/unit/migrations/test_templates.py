"""create-migration's files: names, slugs, chaining and custom templates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sqlspec import ImproperConfigurationError, MigrationConfig, MigrationSourceError
from sqlspec.migrations.files import discover, parse
from sqlspec.migrations.templates import create_migration, slugify

NOON = datetime(2025, 11, 15, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("message", "slug"),
    [
        ("Add users table", "add_users_table"),
        ("  Add   users--table!! ", "add_users_table"),
        ("../../etc/passwd", "etc_passwd"),
        ("Café résumé", "cafe_resume"),
        ("日本語", "migration"),
        ("", "migration"),
        ("x" * 200, "x" * 60),
    ],
)
def test_slugify(message: str, slug: str) -> None:
    assert slugify(message) == slug


def test_new_files_are_timestamped_in_utc_and_chained(tmp_path: Path) -> None:
    settings = MigrationConfig(script_location=str(tmp_path / "new" / "migrations"))
    first = create_migration(settings, "Add users table", now=NOON)
    assert first.name == "20251115120000_add_users_table.sql"
    second = create_migration(settings, "Seed", "py", now=NOON)  # the same second
    third = create_migration(
        settings, "Later", now=datetime(2025, 11, 15, 7, 0, 0, tzinfo=UTC)
    )  # clock behind
    assert second.name == "20251115120001_seed.py"
    assert third.name.startswith("20251115120002_")
    parsed = [parse(f) for f in discover(first.parent)]
    assert [(m.revision, m.down_revision) for m in parsed] == [
        ("20251115120000", None),
        ("20251115120001", "20251115120000"),
        ("20251115120002", "20251115120001"),
    ]
    assert parsed[0].description == "Add users table"
    assert parsed[1].kind == "py"


def test_description_stays_one_line_and_safe(tmp_path: Path) -> None:
    settings = MigrationConfig(script_location=str(tmp_path))
    path = create_migration(settings, 'multi\nline """quoted"""', "py", now=NOON)
    assert parse(discover(tmp_path)[0]).description == 'multi line "quoted"'
    assert path.name == "20251115120000_multi_line_quoted.py"


def test_custom_template_keeps_other_braces(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "migration.sql").write_text(
        "-- revision: {revision}\n-- down_revision: {down_revision}\n-- description: {description}\n"
        "-- slug {slug} at {created_at}; keep {this} and {{that}}\n-- upgrade --\nSELECT '{}';\n"
    )
    settings = MigrationConfig(script_location=str(tmp_path / "m"), template_directory=str(templates))
    text = create_migration(settings, "Hello", now=NOON).read_text()
    assert "-- slug hello at 2025-11-15T12:00:00+00:00; keep {this} and {{that}}" in text
    assert "SELECT '{}';" in text
    # no migration.py in the folder: the built-in Python template is used
    assert "def upgrade(driver)" in create_migration(settings, "py one", "py", now=NOON).read_text()


def test_a_template_that_makes_a_broken_migration_is_refused_and_removed(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "migration.sql").write_text("-- revision: {revision}\nSELECT 1;\n")
    settings = MigrationConfig(script_location=str(tmp_path / "m"), template_directory=str(templates))
    with pytest.raises(MigrationSourceError, match="the template makes a broken migration"):
        create_migration(settings, "x", now=NOON)
    assert list((tmp_path / "m").iterdir()) == []


def test_missing_template_directory_is_a_config_error(tmp_path: Path) -> None:
    settings = MigrationConfig(script_location=str(tmp_path / "m"), template_directory=str(tmp_path / "nope"))
    with pytest.raises(ImproperConfigurationError, match="template_directory"):
        create_migration(settings, "x")
