"""Several workers starting at once: each migration runs exactly once, and every worker serves."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import anyio
import pytest

from sqlspec import AsyncDatabaseConfig
from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec.adapters.asyncpg import AsyncpgConfig
from tests.migration_files import sql_migration

WORKERS = 4
MIGRATIONS = 30

APP = """
from litestar import Litestar, get
from litestar.di import NamedDependency
from sqlspec import AsyncDriver
from sqlspec.adapters.{module} import {config_class}
from sqlspec_litestar import SQLSpecPlugin

config = {config_class}(connection_config={connection!r})


@get("/count")
async def count(db: NamedDependency[AsyncDriver]) -> int:
    return await db.select_value("SELECT count(*) FROM ran")


app = Litestar(route_handlers=[count], plugins=[SQLSpecPlugin(config)])
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _write_project(folder: Path, module: str, config_class: str, connection: dict[str, str]) -> None:
    (folder / "webapp.py").write_text(
        APP.format(module=module, config_class=config_class, connection=connection)
    )
    migrations = folder / "migrations"
    migrations.mkdir()
    sql_migration(migrations, "0001", "ran", "CREATE TABLE ran (n INTEGER NOT NULL);", "DROP TABLE ran;")
    for n in range(2, MIGRATIONS + 1):
        sql_migration(
            migrations,
            f"{n:04d}",
            f"step_{n}",
            f"INSERT INTO ran (n) VALUES ({n});",
            down_revision=f"{n - 1:04d}",
        )


def _serve_and_wait(folder: Path) -> str:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "webapp:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(WORKERS),
        ],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(folder)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        answers: list[str] = []
        while time.monotonic() < deadline and len(answers) < 20:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/count", timeout=5) as response:
                    answers.append(response.read().decode())
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.2)
        assert answers, "no worker answered"
        assert set(answers) == {str(MIGRATIONS - 1)}, answers
    finally:
        server.send_signal(signal.SIGINT)
        try:
            log, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            log, _ = server.communicate()
    return log


async def _ran(config: AsyncDatabaseConfig) -> tuple[list[int], int]:
    async with config.provide_driver() as driver:
        ran = [row["n"] for row in await driver.select("SELECT n FROM ran ORDER BY n")]
        versions = await driver.select_value("SELECT count(*) FROM sqlspec_version")
    return ran, int(versions)


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_four_workers_start_at_once(dialect: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    config: AsyncDatabaseConfig
    if dialect == "postgres":
        dsn: str = request.getfixturevalue("postgres_dsn")
        _write_project(tmp_path, "asyncpg", "AsyncpgConfig", {"dsn": dsn})
        config = AsyncpgConfig(connection_config={"dsn": dsn})
    else:
        database = str(tmp_path / "app.db")
        _write_project(tmp_path, "aiosqlite", "AiosqliteConfig", {"database": database})
        config = AiosqliteConfig(connection_config={"database": database})
    log = _serve_and_wait(tmp_path)
    assert log.count("Application startup complete") == WORKERS, log
    ran, versions = anyio.run(_ran, config)
    assert ran == list(range(2, MIGRATIONS + 1))  # each insert exactly once
    assert versions == MIGRATIONS
