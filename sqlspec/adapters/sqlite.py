"""SQLite through the standard library's sqlite3, for sync code: ``SqliteConfig``.

The engine is async; each sqlite3 call runs in a worker thread (``anyio.to_thread``), one at a time,
so this adapter works under any anyio backend, trio included.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import anyio
import anyio.to_thread

from sqlspec._cancel import shield
from sqlspec.adapters._sqlite import (
    SqliteDriverBase,
    SqliteScratch,
    connect_arguments,
    connection_error,
    database_missing,
    rows_of,
    wait_while_locked,
)
from sqlspec.config import SyncDatabaseConfig
from sqlspec.dialects import Dialect
from sqlspec.dialects.sqlite import SQLITE
from sqlspec.driver import Row

__all__ = ("SqliteConfig", "SqliteDriver")


class SqliteDriver(SqliteDriverBase):
    """A stdlib sqlite3 connection as a sqlspec driver, used from worker threads."""

    def __init__(self, connection: sqlite3.Connection, database: str, lock_timeout: float) -> None:
        self.connection = connection
        self.database = database
        self.lock_timeout = lock_timeout
        self._thread_limiter = anyio.CapacityLimiter(1)

    def _run_here(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        cursor = self.connection.execute(sql, params)
        try:
            return rows_of(cursor)
        finally:
            cursor.close()

    async def _call(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        finished = threading.Event()

        def run() -> list[Row]:
            try:
                return self._run_here(sql, params)
            finally:
                finished.set()

        try:
            return await anyio.to_thread.run_sync(run, limiter=self._thread_limiter, abandon_on_cancel=True)
        except anyio.get_cancelled_exc_class():
            # Ctrl-C or a timeout: stop the statement, and wait for its thread to let go of the
            # connection, so the rollback that follows neither waits behind it nor runs beside it.
            self.connection.interrupt()
            with shield():
                await anyio.to_thread.run_sync(finished.wait)
            raise

    def _in_transaction(self) -> bool:
        return self.connection.in_transaction

    async def interrupt(self) -> None:
        self.connection.interrupt()


class SqliteConfig(SqliteScratch, SyncDatabaseConfig):
    """A SQLite database for sync code: ``config.migrate_up()`` blocks until done."""

    dialect: ClassVar[Dialect] = SQLITE

    def is_empty(self) -> bool:
        return database_missing(self.connection_config)

    @asynccontextmanager
    async def provide_driver(self) -> AsyncIterator[SqliteDriver]:
        arguments = connect_arguments(self.connection_config, self.migration_config.lock_timeout)
        database = arguments.pop("database")
        arguments["check_same_thread"] = False  # used from worker threads, never two at once

        async def connect() -> sqlite3.Connection:
            return await anyio.to_thread.run_sync(lambda: sqlite3.connect(database, **arguments))

        try:
            connection = await wait_while_locked(connect, str(database), self.migration_config.lock_timeout)
        except (sqlite3.Error, OSError, TypeError) as error:
            raise connection_error(database, error) from error
        try:
            yield SqliteDriver(connection, str(database), self.migration_config.lock_timeout)
        finally:
            with shield():
                await anyio.to_thread.run_sync(connection.close)
