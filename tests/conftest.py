"""Fixtures shared by every test: real SQLite files, and a scratch PostgreSQL or MySQL database per test.

PostgreSQL is found at ``$SQLSPEC_TEST_POSTGRES_DSN`` (default: the local server with trust auth),
MySQL/MariaDB at ``$SQLSPEC_TEST_MYSQL_DSN`` (default: root without a password on 127.0.0.1:3306).
Without a server those tests skip with the reason, unless ``SQLSPEC_REQUIRE_POSTGRES=1`` /
``SQLSPEC_REQUIRE_MYSQL=1`` (as CI sets), which turns that skip into a failure.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import asyncmy
import asyncpg
import pytest
from asyncmy.errors import MySQLError

from sqlspec import AsyncDatabaseConfig
from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec.adapters.asyncmy import AsyncmyConfig
from sqlspec.adapters.asyncpg import AsyncpgConfig

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_DSN = os.environ.get("SQLSPEC_TEST_POSTGRES_DSN", DEFAULT_DSN)
REQUIRE_POSTGRES = os.environ.get("SQLSPEC_REQUIRE_POSTGRES", "") not in {"", "0"}
MYSQL_DSN = os.environ.get("SQLSPEC_TEST_MYSQL_DSN", "mysql://root@127.0.0.1:3306/test")
REQUIRE_MYSQL = os.environ.get("SQLSPEC_REQUIRE_MYSQL", "") not in {"", "0"}

_server_problem: list[str | None] = []


def _with_database(dsn: str, database: str) -> str:
    base, _, _ = dsn.rpartition("/")
    return f"{base}/{database}"


async def _admin(*statements: str) -> None:
    connection = await asyncpg.connect(POSTGRES_DSN, timeout=5)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _postgres_unavailable() -> str | None:
    if not _server_problem:
        try:
            asyncio.run(_admin("SELECT 1"))
            _server_problem.append(None)
        except (OSError, asyncpg.PostgresError, TimeoutError) as error:
            _server_problem.append(f"no PostgreSQL at {POSTGRES_DSN}: {error}")
    return _server_problem[0]


@pytest.fixture
def postgres_dsn() -> Iterator[str]:
    """The DSN of a fresh, empty PostgreSQL database that is dropped after the test."""
    problem = _postgres_unavailable()
    if problem is not None:
        if REQUIRE_POSTGRES:
            pytest.fail(f"{problem} (SQLSPEC_REQUIRE_POSTGRES is set)")
        pytest.skip(problem)
    name = f"sqlspec_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(POSTGRES_DSN, name)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


_mysql_problem: list[str | None] = []


async def _mysql_admin(*statements: str) -> None:
    parts = urlsplit(MYSQL_DSN)
    connection = await asyncmy.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or "root"),
        password=unquote(parts.password or ""),
        autocommit=True,
        connect_timeout=5,
    )
    try:
        async with connection.cursor() as cursor:
            for statement in statements:
                await cursor.execute(statement)
    finally:
        await connection.ensure_closed()


def _mysql_unavailable() -> str | None:
    if not _mysql_problem:
        try:
            asyncio.run(_mysql_admin("SELECT 1"))
            _mysql_problem.append(None)
        except (OSError, MySQLError, TimeoutError) as error:
            _mysql_problem.append(f"no MySQL/MariaDB at {MYSQL_DSN}: {error}")
    return _mysql_problem[0]


@pytest.fixture
def mysql_dsn() -> Iterator[str]:
    """The DSN of a fresh, empty MySQL/MariaDB database that is dropped after the test."""
    problem = _mysql_unavailable()
    if problem is not None:
        if REQUIRE_MYSQL:
            pytest.fail(f"{problem} (SQLSPEC_REQUIRE_MYSQL is set)")
        pytest.skip(problem)
    name = f"sqlspec_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_mysql_admin(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    try:
        yield _with_database(MYSQL_DSN, name)
    finally:
        asyncio.run(_mysql_admin(f"DROP DATABASE IF EXISTS `{name}`"))


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    """An empty folder for a test's migration files."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    return folder


ConfigFactory = Callable[..., AsyncDatabaseConfig]


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def make_config(request: pytest.FixtureRequest, tmp_path: Path, migrations_dir: Path) -> ConfigFactory:
    """Build an async config on a fresh database of each dialect, migrations in ``migrations_dir``."""
    if request.param == "mysql":
        mysql: str = request.getfixturevalue("mysql_dsn")

        def on_mysql(**migration_config: Any) -> AsyncDatabaseConfig:
            settings = {"script_location": str(migrations_dir), **migration_config}
            return AsyncmyConfig(connection_config={"dsn": mysql}, migration_config=settings)

        return on_mysql
    if request.param == "postgres":
        dsn: str = request.getfixturevalue("postgres_dsn")

        def postgres(**migration_config: Any) -> AsyncDatabaseConfig:
            settings = {"script_location": str(migrations_dir), **migration_config}
            return AsyncpgConfig(connection_config={"dsn": dsn}, migration_config=settings)

        return postgres

    def sqlite(**migration_config: Any) -> AsyncDatabaseConfig:
        settings = {"script_location": str(migrations_dir), **migration_config}
        return AiosqliteConfig(
            connection_config={"database": str(tmp_path / "app.db")}, migration_config=settings
        )

    return sqlite
