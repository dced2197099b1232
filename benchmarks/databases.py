"""Scratch databases: a new PostgreSQL database or SQLite file per run, and a look at what it holds."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from benchmarks.tools import Target

__all__ = ("DEFAULT_DSN", "Server", "count_tables", "create", "drop")

DEFAULT_DSN = os.environ.get("SQLSPEC_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
"""The server's admin database: scratch databases are created from, and dropped through, it."""


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


def create(dialect: str, server: Server, scratch: Path) -> Target:
    """A new, empty database, on a quiet disk.

    The previous run's writes are flushed first (``sync``, and a PostgreSQL ``CHECKPOINT``), so a
    run does not pay for its predecessor's write-back: every commit here waits for an fsync.
    """
    name = f"bench_{uuid.uuid4().hex[:12]}"
    if dialect == "postgres":
        server.admin(f'CREATE DATABASE "{name}"', "CHECKPOINT")
    os.sync()
    if dialect == "sqlite":
        return Target("sqlite", str(scratch / f"{name}.db"))
    return Target("postgres", name, server.host, server.port, server.user)


def drop(target: Target, server: Server) -> None:
    """Remove a database made by :func:`create`."""
    if target.dialect == "sqlite":
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(target.database + suffix).unlink(missing_ok=True)
        return
    server.admin(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')


def count_tables(target: Target) -> int:
    """How many of the benchmark's ``bench_N`` tables exist: N after an upgrade, 0 after a downgrade."""
    if target.dialect == "sqlite":
        with closing(sqlite3.connect(target.database)) as connection:
            row = connection.execute(
                "SELECT count(*) FROM sqlite_master "
                "WHERE type = 'table' AND name LIKE 'bench\\_%' ESCAPE '\\'"
            ).fetchone()
        return int(row[0])

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
