"""What the two SQLite adapters share: the driver over any way of running a sqlite3 call, and connecting."""

from __future__ import annotations

import logging
import sqlite3
from abc import abstractmethod
from pathlib import Path
from typing import Any

import anyio

from sqlspec.driver import AsyncDriver, Row
from sqlspec.exceptions import DatabaseConnectionError, ImproperConfigurationError, LockTimeoutError

__all__ = (
    "ProbedConnection",
    "SqliteDriverBase",
    "connect_arguments",
    "connection_error",
    "database_missing",
)

_BUSY_STEP = 1.0
"""SQLite's own busy wait per try: after this long a waiter says so, then keeps trying."""
_NOTICE_EVERY = 10.0
logger = logging.getLogger("sqlspec")


class SqliteDriverBase(AsyncDriver):
    """A SQLite driver; subclasses say how a call reaches the sqlite3 connection (a thread).

    The write lock on the file is the migration lock: a statement that finds it held waits for it
    up to ``lock_timeout``, saying so every few seconds, then raises :class:`LockTimeoutError`.
    """

    dialect = "sqlite"
    database: str = ""
    lock_timeout: float = 60.0

    @abstractmethod
    async def _call(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        """Execute ``sql`` and return its rows (none for a statement)."""

    async def _run(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        try:
            return await self._call(sql, params)
        except sqlite3.OperationalError as error:
            if not _is_locked(error):
                raise
        return await self._wait_for_lock(sql, params)

    async def _wait_for_lock(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        waited = min(_BUSY_STEP, self.lock_timeout)
        next_notice = waited
        started = anyio.current_time() - waited
        while waited < self.lock_timeout:
            if waited >= next_notice:
                logger.warning(
                    "waiting for the write lock on SQLite database %s, held by another connection "
                    "(%.0f s so far, giving up after %g s)",
                    self.database,
                    waited,
                    self.lock_timeout,
                )
                next_notice += _NOTICE_EVERY
            try:
                return await self._call(sql, params)
            except sqlite3.OperationalError as error:
                if not _is_locked(error):
                    raise
            waited = anyio.current_time() - started
        raise LockTimeoutError(self.lock_timeout, f"another connection to {self.database}")

    async def execute(self, sql: str, *params: Any) -> None:
        await self._run(sql, params)

    async def select(self, sql: str, *params: Any) -> list[Row]:
        return await self._run(sql, params)

    def is_missing_table(self, error: Exception) -> bool:
        return isinstance(error, sqlite3.OperationalError) and "no such table" in str(error)

    async def begin(self) -> None:
        # IMMEDIATE takes the write lock now, so concurrent migrators queue here (busy timeout)
        # instead of failing halfway through a migration.
        await self.execute("BEGIN IMMEDIATE")

    async def commit(self) -> None:
        await self.execute("COMMIT")

    async def rollback(self) -> None:
        await self.execute("ROLLBACK")


def _is_locked(error: sqlite3.OperationalError) -> bool:
    return "database is locked" in str(error) or "database table is locked" in str(error)


def rows_of(cursor: sqlite3.Cursor) -> list[Row]:
    """A cursor's rows as dicts; statements that return nothing give an empty list."""
    if cursor.description is None:
        return []
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


class ProbedConnection(sqlite3.Connection):
    """A connection that reads the file's header as it opens.

    sqlite3 opens a file lazily, so a file that is not a database would pass ``connect`` and fail
    at the first query with an error about the version table; probing here makes it a connection
    error, in the same trip to the worker thread as the connect itself.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        try:
            self.execute("PRAGMA schema_version").close()
        except sqlite3.Error:
            self.close()
            raise


def connect_arguments(connection_config: dict[str, Any], lock_timeout: float) -> dict[str, Any]:
    """``sqlite3.connect`` arguments: the user's, with autocommit (sqlspec issues BEGIN itself)."""
    if "database" not in connection_config:
        raise ImproperConfigurationError("connection_config needs 'database': a file path such as 'app.db'")
    if _in_memory(connection_config):
        raise ImproperConfigurationError(
            "connection_config: an in-memory SQLite database is new and empty on every connection, so "
            "applied migrations would vanish at once; use a file path (a temporary file in tests)"
        )
    arguments = {"timeout": min(lock_timeout, _BUSY_STEP), **connection_config}
    arguments["isolation_level"] = None
    factory = arguments.get("factory", sqlite3.Connection)
    if isinstance(factory, type) and issubclass(factory, sqlite3.Connection):
        if not issubclass(factory, ProbedConnection):
            factory = type(factory.__name__, (ProbedConnection, factory), {})
        arguments["factory"] = factory
    return arguments


def database_missing(connection_config: dict[str, Any]) -> bool:
    """Whether the database is a file not created yet, so reading it would only create an empty one."""
    database = connection_config.get("database")
    if not isinstance(database, str | Path) or connection_config.get("uri") or _in_memory(connection_config):
        return False  # connecting opens a URI, and says what is wrong with an in-memory database
    path = Path(database)
    # A missing folder is more likely a typo than a database to be: connecting will say so.
    return not path.exists() and path.absolute().parent.is_dir()


def _in_memory(connection_config: dict[str, Any]) -> bool:
    database = str(connection_config.get("database"))
    return database == ":memory:" or (bool(connection_config.get("uri")) and "mode=memory" in database)


def connection_error(database: object, error: Exception) -> Exception:
    """The one-line error for a SQLite database that cannot be opened."""
    if isinstance(error, TypeError):
        return ImproperConfigurationError(f"connection_config: {error}")
    return DatabaseConnectionError(f"cannot open SQLite database {database!r}: {error}")
