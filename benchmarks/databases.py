"""Scratch databases: a new PostgreSQL or MySQL database or SQLite file per run, and a look inside.

The benchmark's databases (its *dialects*): ``sqlite`` (a file under the scratch folder, on disk:
every commit waits for an fsync), ``sqlite-ram`` (a file on the RAM disk ``/dev/shm``: no fsync,
so what a tool does per migration in the CPU shows), ``postgres`` and ``mysql`` (MariaDB or MySQL).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import asyncpg

from benchmarks.tools import Target

__all__ = (
    "DEFAULT_DSN",
    "DEFAULT_MYSQL_DSN",
    "DIALECTS",
    "RAM_DISK",
    "MysqlServer",
    "Server",
    "Servers",
    "count_tables",
    "create",
    "drop",
)

DEFAULT_DSN = os.environ.get("SQLSPEC_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
"""The server's admin database: scratch databases are created from, and dropped through, it."""
DEFAULT_MYSQL_DSN = os.environ.get("SQLSPEC_TEST_MYSQL_DSN", "mysql://root@127.0.0.1:3306/test")
"""The MySQL/MariaDB account that creates and drops the scratch databases."""
RAM_DISK = Path("/dev/shm")
DIALECTS = ("sqlite", "sqlite-ram", "postgres", "mysql")


class Server:
    """The PostgreSQL server the benchmark uses, from an admin DSN (``postgresql://user@host:port/db``)."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        parts = urlsplit(dsn)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 5432
        self.user = parts.username or "postgres"

    def admin(self, *statements: str) -> list[str]:
        """Run statements on the admin database; each one's first value, as text."""

        async def run() -> list[str]:
            connection = await asyncpg.connect(self.dsn, timeout=10)
            try:
                results: list[str] = []
                for statement in statements:
                    value = await connection.fetchval(statement)
                    results.append(str(value))
                return results
            finally:
                await connection.close()

        return asyncio.run(run())

    def version(self) -> str:
        """The server's version, e.g. ``15.20``."""
        return self.admin("SHOW server_version")[0].split()[0]

    def settings(self) -> dict[str, str]:
        """The settings that change what a commit costs."""
        names = ("fsync", "synchronous_commit", "wal_level")
        return dict(zip(names, self.admin(*(f"SHOW {name}" for name in names)), strict=True))


class MysqlServer:
    """The MySQL/MariaDB server, from ``mysql://user[:password]@host:port/db``."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        parts = urlsplit(dsn)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 3306
        self.user = unquote(parts.username or "root")
        self.password = unquote(parts.password or "")
        self.database = parts.path.lstrip("/") or None

    async def _connect(self, database: str | None = None) -> Any:
        import asyncmy

        return await asyncmy.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=database or self.database,
            autocommit=True,
            connect_timeout=10,
        )

    def admin(self, *statements: str, database: str | None = None) -> list[str]:
        """Run statements; each one's first value (if any), as text."""

        async def run() -> list[str]:
            connection = await self._connect(database)
            try:
                results: list[str] = []
                async with connection.cursor() as cursor:
                    for statement in statements:
                        await cursor.execute(statement)
                        row = await cursor.fetchone() if cursor.description else None
                        results.append("" if row is None else str(row[0]))
                return results
            finally:
                connection.close()

        return asyncio.run(run())

    def version(self) -> str:
        return self.admin("SELECT VERSION()")[0]

    def settings(self) -> dict[str, str]:
        """The settings that change what a commit costs."""
        names = ("innodb_flush_log_at_trx_commit", "sync_binlog", "log_bin")
        return dict(zip(names, self.admin(*(f"SELECT @@{name}" for name in names)), strict=True))


class Servers:
    """Both servers; a server is only contacted when a run uses its database."""

    def __init__(self, dsn: str, mysql_dsn: str) -> None:
        self.postgres = Server(dsn)
        self.mysql = MysqlServer(mysql_dsn)


def create(dialect: str, servers: Servers, scratch: Path) -> Target:
    """A new, empty database, on a quiet disk.

    The previous run's writes are flushed first (``sync``, and a PostgreSQL ``CHECKPOINT``), so a
    run does not pay for its predecessor's write-back: every commit here waits for an fsync (but
    on ``sqlite-ram``).
    """
    name = f"bench_{uuid.uuid4().hex[:12]}"
    if dialect == "postgres":
        servers.postgres.admin(f'CREATE DATABASE "{name}"', "CHECKPOINT")
    elif dialect == "mysql":
        servers.mysql.admin(f"CREATE DATABASE `{name}`")
    os.sync()
    if dialect == "sqlite":
        return Target("sqlite", str(scratch / f"{name}.db"))
    if dialect == "sqlite-ram":
        folder = RAM_DISK / "sqlspec-bench"
        folder.mkdir(exist_ok=True)
        return Target("sqlite", str(folder / f"{name}.db"))
    if dialect == "mysql":
        server = servers.mysql
        return Target("mysql", name, server.host, server.port, server.user, server.password)
    pg = servers.postgres
    return Target("postgres", name, pg.host, pg.port, pg.user)


def drop(target: Target, servers: Servers) -> None:
    """Remove a database made by :func:`create`."""
    if target.dialect == "sqlite":
        for suffix in ("", "-journal", "-wal", "-shm", ".sqlspec-lock"):  # and sqlspec's run-lock file
            Path(target.database + suffix).unlink(missing_ok=True)
    elif target.dialect == "mysql":
        servers.mysql.admin(f"DROP DATABASE IF EXISTS `{target.database}`")
    else:
        servers.postgres.admin(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')


def count_tables(target: Target) -> int:
    """How many of the benchmark's ``bench_N`` tables exist: N after an upgrade, 0 after a downgrade."""
    if target.dialect == "sqlite":
        with closing(sqlite3.connect(target.database)) as connection:
            row = connection.execute(
                "SELECT count(*) FROM sqlite_master "
                "WHERE type = 'table' AND name LIKE 'bench\\_%' ESCAPE '\\'"
            ).fetchone()
        return int(row[0])
    if target.dialect == "mysql":
        server = MysqlServer(target.url("mysql"))
        value = server.admin(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name LIKE 'bench\\\\_%'"
        )[0]
        return int(value)

    async def run() -> int:
        connection = await asyncpg.connect(target.url("postgresql"), timeout=10)
        try:
            value = await connection.fetchval(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'bench\\_%'"
            )
            return int(value)
        finally:
            await connection.close()

    return asyncio.run(run())
