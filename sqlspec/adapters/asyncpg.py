"""PostgreSQL through asyncpg: ``AsyncpgConfig``."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
import asyncpg
from asyncpg.pool import PoolConnectionProxy
from asyncpg.transaction import Transaction

from sqlspec._redact import redact_dsn, redact_text
from sqlspec.config import AsyncDatabaseConfig, require_asyncio
from sqlspec.driver import AsyncDriver, Row
from sqlspec.exceptions import DatabaseConnectionError, ImproperConfigurationError

__all__ = ("AsyncpgConfig", "AsyncpgDriver")

_CONNECT_TIMEOUT = 10.0
_POOL_ONLY = frozenset(
    {"min_size", "max_size", "max_queries", "max_inactive_connection_lifetime", "setup", "init", "reset"}
)
T = TypeVar("T")


class AsyncpgDriver(AsyncDriver):
    """An asyncpg connection as a sqlspec driver; parameters are ``$1, $2, ...``."""

    dialect = "postgres"

    def __init__(self, connection: asyncpg.Connection | PoolConnectionProxy) -> None:
        self.connection = connection
        self._transaction: Transaction | None = None

    async def execute(self, sql: str, *params: Any) -> None:
        await self.connection.execute(sql, *params)

    async def select(self, sql: str, *params: Any) -> list[Row]:
        return [dict(record) for record in await self.connection.fetch(sql, *params)]

    def is_missing_table(self, error: Exception) -> bool:
        return isinstance(error, asyncpg.UndefinedTableError | asyncpg.InvalidSchemaNameError)

    async def begin(self) -> None:
        self._transaction = self.connection.transaction()
        await self._transaction.start()

    async def commit(self) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            await transaction.commit()

    async def rollback(self) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            await transaction.rollback()


def _describe(arguments: dict[str, Any]) -> str:
    """Where the config points, without its password."""
    if dsn := arguments.get("dsn"):
        return redact_dsn(str(dsn), location_only=True)  # a password can sit in the query too
    host = arguments.get("host", "localhost")
    port = arguments.get("port", 5432)
    return f"{host}:{port}/{arguments.get('database', '')}"


class AsyncpgConfig(AsyncDatabaseConfig):
    """A PostgreSQL database: ``connection_config={"dsn": "postgresql://..."}`` or host/port/user/...

    ``connection_config`` goes to :func:`asyncpg.connect` (or :func:`asyncpg.create_pool` once
    :meth:`open_pool` ran); sqlspec adds a 10 s connect timeout and ``application_name=sqlspec``
    unless you set them.
    """

    dialect = "postgres"
    _pool: asyncpg.Pool | None = None
    _pool_loop: asyncio.AbstractEventLoop | None = None

    def _arguments(self, *, pool: bool = False) -> dict[str, Any]:
        arguments: dict[str, Any] = {"timeout": _CONNECT_TIMEOUT, **self.connection_config}
        if not pool:  # a single connection ignores the pool's sizing, as the app's pool uses it
            arguments = {key: value for key, value in arguments.items() if key not in _POOL_ONLY}
        settings = dict(arguments.get("server_settings") or {})
        # The OS pid, so a lock's holder can be found from pg_stat_activity.
        settings.setdefault("application_name", f"sqlspec pid {os.getpid()}")
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

    async def open_pool(self) -> None:
        if self._pool is None:
            self._pool = await self._connecting(asyncpg.create_pool, self._arguments(pool=True))
            self._pool_loop = asyncio.get_running_loop()

    async def close_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            with anyio.CancelScope(shield=True):
                await pool.close()

    @asynccontextmanager
    async def provide_driver(self) -> AsyncIterator[AsyncpgDriver]:
        # A pool's connections belong to the event loop that opened it; any other loop connects anew.
        if self._pool is not None and self._pool_loop is asyncio.get_running_loop():
            async with self._pool.acquire() as connection:
                yield AsyncpgDriver(connection)
            return
        connection = await self._connecting(asyncpg.connect, self._arguments())
        try:
            yield AsyncpgDriver(connection)
        finally:
            with anyio.CancelScope(shield=True):
                await connection.close()
