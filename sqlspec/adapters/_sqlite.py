"""What the two SQLite adapters share: the driver over any way of running a sqlite3 call, and connecting."""

from __future__ import annotations

import logging
import sqlite3
import time
from abc import abstractmethod
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from urllib.parse import unquote, urlsplit

from sqlspec._threads import in_thread
from sqlspec.dialects import Dialect
from sqlspec.dialects.sqlite import SQLITE, run_lock_holder
from sqlspec.driver import AsyncDriver, Row
from sqlspec.exceptions import DatabaseConnectionError, ImproperConfigurationError, LockTimeoutError

__all__ = (
    "ProbedConnection",
    "SqliteDriverBase",
    "SqliteScratch",
    "connect_arguments",
    "connection_error",
    "database_missing",
    "wait_while_locked",
)

_BUSY_STEP = 1.0
"""SQLite's own busy wait per try: after this long a waiter says so, then keeps trying."""
_NOTICE_EVERY = 10.0
logger = logging.getLogger("sqlspec")
T = TypeVar("T")


class SqliteDriverBase(AsyncDriver):
    """A SQLite driver; subclasses say how a call reaches the sqlite3 connection (a thread).

    A statement that finds the database locked by another connection waits, saying so every ten
    seconds: for as long as a migration run holding the run lock is alive, else up to
    ``lock_timeout``, then raises :class:`LockTimeoutError`.
    """

    dialect: ClassVar[Dialect] = SQLITE
    lock_timeout: float = 60.0

    @abstractmethod
    async def _call(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        """Execute ``sql`` and return its rows (none for a statement)."""

    async def _call_statement(self, sql: str, params: tuple[Any, ...]) -> None:
        """Execute a statement whose rows (if any) nobody reads; adapters answer it in fewer steps."""
        await self._call(sql, params)

    @abstractmethod
    def _in_transaction(self) -> bool:
        """Whether the connection has a transaction open."""

    async def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        await self._waiting_if_locked(self._call_statement, sql, params)

    async def _select(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        return await self._waiting_if_locked(self._call, sql, params)

    async def _call_column(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        """Execute ``sql`` and return its first column."""
        return [next(iter(row.values())) for row in await self._call(sql, params)]

    async def _select_column(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        return await self._waiting_if_locked(self._call_column, sql, params)

    async def _waiting_if_locked(
        self, call: Callable[[str, tuple[Any, ...]], Awaitable[T]], sql: str, params: tuple[Any, ...]
    ) -> T:
        """``call(sql, params)``; on "database is locked", :func:`wait_while_locked` tries again.

        Every statement of every migration comes through here: the usual case has no set-up.
        """
        tried = time.monotonic()
        try:
            return await call(sql, params)
        except sqlite3.OperationalError as error:
            if not _is_locked(error):
                raise
        attempt = partial(call, sql, params)
        return await wait_while_locked(attempt, self.database, self.lock_timeout, started=tried)

    def is_missing_table(self, error: Exception) -> bool:
        return isinstance(error, sqlite3.OperationalError) and "no such table" in str(error)

    def failed_on_server(self, error: BaseException) -> bool:
        # SQLite rolls back a statement that fails or is interrupted, and a killed process's
        # journal is rolled back on the next open: an error from sqlite3 means no effect.
        return isinstance(error, sqlite3.Error)

    async def _begin(self) -> None:
        # IMMEDIATE takes the write lock now, so a writer outside sqlspec queues here (busy
        # timeout) instead of failing halfway through a migration.
        await self._execute("BEGIN IMMEDIATE", ())

    async def _commit(self) -> None:
        await self._execute("COMMIT", ())

    async def _rollback(self) -> None:
        # An interrupted or failed statement may have rolled the transaction back already.
        if self._in_transaction():
            await self._execute("ROLLBACK", ())


async def wait_while_locked(
    attempt: Callable[[], Awaitable[T]], database: str, lock_timeout: float, *, started: float | None = None
) -> T:
    """Run ``attempt`` until it stops failing with "database is locked".

    SQLite's busy handler waits up to a second per try; between tries a warning names the wait.
    The wait ends after ``lock_timeout`` seconds, unless the lock belongs to a migration run whose
    holder is alive (its run lock's heartbeat is fresh): that one is waited for to its end.
    ``started``: when a first attempt, already failed on the lock, began (the wait counts from there).
    Times are ``time.monotonic()``: SQLite's busy handler waits in real time, whatever the event
    loop's clock, and reading it loads nothing (anyio's clock would load its backend).
    """
    failed_once = started is not None
    if started is None:
        started = time.monotonic()
    next_notice = started + _BUSY_STEP
    while True:
        if failed_once:
            failed_once = False
        else:
            try:
                return await attempt()
            except sqlite3.OperationalError as error:
                if not _is_locked(error):
                    raise
        now = time.monotonic()
        due, timed_out = now >= next_notice, now - started >= lock_timeout
        if not (due or timed_out):
            continue
        holder = run_lock_holder(database)
        if timed_out and (holder is None or not holder.alive):
            if holder is not None:
                raise LockTimeoutError(lock_timeout, holder.description)
            raise LockTimeoutError(
                lock_timeout, f"another connection to {database}", lock="SQLite's write lock"
            )
        if due:
            by = f"the migration run of {holder.description}" if holder else "another connection"
            logger.warning(
                "waiting for SQLite database %s, locked by %s (%.0f s so far)", database, by, now - started
            )
            next_notice = now + _NOTICE_EVERY


def _is_locked(error: sqlite3.OperationalError) -> bool:
    return "database is locked" in str(error) or "database table is locked" in str(error)


def rows_of(cursor: sqlite3.Cursor) -> list[Row]:
    """A cursor's rows as dicts; statements that return nothing give an empty list."""
    if cursor.description is None:
        return []
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


_MAGIC = b"SQLite format 3\x00"
"""How every SQLite database file begins (an empty file is a database not written yet)."""


class ProbedConnection(sqlite3.Connection):
    """A connection that reads the file's header as it opens.

    sqlite3 opens a file lazily, so a file that is not a database would pass ``connect`` and fail
    at the first query with an error about the version table; probing here makes it a connection
    error, in the same trip to the worker thread as the connect itself. The 16 bytes are read
    directly: a statement here (``PRAGMA schema_version``, before) made SQLite read the whole
    schema one more time per connection, 0.3 ms with 2,000 tables.
    """

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        _refuse_other_files(database, uri=bool(kwargs.get("uri")))
        super().__init__(database, *args, **kwargs)


def _refuse_other_files(database: Any, *, uri: bool) -> None:
    """Raise sqlite3's own "file is not a database" for an existing file that is not one."""
    path = unquote(urlsplit(str(database)).path) if uri else database
    try:
        with open(path, "rb") as file:
            head = file.read(len(_MAGIC))
    except (OSError, TypeError, ValueError):  # missing, a folder, unreadable: sqlite3 says what
        return
    if head and head != _MAGIC:
        raise sqlite3.DatabaseError("file is not a database")


_PROBED: dict[type[sqlite3.Connection], type[sqlite3.Connection]] = {sqlite3.Connection: ProbedConnection}


def _probed(factory: type[sqlite3.Connection]) -> type[sqlite3.Connection]:
    """``factory`` made a :class:`ProbedConnection`: one class per factory, not one per connection."""
    if issubclass(factory, ProbedConnection):
        return factory
    if factory not in _PROBED:
        _PROBED[factory] = type(factory.__name__, (ProbedConnection, factory), {})
    return _PROBED[factory]


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
        arguments["factory"] = _probed(factory)
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


class SqliteScratch:
    """Scratch databases for the SQLite configs: a file in a temporary folder, removed on exit."""

    connection_config: dict[str, Any]

    def _database_config(self, name: str) -> dict[str, Any]:
        return {**self.connection_config, "database": name, "uri": False}

    async def _create_scratch(self, name: str) -> dict[str, Any]:
        import tempfile  # scratch databases only (sqlspec test): not on every import

        folder = await in_thread(lambda: tempfile.mkdtemp(prefix="sqlspec-scratch-"))
        return self._database_config(str(Path(folder) / f"{name}.db"))

    async def _drop_scratch(self, name: str, connection_config: dict[str, Any]) -> None:
        folder = Path(connection_config["database"]).parent
        import shutil

        await in_thread(lambda: shutil.rmtree(folder, ignore_errors=True))
