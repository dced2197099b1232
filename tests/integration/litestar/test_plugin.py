"""The Litestar plugin: migrations at start-up, the injected driver, and `litestar database`."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from litestar import Litestar, get
from litestar.di import NamedDependency
from litestar.testing import TestClient

from sqlspec import AsyncDatabaseConfig, AsyncDriver, MigrationExecutionError
from tests.conftest import ConfigFactory
from tests.migration_files import sql_migration


def _app(config: AsyncDatabaseConfig, **options: object) -> Litestar:
    from sqlspec_litestar import SQLSpecPlugin

    @get("/notes")
    async def notes(db: NamedDependency[AsyncDriver]) -> list[str]:
        return [row["body"] for row in await db.select("SELECT body FROM notes ORDER BY id")]

    # logging_config=None: Litestar's own logging setup would replace pytest's capture handler
    plugin = SQLSpecPlugin(config, **options)  # type: ignore[arg-type]
    return Litestar(route_handlers=[notes], plugins=[plugin], logging_config=None)


def _notes_migrations(folder: Path) -> None:
    sql_migration(
        folder,
        "0001",
        "notes",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);",
        "DROP TABLE notes;",
    )
    sql_migration(
        folder,
        "0002",
        "hello",
        "INSERT INTO notes (id, body) VALUES (1, 'hello');",
        "DELETE FROM notes;",
        down_revision="0001",
    )


def test_start_up_applies_pending_migrations_and_handlers_get_a_driver(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    _notes_migrations(migrations_dir)
    config = make_config()
    with TestClient(_app(config)) as client:
        assert client.get("/notes").json() == ["hello"]
    with TestClient(_app(config)) as client:  # a second start: nothing applied twice
        assert client.get("/notes").json() == ["hello"]


def test_auto_migrate_off_leaves_the_database_alone(make_config: ConfigFactory, migrations_dir: Path) -> None:
    _notes_migrations(migrations_dir)
    config = make_config()
    with TestClient(_app(config, auto_migrate=False)) as client:
        assert client.get("/notes").status_code == 500
    import anyio

    assert anyio.run(config.current_revision) is None


def test_a_failing_migration_stops_start_up_with_one_log_line(
    make_config: ConfigFactory, migrations_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlspec_litestar import StartupError

    sql_migration(migrations_dir, "0001", "bad", "SELECT * FROM no_such_table;")
    config = make_config()
    with (
        caplog.at_level(logging.INFO, logger="sqlspec"),
        pytest.raises(BaseExceptionGroup) as caught,
        TestClient(_app(config)),
    ):
        pass
    assert caught.group_contains(StartupError)
    failure = caught.value.exceptions[0]
    assert isinstance(failure, StartupError)
    assert isinstance(failure.__cause__, MigrationExecutionError)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "sqlspec" and r.levelno >= logging.ERROR]
    assert line.startswith(f"sqlspec: cannot start: {config.dialect.name} (")
    assert "upgrade of 0001 failed (" in line
    assert "0001_bad.sql" in line
    assert "\n" not in line


APP_SOURCE = """
from litestar import Litestar
from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec_litestar import SQLSpecPlugin

