"""The raw driver: the least work any migration tool must do, and the benchmark's baseline.

asyncpg, aiosqlite or asyncmy runs the same statements as the tools, one transaction per migration
with one version-row insert (or delete) inside it, and nothing else: no parsing beyond a split on
``;``, no checksum, no lock, no history. When nothing is pending, ``upgrade`` makes one query. (On
MySQL every DDL statement commits by itself, so there the transaction holds only the version row:
the same guarantee Alembic and yoyo get there, see docs/performance.md.) The module
imports only argparse up front and the drivers (and asyncio) only when a command runs, so it also
serves as the baseline command line (run as a module, so that it starts from bytecode as the tools do)::

    python -m benchmarks.raw upgrade --database DSN_OR_PATH --folder DIR
"""

from __future__ import annotations

import argparse
import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import aiosqlite
    import asyncmy
    import asyncpg

__all__ = ("connect", "downgrade", "main", "upgrade", "upgrade_on")

VERSION = "1.0"
_TABLE = "raw_version"
_DOWN_MARKER = "-- down\n"


class _Database(ABC):
    """One connection and the handful of calls a migration needs."""

    placeholder: str

    @abstractmethod
    async def execute(self, sql: str, *params: object) -> None: ...

    @abstractmethod
    async def versions(self, newest_first: bool = False) -> list[str]:
        """The applied revisions; none when the version table does not exist yet."""

    @abstractmethod
    async def close(self) -> None: ...


class _Postgres(_Database):
    placeholder = "$1"

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, *params: object) -> None:
        await self._connection.execute(sql, *params)

    async def versions(self, newest_first: bool = False) -> list[str]:
        import asyncpg  # already loaded by connect: the import only keeps `--help` light

        order = "DESC" if newest_first else "ASC"
        try:
            rows = await self._connection.fetch(f"SELECT version FROM {_TABLE} ORDER BY version {order}")
        except asyncpg.UndefinedTableError:
            return []
        return [row[0] for row in rows]

    async def close(self) -> None:
        await self._connection.close()


class _Sqlite(_Database):
    placeholder = "?"

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, *params: object) -> None:
        await self._connection.execute(sql, params)

    async def versions(self, newest_first: bool = False) -> list[str]:
        import sqlite3

        order = "DESC" if newest_first else "ASC"
        try:
            cursor = await self._connection.execute(f"SELECT version FROM {_TABLE} ORDER BY version {order}")
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                return []
            raise
        rows = await cursor.fetchall()
        await cursor.close()
        return [row[0] for row in rows]

    async def close(self) -> None:
        await self._connection.close()


class _Mysql(_Database):
    placeholder = "%s"

    def __init__(self, connection: asyncmy.Connection, cursor: asyncmy.cursors.Cursor) -> None:
        self._connection = connection
        self._cursor = cursor

    async def execute(self, sql: str, *params: object) -> None:
        await self._cursor.execute(sql, params or None)

    async def versions(self, newest_first: bool = False) -> list[str]:
        from asyncmy.errors import ProgrammingError

        order = "DESC" if newest_first else "ASC"
        try:
            await self._cursor.execute(f"SELECT version FROM {_TABLE} ORDER BY version {order}")
        except ProgrammingError as error:
            if error.args and error.args[0] == 1146:  # ER_NO_SUCH_TABLE
                return []
            raise
        return [row[0] for row in await self._cursor.fetchall()]

    async def close(self) -> None:
        await self._cursor.close()
        # COM_QUIT, as every tool sends (PyMySQL's close() does, sqlspec's too): a socket closed
        # without it is an aborted client to the server, counted and maybe logged there.
        await self._connection.ensure_closed()


async def connect(database: str) -> _Database:
    """One connection: a ``postgresql://`` or ``mysql://`` DSN, else a SQLite file."""
    if database.startswith(("postgresql://", "postgres://")):
        import asyncpg

        return _Postgres(await asyncpg.connect(database))
    if database.startswith("mysql://"):
        from urllib.parse import unquote, urlsplit

        import asyncmy

        parts = urlsplit(database)
        connection = await asyncmy.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            database=parts.path.lstrip("/"),
            autocommit=True,  # BEGIN / COMMIT below, as for the other drivers
        )
        return _Mysql(connection, connection.cursor())
    import aiosqlite

    return _Sqlite(await aiosqlite.connect(database, isolation_level=None))


def _revisions(folder: Path) -> list[str]:
    """Every revision in run order: the file names without ``.sql``; no file is opened."""
    return sorted(name[:-4] for name in os.listdir(folder) if name.endswith(".sql"))


def _statements(folder: Path, revision: str, direction: str) -> list[str]:
    up, _, down = (folder / f"{revision}.sql").read_text().partition(_DOWN_MARKER)
    text = up if direction == "upgrade" else down
    return [statement.strip() for statement in text.split(";\n") if statement.strip()]


async def _in_transaction(db: _Database, statements: list[str], version_sql: str, revision: str) -> None:
    await db.execute("BEGIN")
    try:
        for statement in statements:
            await db.execute(statement)
        await db.execute(version_sql, revision)
    except BaseException:
        await db.execute("ROLLBACK")
        raise
    await db.execute("COMMIT")


async def upgrade_on(db: _Database, folder: Path, limit: int | None = None) -> int:
    """Apply the pending migrations (at most ``limit``) on an open connection; returns how many ran."""
    revisions = _revisions(folder)
    applied = set(await db.versions())
    pending = [revision for revision in revisions if revision not in applied][:limit]
    if not pending:
        return 0
    await db.execute(
        f"CREATE TABLE IF NOT EXISTS {_TABLE} "
        "(version VARCHAR(32) PRIMARY KEY, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)"
    )
    insert = f"INSERT INTO {_TABLE} (version) VALUES ({db.placeholder})"
    for revision in pending:
        await _in_transaction(db, _statements(folder, revision, "upgrade"), insert, revision)
    return len(pending)


async def upgrade(database: str, folder: Path) -> int:
    """Apply every pending migration; returns how many ran."""
    db = await connect(database)
    try:
        return await upgrade_on(db, folder)
    finally:
        await db.close()


async def downgrade(database: str, folder: Path) -> int:
    """Revert every applied migration, newest first; returns how many ran."""
    db = await connect(database)
    try:
        applied = await db.versions(newest_first=True)
        delete = f"DELETE FROM {_TABLE} WHERE version = {db.placeholder}"
        for revision in applied:
            await _in_transaction(db, _statements(folder, revision, "downgrade"), delete, revision)
        return len(applied)
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> None:
    """The baseline command line: ``upgrade`` or ``downgrade`` (to base)."""
    parser = argparse.ArgumentParser(prog="raw", description="The least work a migration tool must do.")
    parser.add_argument("--version", action="version", version=f"raw {VERSION}")
    parser.add_argument("command", choices=("upgrade", "downgrade"))
    parser.add_argument("--database", required=True, help="a postgresql:// or mysql:// DSN, or a SQLite file")
    parser.add_argument("--folder", required=True, type=Path, help="the migration files")
    args = parser.parse_args(argv)
    import asyncio  # after parsing, so `--help` pays only for the interpreter and argparse

    operation = upgrade if args.command == "upgrade" else downgrade
    count = asyncio.run(operation(args.database, args.folder))
    print(f"{args.command}: {count} migration(s)")


if __name__ == "__main__":
    main()
