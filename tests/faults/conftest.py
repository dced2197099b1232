"""A project on a real database that the fault tests drive through the CLI and the API.

Each test gets a fresh SQLite file or PostgreSQL database, a migrations folder, and a config module
the ``sqlspec`` command imports, so a test can start real processes, signal them, and then look at
the database with plain SQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sqlspec import AsyncDatabaseConfig
from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec.adapters.asyncmy import AsyncmyConfig
from sqlspec.adapters.asyncpg import AsyncpgConfig

SQLSPEC = str(Path(sys.executable).parent / "sqlspec")


@dataclass
class Project:
    """A migrations folder, a database and a config module naming both."""

    dialect: str
    root: Path
    target: str
    """The PostgreSQL DSN, or the SQLite file's path."""

    @property
    def migrations(self) -> Path:
        return self.root / "migrations"

    def config(self, **migration_config: Any) -> AsyncDatabaseConfig:
        settings = {"script_location": str(self.migrations), **migration_config}
        if self.dialect == "postgres":
            return AsyncpgConfig(connection_config={"dsn": self.target}, migration_config=settings)
        if self.dialect == "mysql":
            return AsyncmyConfig(connection_config={"dsn": self.target}, migration_config=settings)
        return AiosqliteConfig(connection_config={"database": self.target}, migration_config=settings)

    def write_config(self, **migration_config: Any) -> None:
        """The module ``sqlspec --config faultcfg.config`` loads."""
        settings = {"script_location": str(self.migrations), **migration_config}
        if self.dialect in {"postgres", "mysql"}:
            module, name = (
                ("asyncpg", "AsyncpgConfig") if self.dialect == "postgres" else ("asyncmy", "AsyncmyConfig")
            )
            source = (
                f"from sqlspec.adapters.{module} import {name}\n"
                f"config = {name}(connection_config={{'dsn': {self.target!r}}}, "
                f"migration_config={settings!r})\n"
            )
        else:
            source = (
                "from sqlspec.adapters.aiosqlite import AiosqliteConfig\n"
                f"config = AiosqliteConfig(connection_config={{'database': {self.target!r}}}, "
                f"migration_config={settings!r})\n"
            )
        (self.root / "faultcfg.py").write_text(source)

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start ``sqlspec --config faultcfg.config <args>`` in the background."""
        if not (self.root / "faultcfg.py").exists():
            self.write_config()
        return subprocess.Popen(
            [SQLSPEC, "--config", "faultcfg.config", *args],
            cwd=self.root,
            env={**os.environ, "PYTHONPATH": str(self.root), "NO_COLOR": "1"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run ``sqlspec --config faultcfg.config <args>`` to its end."""
        process = self.start(*args)
        stdout, stderr = process.communicate(timeout=timeout)
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def finish(process: subprocess.Popen[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Wait for a started command and collect its output."""
    stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def signal_after(process: subprocess.Popen[str], seconds: float, signum: int = signal.SIGTERM) -> None:
    """Send ``signum`` once ``seconds`` have passed (the process must still be running)."""
    time.sleep(seconds)
    assert process.poll() is None, "the command ended before the signal"
    process.send_signal(signum)


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one ``Error:`` line a failed command prints; no traceback, nothing after it."""
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("Warning: ")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


ProjectFactory = Callable[[], Project]


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def project(request: pytest.FixtureRequest, tmp_path: Path) -> Project:
    """A project on each database."""
    if request.param in {"postgres", "mysql"}:
        target: str = request.getfixturevalue(f"{request.param}_dsn")
    else:
        target = str(tmp_path / "app.db")
    found = Project(request.param, tmp_path, target)
    found.migrations.mkdir()
    return found


@pytest.fixture
def postgres_project(postgres_dsn: str, tmp_path: Path) -> Project:
    """A project on PostgreSQL only, for faults only a server has."""
    found = Project("postgres", tmp_path, postgres_dsn)
    found.migrations.mkdir()
    return found


@pytest.fixture
def sqlite_project(tmp_path: Path) -> Project:
    """A project on SQLite only."""
    found = Project("sqlite", tmp_path, str(tmp_path / "app.db"))
    found.migrations.mkdir()
    return found


async def query(project: Project, sql: str) -> list[dict[str, Any]]:
    """Rows of a query, through a plain connection of the project's database."""
    async with project.config().provide_driver() as driver:
        return await driver.select(sql)


async def version_rows(project: Project) -> dict[str, tuple[str, int | None]]:
    """``{revision: (status, progress)}`` of the version table."""
    rows = await query(project, "SELECT version_num, status, progress FROM sqlspec_version")
    return {row["version_num"]: (row["status"], row["progress"]) for row in rows}
