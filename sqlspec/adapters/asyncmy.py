"""MySQL and MariaDB through asyncmy: ``AsyncmyConfig``, and ``AsyncmySyncConfig`` for blocking code.

``connection_config`` goes to :func:`asyncmy.connect` (``host``, ``port``, ``user``, ``password``,
``database``, ...), or give a ``dsn`` such as ``mysql://user:password@host:3306/app``; sqlspec runs
in autocommit mode and opens its transactions itself. Parameters are ``%s``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, ClassVar, TypeVar
from urllib.parse import unquote, urlsplit

from sqlspec._cancel import shield
from sqlspec._redact import redact_dsn, redact_text
from sqlspec.config import AsyncDatabaseConfig, PooledConnections, SyncDatabaseConfig, require_asyncio
from sqlspec.dialects import Dialect
from sqlspec.dialects.mysql import MYSQL
from sqlspec.driver import AsyncDriver, Row
from sqlspec.exceptions import DatabaseConnectionError, ImproperConfigurationError, MissingDependencyError

try:
    import asyncmy
    from asyncmy.cursors import DictCursor
    from asyncmy.errors import MySQLError
    from asyncmy.pool import Pool
except ImportError as _missing:  # underscored: a module-level name, else verifytypes counts it as API
    raise MissingDependencyError("asyncmy", extra="mysql") from _missing

__all__ = ("AsyncmyConfig", "AsyncmyDriver", "AsyncmySyncConfig")

_NO_SUCH_TABLE = 1146
_CLIENT_ERRORS = 2000  # codes from 2000 are the client's own (2006 gone away, 2013 lost), not the server's
_KILLED = frozenset({1053, 1927, 4031})  # server shutdown, connection killed, idle disconnection
_CONNECT_TIMEOUT = 10
_POOL_ONLY = frozenset({"minsize", "maxsize", "pool_recycle", "echo"})
_POOL_DEFAULTS = {"minsize": 1, "maxsize": 10}
T = TypeVar("T")


def _code(error: BaseException) -> int | None:
    if isinstance(error, MySQLError) and error.args and isinstance(error.args[0], int):
        return error.args[0]
    return None


class AsyncmyDriver(AsyncDriver):
    """An asyncmy connection as a sqlspec driver; parameters are ``%s``."""

    dialect: ClassVar[Dialect] = MYSQL

    def __init__(self, connection: asyncmy.Connection, database: str, arguments: dict[str, Any]) -> None:
        self.connection = connection
        self.database = database
        self._arguments = arguments

    async def _run(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        async with self.connection.cursor(DictCursor) as cursor:
            # No parameters means no %-formatting: a literal % in the SQL stays as written.
            await cursor.execute(sql, params or None)
            if not cursor.description:  # a statement: no result set
                return []
            return list(await cursor.fetchall())

    async def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        await self._run(sql, params)

    async def _select(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        return await self._run(sql, params)

    async def _select_column(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        # A plain cursor's tuples: the up-to-date check reads one column of every row, no dicts.
        async with self.connection.cursor() as cursor:
            await cursor.execute(sql, params or None)
            return [row[0] for row in await cursor.fetchall()]

    async def _begin(self) -> None:
        await self._run("START TRANSACTION", ())

    async def _commit(self) -> None:
        await self._run("COMMIT", ())

    async def _rollback(self) -> None:
        if self.connection.connected:
            await self._run("ROLLBACK", ())

    def is_missing_table(self, error: Exception) -> bool:
        return _code(error) == _NO_SUCH_TABLE

    def failed_on_server(self, error: BaseException) -> bool:
        code = _code(error)
        return code is not None and code < _CLIENT_ERRORS and code not in _KILLED

    def lost_connection(self, error: BaseException) -> bool:
        code = _code(error)
        if not self.connection.connected or isinstance(error, OSError | ConnectionError):
            return True
        return code is not None and (code >= _CLIENT_ERRORS or code in _KILLED)

    async def interrupt(self) -> None:
        # KILL QUERY from a second connection: the statement's own call then gets the server's
        # answer (1317, interrupted; or it finished first), so its outcome stays known.
        side = await asyncmy.connect(**self._arguments)
        try:
            async with side.cursor() as cursor:
                await cursor.execute(f"KILL QUERY {int(self.connection.thread_id())}")
        finally:
            await side.ensure_closed()


def _connect_arguments(connection_config: dict[str, Any], *, pool: bool = False) -> dict[str, Any]:
    """``asyncmy.connect`` arguments (with ``pool``: ``create_pool``'s, its sizing kept)."""
    dropped = {"dsn"} if pool else {"dsn", *_POOL_ONLY}
    arguments = {key: value for key, value in connection_config.items() if key not in dropped}
    if dsn := connection_config.get("dsn"):
        parts = urlsplit(str(dsn))
        if parts.scheme not in {"mysql", "mariadb", "mysql+asyncmy"}:
            raise ImproperConfigurationError(
                f"connection_config: dsn must look like mysql://user:password@host:3306/database, "
                f"not {redact_dsn(str(dsn))!r}"
            )
        found = {
            "host": parts.hostname,
            "port": parts.port,
            "user": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "database": parts.path.lstrip("/") or None,
        }
        arguments = {**{key: value for key, value in found.items() if value is not None}, **arguments}
    if "db" in arguments:
        arguments.setdefault("database", arguments.pop("db"))
    arguments.setdefault("connect_timeout", _CONNECT_TIMEOUT)
    arguments["autocommit"] = True
    return arguments


def _describe(arguments: dict[str, Any]) -> str:
    """Where the config points, without its password."""
    host = arguments.get("host") or arguments.get("unix_socket") or "localhost"
    port = arguments.get("port") or 3306
    return f"{host}:{port}/{arguments.get('database', '')}"


class _AsyncmyConnections(PooledConnections["Pool"]):
    """How both asyncmy configs connect.

    ``connection_config`` goes to :func:`asyncmy.connect` (or :func:`asyncmy.create_pool` once
    :meth:`open_pool` ran, which also takes its ``minsize``, ``maxsize`` and ``pool_recycle``).
    """

    dialect: ClassVar[Dialect] = MYSQL

    async def _connecting(
        self, opening: Callable[..., Awaitable[T]], arguments: dict[str, Any], where: str
    ) -> T:
        require_asyncio(type(self).__name__)
        try:
            return await opening(**arguments)
        except TypeError as error:
            raise ImproperConfigurationError(f"connection_config: {error}") from error
        except (OSError, TimeoutError, MySQLError) as error:
            reason = redact_text(" ".join(str(error).split()) or type(error).__name__, self.connection_config)
            raise DatabaseConnectionError(f"cannot connect to MySQL at {where}: {reason}") from error

    async def _create_pool(self) -> Pool:
        arguments = {**_POOL_DEFAULTS, **_connect_arguments(self.connection_config, pool=True)}
        return await self._connecting(asyncmy.create_pool, arguments, _describe(arguments))

    async def _close(self, pool: Pool) -> None:
        pool.close()
        await pool.wait_closed()

    @asynccontextmanager
    async def provide_driver(self) -> AsyncIterator[AsyncmyDriver]:
        arguments = _connect_arguments(self.connection_config)
        where = _describe(arguments)
        if (pool := self._pool_here()) is not None:
            connection = await self._connecting(pool.acquire, {}, where)
            driver = AsyncmyDriver(connection, where, arguments)
            clean = False
            try:
                yield driver
                clean = not driver.ran_migrations
            finally:
                # Only a clean read goes back: what a run or a failure left on the session (its
                # settings, a lock, a statement still running) must not reach the pool's next user.
                if not clean:
                    connection.close()
                pool.release(connection)
            return
        connection = await self._connecting(asyncmy.connect, arguments, where)
        try:
            yield AsyncmyDriver(connection, where, arguments)
        finally:
            with shield():
                if connection.connected:
                    await connection.ensure_closed()


class AsyncmyConfig(_AsyncmyConnections, AsyncDatabaseConfig):
    """A MySQL or MariaDB database: ``connection_config={"host": ..., "user": ..., "database": ...}``."""


class AsyncmySyncConfig(_AsyncmyConnections, SyncDatabaseConfig):
    """The same database for blocking code: ``config.migrate_up()`` returns when done."""
