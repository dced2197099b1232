"""SQLite through aiosqlite, for asyncio applications: ``AiosqliteConfig``."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

import aiosqlite

from sqlspec._cancel import shield
from sqlspec._threads import in_thread
from sqlspec.adapters._sqlite import (
    SqliteDriverBase,
    SqliteScratch,
    connect_arguments,
    connection_error,
    database_missing,
    wait_while_locked,
)
from sqlspec.config import AsyncDatabaseConfig, require_asyncio
from sqlspec.dialects import Dialect
from sqlspec.dialects.sqlite import SQLITE
from sqlspec.driver import Row

__all__ = ("AiosqliteConfig", "AiosqliteDriver")


class AiosqliteDriver(SqliteDriverBase):
    """An aiosqlite connection as a sqlspec driver."""

    def __init__(self, connection: aiosqlite.Connection, database: str, lock_timeout: float) -> None:
        self.connection = connection
        self.database = database
        self.lock_timeout = lock_timeout

    async def _fetch(self, sql: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
        # One trip to aiosqlite's thread per statement; rows come back as sqlite3.Row.
        try:
            return list(await self.connection.execute_fetchall(sql, params))
        except asyncio.CancelledError:  # provide_driver runs on asyncio only
            # Ctrl-C or a timeout: stop the statement too, or the rollback waits behind it.
            await self.connection.interrupt()  # never suspends: sqlite3's interrupt is thread-safe
            raise

    async def _call(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        return [dict(row) for row in await self._fetch(sql, params)]

    async def _call_statement(self, sql: str, params: tuple[Any, ...]) -> None:
        try:  # _fetch inlined: a migration's every statement takes this path
            await self.connection.execute_fetchall(sql, params)
        except asyncio.CancelledError:
            await self.connection.interrupt()
            raise

    async def _call_column(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        # Plain tuples for this one (the up-to-date check reads a column of every row): a
        # sqlite3.Row per row costs the check a fifth more at 1,000 rows. Calls take turns, so
        # nothing else runs on the connection meanwhile.
        self.connection.row_factory = None
        try:
            return [row[0] for row in await self._fetch(sql, params)]
        finally:
            self.connection.row_factory = sqlite3.Row

    def _in_transaction(self) -> bool:
        return self.connection.in_transaction

    async def interrupt(self) -> None:
        await self.connection.interrupt()


class _KeptConnection:
    """The connection :meth:`AiosqliteConfig.open_pool` keeps, and the file it was opened on."""

    def __init__(
        self, connection: aiosqlite.Connection, database: str, identity: tuple[int, int] | None
    ) -> None:
        self.connection = connection
        self.database = database
        self.identity = identity
        self.busy = False


def _identity(database: str, connection_config: dict[str, Any]) -> tuple[int, int] | None:
    """The database file's device and inode, to tell that it is still the file a connection is on."""
    path = unquote(urlsplit(database).path) if connection_config.get("uri") else database
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    return found.st_dev, found.st_ino


class AiosqliteConfig(SqliteScratch, AsyncDatabaseConfig):
    """An async SQLite database: ``connection_config={"database": "app.db"}``.

    :meth:`open_pool` keeps one connection open until :meth:`close_pool`, for a long-lived app: a
    call that finds it free uses it instead of connecting (one made meanwhile connects anew).
    """

    dialect: ClassVar[Dialect] = SQLITE
    _keeping: asyncio.AbstractEventLoop | None = None
    """The event loop that called :meth:`open_pool`; the kept connection serves only it."""
    _kept: _KeptConnection | None = None

    def is_empty(self) -> bool:
        return database_missing(self.connection_config)

    async def open_pool(self) -> None:
        """Keep one connection open from now until :meth:`close_pool`.

        It is opened now if the database exists, else by the first call that needs one: keeping a
        connection never creates the database file, so reading a fresh database stays free.
        """
        require_asyncio("AiosqliteConfig")
        if self._keeping is None:
            self._keeping = asyncio.get_running_loop()
        if self._kept is None and not self.is_empty():
            self._kept = await self._keep()

    def pool_is_open(self) -> bool:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        return self._keeping is not None and self._keeping is loop

    async def close_pool(self) -> None:
        kept, self._kept, self._keeping = self._kept, None, None
        if kept is not None and not kept.busy:  # a busy one is closed by its user, on release
            with shield():
                await kept.connection.close()

    def _database(self) -> str:
        return str(connect_arguments(self.connection_config, self.migration_config.lock_timeout)["database"])

    async def _keep(self) -> _KeptConnection:
        database = self._database()
        connection = await self._connect()
        return _KeptConnection(connection, database, _identity(database, self.connection_config))

    @asynccontextmanager
    async def provide_driver(self) -> AsyncIterator[AiosqliteDriver]:
        require_asyncio("AiosqliteConfig")
        if self._keeping is not None and self._keeping is asyncio.get_running_loop():
            kept = await self._kept_connection()
            if kept is not None:
                kept.busy = True
                try:
                    yield AiosqliteDriver(kept.connection, kept.database, self.migration_config.lock_timeout)
                finally:
                    kept.busy = False
                    with shield():
                        await self._release(kept)
                return
        connection = await self._connect()
        try:
            yield AiosqliteDriver(connection, self._database(), self.migration_config.lock_timeout)
        finally:
            with shield():
                await connection.close()

    async def _kept_connection(self) -> _KeptConnection | None:
        """The kept connection if it is free and still on the database file; ``None``: connect anew."""
        kept = self._kept
        if kept is not None and (
            kept.busy or kept.identity != _identity(kept.database, self.connection_config)
        ):
            if kept.busy:
                return None
            # The file was replaced or removed since: a connection to the old one must not be used.
            self._kept = None
            await kept.connection.close()
            kept = None
        if kept is None:
            kept = self._kept = await self._keep()
        return kept

    async def _release(self, kept: _KeptConnection) -> None:
        """Take the connection back clean: no transaction left open, else it is closed."""
        healthy = True
        try:
            if kept.connection.in_transaction:
                await kept.connection.rollback()
        except Exception:
            healthy = False
        if not healthy or self._kept is not kept:  # broken, or the pool was closed meanwhile
            if self._kept is kept:
                self._kept = None
            await kept.connection.close()

    async def _connect(self) -> aiosqlite.Connection:
        arguments = connect_arguments(self.connection_config, self.migration_config.lock_timeout)
        database = arguments.pop("database")

        async def connect() -> aiosqlite.Connection:
            connection = aiosqlite.connect(database, **arguments)
            try:
                return await connection
            except BaseException:
                # aiosqlite stops its worker thread after a failed connect but does not wait for
                # it; left running, it would report to this event loop after the loop has closed.
                worker = getattr(connection, "_thread", None)
                if worker is not None:
                    with shield():
                        await in_thread(worker.join)
                raise

        lock_timeout = self.migration_config.lock_timeout
        try:
            connection = await wait_while_locked(connect, str(database), lock_timeout)
        except (sqlite3.Error, OSError, TypeError) as error:
            raise connection_error(database, error) from error
        connection.row_factory = sqlite3.Row
        return connection