config = AiosqliteConfig(connection_config={{"database": {database!r}}})
app = Litestar(plugins=[SQLSpecPlugin(config)])
"""


def _litestar(folder: Path, *args: str, group: str = "database") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "litestar"), "--app", "webapp:app", group, *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(folder)},
        check=False,
    )


def test_litestar_database_commands(tmp_path: Path) -> None:
    (tmp_path / "webapp.py").write_text(APP_SOURCE.format(database=str(tmp_path / "app.db")))
    assert _litestar(tmp_path, "init").stdout == "Created: migrations/\n"
    created = _litestar(tmp_path, "create-migration", "-m", "add notes")
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("Created: migrations/")
    new_file = tmp_path / created.stdout.split("Created: ")[1].strip()
    new_file.write_text(
        new_file.read_text().replace("-- upgrade --\n", "-- upgrade --\nCREATE TABLE notes (id INTEGER);\n")
    )
    upgraded = _litestar(tmp_path, "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Applied 1 migration(s)" in upgraded.stdout
    history = _litestar(tmp_path, "history")
    assert "applied" in history.stdout
    as_json = _litestar(tmp_path, "history", "--json")
    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)  # one JSON document, as `sqlspec history --json` prints
    assert document["command"] == "history"
    assert [entry["status"] for entry in document["migrations"]] == ["applied"]
    checked = _litestar(tmp_path, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    downgraded = _litestar(tmp_path, "downgrade", "-1", "--no-prompt")
    assert downgraded.returncode == 0, downgraded.stderr
    assert "Reverted 1 migration(s)" in downgraded.stdout
    bad = _litestar(tmp_path, "upgrade", "0042")
    assert bad.returncode == 2
    assert bad.stderr.startswith("Error: unknown revision '0042'")
    unknown = _litestar(tmp_path, "upgrade", "--bogus")
    assert unknown.returncode == 2
    assert "No such option: --bogus" in unknown.stderr


def test_litestar_database_is_a_click_group_with_help_and_a_db_alias(tmp_path: Path) -> None:
    (tmp_path / "webapp.py").write_text(APP_SOURCE.format(database=str(tmp_path / "app.db")))
    (tmp_path / "migrations").mkdir()
    sql_migration(tmp_path / "migrations", "0001", "notes", "CREATE TABLE notes (id INTEGER);")
    listed = _litestar(tmp_path, "--help", group="--help")
    assert "database" in listed.stdout
    assert " db " not in listed.stdout  # the alias works but is not listed twice
    helped = _litestar(tmp_path, "--help")
    assert helped.returncode == 0, helped.stderr
    for command in ("upgrade", "downgrade", "history", "check", "create-migration", "show-config"):
        assert command in helped.stdout
    assert "--config" not in helped.stdout
    assert "--bind-key" in helped.stdout
    assert _litestar(tmp_path).stdout == helped.stdout  # no command: the same help
    options = _litestar(tmp_path, "upgrade", "--help")
    assert options.returncode == 0, options.stderr
    assert "litestar database upgrade [OPTIONS] [REVISION]" in options.stdout
    for option in ("--dry-run", "--resume", "--interrupted"):
        assert option in options.stdout
    upgraded = _litestar(tmp_path, "upgrade", group="db")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Applied 1 migration(s)" in upgraded.stdout
    current = _litestar(tmp_path, "--bind-key", "nope", "show-current-revision", group="db")
    assert current.returncode == 2
    assert "no config has bind_key 'nope'" in current.stderr
    bad_choice = _litestar(tmp_path, "create-migration", "-m", "x", "--format", "xml")
    assert bad_choice.returncode == 2
    assert "'xml' is not one of 'sql', 'py'" in bad_choice.stdout + bad_choice.stderr


def test_litestar_completes_database_commands_and_options(tmp_path: Path) -> None:
    (tmp_path / "webapp.py").write_text(APP_SOURCE.format(database=str(tmp_path / "app.db")))

    def complete(words: str) -> list[str]:
        completed = subprocess.run(
            [str(Path(sys.executable).parent / "litestar")],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env={
                **os.environ,
                "PYTHONPATH": str(tmp_path),
                "LITESTAR_APP": "webapp:app",
                "_LITESTAR_COMPLETE": "bash_complete",
                "COMP_WORDS": f"litestar {words}",
                "COMP_CWORD": str(len(words.split(" "))),
            },
            check=False,
        )
        return [line.split(",", 1)[1] for line in completed.stdout.splitlines() if "," in line]

    assert "database" in complete("da")
    assert {"upgrade", "downgrade"} <= set(complete("database ")) | set(complete("db "))
    assert "--dry-run" in complete("db upgrade --")
