"""The Litestar plugin and PostgreSQL tenant schemas: migrated at start-up only when asked."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from sqlspec.adapters.asyncpg import AsyncpgConfig
from sqlspec_litestar import SQLSpecPlugin, StartupError
from tests.migration_files import sql_migration

pytestmark = pytest.mark.postgres
TENANTS = ["acme", "globex", "initech"]


def _sql(dsn: str, *statements: str) -> list[object]:
    async def run() -> list[object]:
        connection = await asyncpg.connect(dsn)
        try:
            return [await connection.fetchval(statement) for statement in statements]
        finally:
            await connection.close()

    return asyncio.run(run())


def _setup(dsn: str, folder: Path) -> AsyncpgConfig:
    sql_migration(folder, "0001", "notes", "CREATE TABLE notes (id INTEGER);", "DROP TABLE notes;")
    _sql(dsn, *(f"CREATE SCHEMA {schema}" for schema in TENANTS))
    return AsyncpgConfig(
        connection_config={"dsn": dsn},
        migration_config={"script_location": str(folder), "tenant_schemas": TENANTS},
    )


def _tables(dsn: str) -> list[object]:
    return _sql(dsn, *(f"SELECT to_regclass('{schema}.notes')::text" for schema in [*TENANTS, "public"]))


def test_tenants_are_left_to_the_cli_by_default(postgres_dsn: str, migrations_dir: Path) -> None:
    config = _setup(postgres_dsn, migrations_dir)
    with TestClient(Litestar(plugins=[SQLSpecPlugin(config)], logging_config=None)):
        pass
    assert _tables(postgres_dsn) == [None, None, None, None]


def test_migrate_tenants_migrates_every_schema_at_start_up(postgres_dsn: str, migrations_dir: Path) -> None:
    config = _setup(postgres_dsn, migrations_dir)
    plugin = SQLSpecPlugin(config, migrate_tenants=True, tenant_concurrency=2)
    with TestClient(Litestar(plugins=[plugin], logging_config=None)):
        pass
    assert _tables(postgres_dsn) == [f"{schema}.notes" for schema in TENANTS] + [None]


def test_a_failing_tenant_stops_start_up(
    postgres_dsn: str, migrations_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = _setup(postgres_dsn, migrations_dir)
    _sql(postgres_dsn, "CREATE TABLE globex.notes (id INTEGER)")
    plugin = SQLSpecPlugin(config, migrate_tenants=True)
    with (
        caplog.at_level(logging.ERROR, logger="sqlspec"),
        pytest.raises(BaseExceptionGroup) as caught,
        TestClient(Litestar(plugins=[plugin], logging_config=None)),
    ):
        pass
    assert caught.group_contains(StartupError, match="1 of 3 tenant schemas failed to migrate, first globex")
    assert _sql(postgres_dsn, "SELECT count(*) FROM acme.sqlspec_version") == [1]


def test_litestar_database_tenant_create(postgres_dsn: str, tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    sql_migration(tmp_path / "migrations", "0001", "notes", "CREATE TABLE notes (id INTEGER);", "")
    (tmp_path / "webapp.py").write_text(
        "from litestar import Litestar\n"
        "from sqlspec.adapters.asyncpg import AsyncpgConfig\n"
        "from sqlspec_litestar import SQLSpecPlugin\n\n"
        f"config = AsyncpgConfig(connection_config={{'dsn': {postgres_dsn!r}}}, "
        "migration_config={'tenant_schemas': []})\n"
        "app = Litestar(plugins=[SQLSpecPlugin(config)])\n"
    )
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "litestar"),
            "--app",
            "webapp:app",
            "db",
            "tenant",
            "create",
            "umbrella",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert _sql(postgres_dsn, "SELECT to_regclass('umbrella.notes')::text") == ["umbrella.notes"]
