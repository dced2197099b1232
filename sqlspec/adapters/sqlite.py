"""SQLite through the standard library's sqlite3, for sync code: ``SqliteConfig``.

The engine is async; each sqlite3 call runs in a worker thread (``anyio.to_thread``, or asyncio's
executor for the command line's up-to-date check: see :mod:`sqlspec._threads`), one at a time, so
this adapter works under any anyio backend, trio included.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, ClassVar, Generic, TypeVar

from sqlspec._cancel import cancellation, shield
from sqlspec._threads import in_thread
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

T = TypeVar("T")


class _ThreadCall(Generic[T]):
    """A call handed to a worker thread, which its caller may give up on before the thread starts it.

    Given up on while running, the statement is interrupted and the caller waits for the thread to
    let go of the connection; given up on first, it never starts (a thread pool may still start
    a job its caller stopped waiting for, or drop it: either way nothing waits for it).
    """

    def __init__(self, func: Callable[[], T]) -> None:
        self._func = func
        self._guard = threading.Lock()
        self._started = self._abandoned = False
        self.finished = threading.Event()

    def run(self) -> T:
        with self._guard:
            self._started = not self._abandoned
        if not self._started:
            raise _GaveUpError
        try:
            return self._func()
        finally:
            self.finished.set()

    def abandon(self) -> bool:
        """Give the call up; whether it had started (and may still be running)."""
        with self._guard:
            self._abandoned = True
            return self._started


class _GaveUpError(Exception):
    """The outcome of a call nobody waits for any more, which therefore did not run."""


class SqliteDriver(SqliteDriverBase):
    """A stdlib sqlite3 connection as a sqlspec driver, used from worker threads."""

    def __init__(self, connection: sqlite3.Connection, database: str, lock_timeout: float) -> None:
        self.connection = connection
        self.database = database
        self.lock_timeout = lock_timeout

    def _run_here(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        cursor = self.connection.execute(sql, params)
        try:
            return rows_of(cursor)
        finally:
            cursor.close()

    async def _call(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        call = _ThreadCall(partial(self._run_here, sql, params))
        try:
            return await in_thread(call.run, abandon_on_cancel=True)
        except cancellation():
            if call.abandon():
                # Ctrl-C or a timeout mid-statement: stop it, and wait for its thread to let go of
                # the connection, so the rollback that follows neither waits behind it nor runs
                # beside it.
                self.connection.interrupt()
                with shield():
                    await in_thread(call.finished.wait)
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
            return await in_thread(lambda: sqlite3.connect(database, **arguments))

        try:
            connection = await wait_while_locked(connect, str(database), self.migration_config.lock_timeout)
        except (sqlite3.Error, OSError, TypeError) as error:
            raise connection_error(database, error) from error
        try:
            yield SqliteDriver(connection, str(database), self.migration_config.lock_timeout)
        finally:
            with shield():
                await in_thread(connection.close)
