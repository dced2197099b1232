"""Workers starting while a long migration runs wait for it, then all start; none re-runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import anyio

from tests.faults.conftest import Project, query, version_rows
from tests.integration.litestar.test_workers import _free_port
from tests.migration_files import py_migration, sql_migration

WORKERS = 4
APP = """
from litestar import Litestar, get
from litestar.di import NamedDependency
from sqlspec import AsyncDriver
from sqlspec.adapters.{module} import {config_class}
from sqlspec_litestar import SQLSpecPlugin

config = {config_class}(
    connection_config={connection!r},
    migration_config={{"script_location": {migrations!r}, "lock_timeout": 1}},
)


@get("/count")
async def count(db: NamedDependency[AsyncDriver]) -> int:
    return await db.select_value("SELECT count(*) FROM ran")


app = Litestar(route_handlers=[count], plugins=[SQLSpecPlugin(config)])
"""


def test_workers_wait_out_a_migration_longer_than_lock_timeout(project: Project) -> None:
    dialect = project.dialect
    sql_migration(
        project.migrations, "0001", "ran", "CREATE TABLE ran (n INTEGER NOT NULL);", "DROP TABLE ran;"
    )
    py_migration(
        project.migrations,
        "0002",
        "slow_data",
        "import time\n\n\ndef upgrade(driver):\n    driver.execute('INSERT INTO ran (n) VALUES (2)')\n"
        "    time.sleep(6)  # a data migration far longer than lock_timeout\n",
        down_revision="0001",
    )
    module, config_class, connection = {
        "postgres": ("asyncpg", "AsyncpgConfig", {"dsn": project.target}),
        "mysql": ("asyncmy", "AsyncmyConfig", {"dsn": project.target}),
        "sqlite": ("aiosqlite", "AiosqliteConfig", {"database": project.target}),
    }[dialect]
    (project.root / "webapp.py").write_text(
        APP.format(
            module=module,
            config_class=config_class,
            connection=connection,
            migrations=str(project.migrations),
        )
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "webapp:app", "--port", str(port), "--workers", str(WORKERS)],
        cwd=project.root,
        env={**os.environ, "PYTHONPATH": str(project.root)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    answers: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(answers) < 20 and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/count", timeout=5) as response:
                    answers.append(response.read().decode())
            except OSError:
                time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            log, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            log, _ = server.communicate()
    assert set(answers) == {"1"}, log
    assert log.count("Application startup complete") == WORKERS, log
    assert "gave up waiting" not in log
    assert "waiting for the migration lock" in log
    assert "which is alive" in log

    async def state() -> tuple[list[int], dict[str, tuple[str, int | None]]]:
        rows = await query(project, "SELECT n FROM ran")
        return [row["n"] for row in rows], await version_rows(project)

    ran, versions = anyio.run(state)
    assert ran == [2]  # the data migration ran once
    assert set(versions) == {"0001", "0002"}
