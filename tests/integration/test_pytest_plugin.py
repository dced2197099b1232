"""The pytest plugin, run as a user runs it: ``pytest`` on their own test file, sqlspec installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.migration_files import sql_migration

USER_TESTS = """
from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec.adapters.sqlite import SqliteConfig

def config(kind):
    settings = {{"script_location": {folder!r}}}
    return kind(connection_config={{"database": "unused.db"}}, migration_config=settings)

def test_sync(migration_stairway):
    migration_stairway(config(SqliteConfig))

async def test_async(migration_stairway):
    await migration_stairway.check(config(AiosqliteConfig))
"""


def _run_user_suite(tmp_path: Path, migrations_dir: Path) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_user_migrations.py").write_text(USER_TESTS.format(folder=str(migrations_dir)))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["-o", "asyncio_mode=auto", "test_user_migrations.py"]
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def history(migrations_dir: Path) -> Path:
    sql_migration(
        migrations_dir, "0001", "users", "CREATE TABLE users (id INTEGER, email TEXT);", "DROP TABLE users;"
    )
    return migrations_dir


def test_a_correct_history_passes_in_the_users_suite(tmp_path: Path, history: Path) -> None:
    sql_migration(
        history, "0002", "idx", "CREATE INDEX e ON users (email);", "DROP INDEX e;", down_revision="0001"
    )
    result = _run_user_suite(tmp_path, history)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert not (tmp_path / "unused.db").exists()  # the scratch database, never the configured one


def test_a_wrong_downgrade_fails_the_users_test_with_the_diff(tmp_path: Path, history: Path) -> None:
    sql_migration(history, "0002", "idx", "CREATE INDEX e ON users (email);", "", down_revision="0001")
    result = _run_user_suite(tmp_path, history)
    assert result.returncode == 1
    assert "2 failed" in result.stdout
    assert "0002_idx.sql: restore: its downgrade does not restore the schema" in result.stdout
    assert "index e: only after the downgrade" in result.stdout
    assert "Traceback" not in result.stdout
