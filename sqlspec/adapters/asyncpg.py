"""PostgreSQL through asyncpg: ``AsyncpgConfig``, and ``AsyncpgSyncConfig`` for blocking code."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, ClassVar, TypeVar

from sqlspec._cancel import shield
from sqlspec._redact import redact_dsn, redact_text
from sqlspec.config import AsyncDatabaseConfig, PooledConnections, SyncDatabaseConfig, require_asyncio
from sqlspec.dialects import Dialect
from sqlspec.dialects.postgres import POSTGRES
from sqlspec.driver import AsyncDriver, Row
from sqlspec.exceptions import DatabaseConnectionError, ImproperConfigurationError, MissingDependencyError

try:
    import asyncpg
    from asyncpg.pool import PoolConnectionProxy
    from asyncpg.transaction import Transaction
except ImportError as _missing:  # underscored: a module-level name, else verifytypes counts it as API
    raise MissingDependencyError("asyncpg", extra="postgres") from _missing

__all__ = ("AsyncpgConfig", "AsyncpgDriver", "AsyncpgSyncConfig")

_CONNECT_TIMEOUT = 10.0
_POOL_ONLY = frozenset(
    {"min_size", "max_size", "max_queries", "max_inactive_connection_lifetime", "setup", "init", "reset"}
)
T = TypeVar("T")


class AsyncpgDriver(AsyncDriver):
    """An asyncpg connection as a sqlspec driver; parameters are ``$1, $2, ...``."""

    dialect: ClassVar[Dialect] = POSTGRES

    def __init__(
        self,
        connection: asyncpg.Connection | PoolConnectionProxy,
        database: str,
        side_connection: Callable[[], Awaitable[asyncpg.Connection]],
    ) -> None:
        self.connection = connection
        self.database = database
        self._side_connection = side_connection
        self._transaction: Transaction | None = None

    async def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        await self.connection.execute(sql, *params)

    async def _select(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        return [dict(record) for record in await self.connection.fetch(sql, *params)]

    async def _select_column(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        return [record[0] for record in await self.connection.fetch(sql, *params)]

    def is_missing_table(self, error: Exception) -> bool:
        return isinstance(error, asyncpg.UndefinedTableError | asyncpg.InvalidSchemaNameError)

    def failed_on_server(self, error: BaseException) -> bool:
        # An ErrorResponse for the statement (QueryCanceledError and AdminShutdownError included):
        # the server ended it without effect. A closed socket carries no such report.
        return isinstance(error, asyncpg.PostgresError)

    def lost_connection(self, error: BaseException) -> bool:
        if self.connection.is_closed() or isinstance(error, asyncpg.ConnectionDoesNotExistError | OSError):
            return True
        # 57P01 admin shutdown (pg_terminate_backend), 57P05 idle_session_timeout, and the like.
        return isinstance(error, asyncpg.PostgresError) and str(error.sqlstate).startswith("57P")

    async def interrupt(self) -> None:
        # pg_cancel_backend from a second session; the statement's own call then receives the
        # server's answer (cancelled, or finished first), so its outcome stays known.
        pid = self.connection.get_server_pid()
        side = await self._side_connection()
        try:
            await side.execute("SELECT pg_cancel_backend($1)", pid)
        finally:
            await side.close()

    async def _begin(self) -> None:
        self._transaction = self.connection.transaction()
        await self._transaction.start()

    async def _commit(self) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            await transaction.commit()

    async def _rollback(self) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is not None and not self.connection.is_closed():
            await transaction.rollback()


def _describe(arguments: dict[str, Any]) -> str:
    """Where the config points, without its password."""
    if dsn := arguments.get("dsn"):
        return redact_dsn(str(dsn), location_only=True)  # a password can sit in the query too
    host = arguments.get("host", "localhost")
    port = arguments.get("port", 5432)
    return f"{host}:{port}/{arguments.get('database', '')}"


class _AsyncpgConnections(PooledConnections[asyncpg.Pool]):
    """How both asyncpg configs connect.

    ``connection_config`` goes to :func:`asyncpg.connect` (or :func:`asyncpg.create_pool` once
    :meth:`open_pool` ran); sqlspec adds a 10 s connect timeout and ``application_name=sqlspec``
    unless you set them.
    """

    dialect: ClassVar[Dialect] = POSTGRES

    def _arguments(self, *, pool: bool = False) -> dict[str, Any]:
        arguments: dict[str, Any] = {"timeout": _CONNECT_TIMEOUT, **self.connection_config}
        if not pool:  # a single connection ignores the pool's sizing, as the app's pool uses it
            arguments = {key: value for key, value in arguments.items() if key not in _POOL_ONLY}
        settings = dict(arguments.get("server_settings") or {})
        # Host and OS pid, so a waiter can name the run lock's holder from pg_stat_activity.
        settings.setdefault("application_name", f"sqlspec {socket.gethostname()[:32]} pid {os.getpid()}")
        arguments["server_settings"] = settings
        return arguments

    async def _connecting(self, opening: Callable[..., Awaitable[T]], arguments: dict[str, Any]) -> T:
        require_asyncio(type(self).__name__)
        try:
            return await opening(**arguments)
        except (TypeError, ValueError) as error:
            reason = redact_text(" ".join(str(error).split()), arguments)  # asyncpg quotes what it got
            raise ImproperConfigurationError(f"connection_config: {reason}") from error
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            reason = redact_text(" ".join(str(error).split()), arguments) or type(error).__name__
            raise DatabaseConnectionError(
                f"cannot connect to PostgreSQL at {_describe(self._arguments())}: {reason}"
            ) from error

    async def _create_pool(self) -> asyncpg.Pool:
        return await self._connecting(asyncpg.create_pool, self._arguments(pool=True))

    async def _close(self, pool: asyncpg.Pool) -> None:
        await pool.close()

    @asynccontextmanager
    async def provide_driver(self) -> AsyncIterator[AsyncpgDriver]:
        arguments = self._arguments()  # (built once: it looks up the host name)
        where = _describe(arguments)
        side = partial(self._connecting, asyncpg.connect, arguments)
        if (pool := self._pool_here()) is not None:
            async with pool.acquire() as connection:
                yield AsyncpgDriver(connection, where, side)
            return
        connection = await self._connecting(asyncpg.connect, arguments)
        try:
            yield AsyncpgDriver(connection, where, side)
        finally:
            with shield():
                await connection.close()


class AsyncpgConfig(_AsyncpgConnections, AsyncDatabaseConfig):
    """A PostgreSQL database: ``connection_config={"dsn": "postgresql://..."}`` or host/port/user/...

    ``await config.migrate_up()``; see :class:`AsyncpgSyncConfig` for blocking code.
    """


class AsyncpgSyncConfig(_AsyncpgConnections, SyncDatabaseConfig):
    """The same database for blocking code: ``config.migrate_up("head")`` returns when done.

    Each call runs the async engine on an event loop of its own (asyncpg itself stays async).
    """
