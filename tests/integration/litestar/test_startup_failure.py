"""A start-up that cannot happen, read from a real ``uvicorn --workers 2`` log.

Each worker logs one ``sqlspec: cannot start: ...`` line naming the database and the reason, uvicorn
its own one-line "Application startup failed", and nobody a traceback; the server stops.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.litestar.test_workers import _free_port
from tests.migration_files import sql_migration

WORKERS = 2
APP = """
from litestar import Litestar
from sqlspec.adapters.{module} import {config_class}
from sqlspec_litestar import SQLSpecPlugin

config = {config_class}(
    connection_config={connection!r}, migration_config={{"script_location": {migrations!r}}}
)
app = Litestar(plugins=[SQLSpecPlugin(config)])
"""


def _serve(folder: Path, module: str, config_class: str, connection: dict[str, object]) -> str:
    """Run uvicorn with two workers on the app until it gives up; its whole log."""
    migrations = folder / "migrations"
    migrations.mkdir(exist_ok=True)
    source = APP.format(
        module=module, config_class=config_class, connection=connection, migrations=str(migrations)
    )
    (folder / "webapp.py").write_text(source)
    server = subprocess.run(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "webapp:app",
            "--port",
            str(_free_port()),
            "--workers",
            str(WORKERS),
        ],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(folder)},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    return server.stdout + server.stderr


def _failure_lines(log: str) -> list[str]:
    """The sqlspec lines, after asserting the shape of a start-up that failed in every worker."""
    assert "Traceback" not in log, log
    lines = [line for line in log.splitlines() if "sqlspec: cannot start: " in line]
    started = len(re.findall(r"Started server process \[\d+\]", log))
    # A worker that got as far as "Started server process" runs its start-up to the end, even
    # when the parent stops it early: it logs its line. All of them normally get there.
    assert 1 <= started <= WORKERS, log
    assert len(lines) == started, log
    assert log.count("Application startup failed. Exiting.") == started, log
    assert "failed to start, stopping the parent process" in log, log
    assert "Application startup complete" not in log, log
    return [line[line.index("sqlspec: cannot start: ") :] for line in lines]


def test_a_failing_migration(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    sql_migration(tmp_path / "migrations", "0001", "bad", "SELECT * FROM no_such_table;")
    database = tmp_path / "app.db"
    lines = _failure_lines(_serve(tmp_path, "aiosqlite", "AiosqliteConfig", {"database": str(database)}))
    for line in lines:
        assert line.startswith(
            f"sqlspec: cannot start: sqlite (database={database}): upgrade of 0001 failed ("
        )
        assert "0001_bad.sql" in line
        assert "no such table: no_such_table" in line


def test_an_unreachable_postgres(tmp_path: Path) -> None:
    dsn = "postgresql://app:s3cr3t@127.0.0.1:1/app"  # nothing listens on port 1
    lines = _failure_lines(_serve(tmp_path, "asyncpg", "AsyncpgConfig", {"dsn": dsn, "timeout": 5}))
    for line in lines:
        assert line.startswith("sqlspec: cannot start: cannot connect to PostgreSQL at 127.0.0.1:1/app: ")
        assert "s3cr3t" not in line


def test_a_sqlite_file_in_a_missing_folder(tmp_path: Path) -> None:
    database = tmp_path / "no" / "such" / "folder" / "app.db"
    lines = _failure_lines(_serve(tmp_path, "aiosqlite", "AiosqliteConfig", {"database": str(database)}))
    for line in lines:
        assert line.startswith(f"sqlspec: cannot start: cannot open SQLite database {str(database)!r}: ")


@pytest.mark.postgres
def test_a_failing_migration_on_postgres(tmp_path: Path, postgres_dsn: str) -> None:
    (tmp_path / "migrations").mkdir()
    sql_migration(tmp_path / "migrations", "0001", "bad", "SELECT * FROM no_such_table;")
    lines = _failure_lines(_serve(tmp_path, "asyncpg", "AsyncpgConfig", {"dsn": postgres_dsn}))
    for line in lines:
        assert line.startswith(
            f"sqlspec: cannot start: postgres (dsn={postgres_dsn}): upgrade of 0001 failed ("
        )
        assert 'relation "no_such_table" does not exist' in line
