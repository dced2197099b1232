"""Many migrators at once, and a lock held too long: nothing applied twice, a clear error."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import anyio
import asyncmy
import asyncpg
import pytest

from sqlspec import AsyncDatabaseConfig, LockTimeoutError
from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec.adapters.asyncmy import AsyncmyConfig
from sqlspec.adapters.asyncpg import AsyncpgConfig
from sqlspec.dialects.mysql import lock_name
from sqlspec.dialects.postgres import advisory_key
from tests.migration_files import sql_migration

PROCESSES = 16
MIGRATIONS = 20

CONFIG = """
from sqlspec.adapters.{module} import {cls}
config = {cls}(connection_config={connection!r}, migration_config={{"script_location": {folder!r}}})
"""


def _counted_migrations(folder: Path) -> None:
    folder.mkdir()
    sql_migration(folder, "0001", "ran", "CREATE TABLE ran (n INTEGER NOT NULL);")
    for n in range(2, MIGRATIONS + 1):
        sql_migration(
            folder, f"{n:04d}", f"m{n}", f"INSERT INTO ran (n) VALUES ({n});", down_revision=f"{n - 1:04d}"
        )


def _config(dialect: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[AsyncDatabaseConfig, str]:
    folder = str(tmp_path / "migrations")
    if dialect == "postgres":
        connection = {"dsn": request.getfixturevalue("postgres_dsn")}
        source = CONFIG.format(module="asyncpg", cls="AsyncpgConfig", connection=connection, folder=folder)
        return AsyncpgConfig(
            connection_config=connection, migration_config={"script_location": folder}
        ), source
    if dialect == "mysql":
        connection = {"dsn": request.getfixturevalue("mysql_dsn")}
        source = CONFIG.format(module="asyncmy", cls="AsyncmyConfig", connection=connection, folder=folder)
        return AsyncmyConfig(
            connection_config=connection, migration_config={"script_location": folder}
        ), source
    connection = {"database": str(tmp_path / "app.db")}
    source = CONFIG.format(module="aiosqlite", cls="AiosqliteConfig", connection=connection, folder=folder)
    return AiosqliteConfig(connection_config=connection, migration_config={"script_location": folder}), source


@pytest.mark.parametrize(
    "dialect",
    [
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ],
)
def test_sixteen_processes_upgrade_at_once(
    dialect: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    config, source = _config(dialect, tmp_path, request)
    _counted_migrations(tmp_path / "migrations")
    (tmp_path / "many_config.py").write_text(source)
    sqlspec = str(Path(sys.executable).parent / "sqlspec")
    processes = [
        subprocess.Popen(
            [sqlspec, "--config", "many_config.config", "upgrade"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        outcomes.append((process.returncode, out, err))
    assert all(code == 0 for code, _, _ in outcomes), [err for code, _, err in outcomes if code]
    applied = sum(out.count("✓ applied") for _, out, _ in outcomes)
    assert applied == MIGRATIONS  # every migration reported once, by whichever process ran it

    async def ran() -> list[int]:
        async with config.provide_driver() as driver:
            return [row["n"] for row in await driver.select("SELECT n FROM ran ORDER BY n")]

    assert anyio.run(ran) == list(range(2, MIGRATIONS + 1))


@pytest.mark.postgres
async def test_a_lock_held_too_long_names_its_holder_and_changes_nothing(
    postgres_dsn: str, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    _counted_migrations(folder)
    config = AsyncpgConfig(
        connection_config={"dsn": postgres_dsn},
        migration_config={"script_location": str(folder), "lock_timeout": 1},
    )
    holder = await asyncpg.connect(postgres_dsn, server_settings={"application_name": "other-migrator"})
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", advisory_key("sqlspec_version"))
        with pytest.raises(
            LockTimeoutError,
            match=r"it is held by PostgreSQL backend pid \d+ from [\d.]+, other-migrator, connected",
        ):
            await config.migrate_up()
    finally:
        await holder.close()
    assert await config.current_revision() is None
    assert len(await config.migrate_up()) == MIGRATIONS  # the lock vanished with its connection


@pytest.mark.mysql
async def test_a_mysql_lock_held_too_long_names_its_holder_and_changes_nothing(
    mysql_dsn: str, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    _counted_migrations(folder)
    config = AsyncmyConfig(
        connection_config={"dsn": mysql_dsn},
        migration_config={"script_location": str(folder), "lock_timeout": 1},
    )
    parts = urlsplit(mysql_dsn)
    database = parts.path.lstrip("/")
    holder = await asyncmy.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or "root"),
        password=unquote(parts.password or ""),
        database=database,
        autocommit=True,
    )
    try:
        async with holder.cursor() as cursor:
            await cursor.execute("SELECT GET_LOCK(%s, 0)", (lock_name(database, "sqlspec_version"),))
            assert (await cursor.fetchone())[0] == 1
        with pytest.raises(LockTimeoutError, match=rf"MySQL connection id {holder.thread_id()}\b") as raised:
            await config.migrate_up()
        assert "it is held by" in str(raised.value), raised.value
    finally:
        await holder.ensure_closed()
    assert await config.current_revision() is None
    assert len(await config.migrate_up()) == MIGRATIONS  # the lock vanished with its connection


@pytest.mark.postgres
async def test_a_waiting_cli_says_who_holds_the_lock(postgres_dsn: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    _counted_migrations(folder)
    (tmp_path / "waiting_config.py").write_text(
        "from sqlspec.adapters.asyncpg import AsyncpgConfig\n"
        f"config = AsyncpgConfig(connection_config={{'dsn': {postgres_dsn!r}}}, "
        f"migration_config={{'script_location': {str(folder)!r}, 'lock_timeout': 2.5}})\n"
    )
    holder = await asyncpg.connect(postgres_dsn, server_settings={"application_name": "deploy-42"})
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", advisory_key("sqlspec_version"))
        done = await anyio.run_process(
            [str(Path(sys.executable).parent / "sqlspec"), "--config", "waiting_config.config", "upgrade"],
            cwd=tmp_path,
            check=False,
        )
    finally:
        await holder.close()
    lines = done.stderr.decode().splitlines()
    assert done.returncode == 1
    assert re.fullmatch(
        r"Warning: waiting for the migration lock, held by PostgreSQL backend pid \d+ from [\d.]+, "
        r"deploy-42, connected \d+s, idle for \d+s, which is alive \(1 s so far\)",
        lines[0],
    ), lines
    assert lines[-1].startswith("Error: "), lines
    assert "deploy-42" in lines[-1]
