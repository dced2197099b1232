"""SQLite through aiosqlite, for asyncio applications: ``AiosqliteConfig``."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import aiosqlite
import anyio
import anyio.to_thread

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

    async def _call(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        # One trip to aiosqlite's thread per statement; rows come back as sqlite3.Row.
        try:
            rows = await self.connection.execute_fetchall(sql, params)
        except anyio.get_cancelled_exc_class():
            # Ctrl-C or a timeout: stop the statement too, or the rollback waits behind it.
            await self.connection.interrupt()  # never suspends: sqlite3's interrupt is thread-safe
            raise
        return [dict(row) for row in rows]

    def _in_transaction(self) -> bool:
        return self.connection.in_transaction

    async def interrupt(self) -> None:
        await self.connection.interrupt()


class AiosqliteConfig(SqliteScratch, AsyncDatabaseConfig):
    """An async SQLite database: ``connection_config={"database": "app.db"}``."""

    dialect: ClassVar[Dialect] = SQLITE

    def is_empty(self) -> bool:
        return database_missing(self.connection_config)

    @asynccontextmanager
    async def provide_driver(self) -> AsyncIterator[AiosqliteDriver]:
        require_asyncio("AiosqliteConfig")
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
                    with anyio.CancelScope(shield=True):
                        await anyio.to_thread.run_sync(worker.join)
                raise

        lock_timeout = self.migration_config.lock_timeout
        try:
            connection = await wait_while_locked(connect, str(database), lock_timeout)
        except (sqlite3.Error, OSError, TypeError) as error:
            raise connection_error(database, error) from error
        connection.row_factory = sqlite3.Row
        try:
            yield AiosqliteDriver(connection, str(database), self.migration_config.lock_timeout)
        finally:
            with anyio.CancelScope(shield=True):
                await connection.close()
