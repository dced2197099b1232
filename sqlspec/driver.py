"""The driver a migration receives, and the engine's only way to talk to a database.

Each adapter implements the few abstract methods of :class:`AsyncDriver`; the query helpers and the
blocking facade are written once here. Parameters use the database's own placeholder style:
``$1, $2`` for PostgreSQL (asyncpg), ``?`` for SQLite.
"""

from __future__ import annotations

import functools
import inspect
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, ClassVar, Literal

from sqlspec._sync import blocking_twin

__all__ = ("AsyncDriver", "AwaitWatchingDriver", "BlockingDriver", "Dialect", "Row")

Dialect = Literal["postgres", "sqlite"]
Row = dict[str, Any]


class AsyncDriver(ABC):
    """One open connection, with the calls a migration needs.

    The engine owns the transaction around each migration; a migration should not call
    :meth:`begin`, :meth:`commit` or :meth:`rollback` itself.
    """

    dialect: ClassVar[Dialect]

    @abstractmethod
    async def execute(self, sql: str, *params: Any) -> None:
        """Run one statement."""

    @abstractmethod
    async def select(self, sql: str, *params: Any) -> list[Row]:
        """Run a query and return every row as a dict keyed by column name."""

    @abstractmethod
    def is_missing_table(self, error: Exception) -> bool:
        """Whether ``error`` says a queried table does not exist (read-only commands expect that)."""

    @abstractmethod
    async def begin(self) -> None:
        """Open a transaction."""

    @abstractmethod
    async def commit(self) -> None:
        """Commit the open transaction."""

    @abstractmethod
    async def rollback(self) -> None:
        """Roll back the open transaction."""

    async def select_one(self, sql: str, *params: Any) -> Row:
        """Return the only row of a query; raise ``LookupError`` unless there is exactly one."""
        rows = await self.select(sql, *params)
        if len(rows) != 1:
            raise LookupError(f"expected exactly one row, got {len(rows)}: {sql}")
        return rows[0]

    async def select_one_or_none(self, sql: str, *params: Any) -> Row | None:
        """Return the only row of a query, or ``None`` when it returns none."""
        rows = await self.select(sql, *params)
        if len(rows) > 1:
            raise LookupError(f"expected at most one row, got {len(rows)}: {sql}")
        return rows[0] if rows else None

    async def select_value(self, sql: str, *params: Any) -> Any:
        """Return the first column of the only row of a query."""
        row = await self.select_one(sql, *params)
        return next(iter(row.values()))

    async def execute_script(self, script: str) -> None:
        """Run several statements, split with the same lexer as SQL migration files."""
        from sqlspec.migrations.sql import split_statements

        for statement in split_statements(script, self.dialect):
            await self.execute(statement)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Commit when the block succeeds, roll back when it raises (also on cancellation)."""
        await self.begin()
        try:
            yield
        except BaseException:
            await self.rollback()
            raise
        await self.commit()


class BlockingDriver:
    """The same driver for a plain ``def`` migration, which runs in a worker thread.

    Each call goes back to the event loop that owns the connection, so a blocking migration shares
    the engine's transaction exactly as an ``async def`` one does.
    """

    def __init__(self, driver: AsyncDriver) -> None:
        self._driver = driver
        self.dialect: Dialect = driver.dialect

    def _async_twin(self) -> AsyncDriver:
        return self._driver

    execute = blocking_twin(AsyncDriver.execute)
    select = blocking_twin(AsyncDriver.select)
    select_one = blocking_twin(AsyncDriver.select_one)
    select_one_or_none = blocking_twin(AsyncDriver.select_one_or_none)
    select_value = blocking_twin(AsyncDriver.select_value)
    execute_script = blocking_twin(AsyncDriver.execute_script)


class AwaitWatchingDriver:
    """The driver an ``async def`` migration gets: a call left without ``await`` is an error.

    Otherwise ``driver.execute(...)`` without ``await`` silently does nothing and the migration is
    recorded as applied. Each call's coroutine is remembered until the migration returns.
    """

    _PRUNE_AT = 512

    def __init__(self, driver: AsyncDriver) -> None:
        self._driver = driver
        self._calls: list[tuple[str, Coroutine[Any, Any, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._driver, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute

        @functools.wraps(attribute)
        def watched(*args: Any, **kwargs: Any) -> Coroutine[Any, Any, Any]:
            coroutine: Coroutine[Any, Any, Any] = attribute(*args, **kwargs)
            if len(self._calls) >= self._PRUNE_AT:
                self._calls = [(n, c) for n, c in self._calls if _not_started(c)]
            self._calls.append((name, coroutine))
            return coroutine

        return watched

    def close_unawaited(self) -> str | None:
        """Close the calls never awaited; the first one's method name, or ``None``."""
        forgotten = [(name, coroutine) for name, coroutine in self._calls if _not_started(coroutine)]
        self._calls.clear()
        for _, coroutine in forgotten:
            coroutine.close()
        return forgotten[0][0] if forgotten else None


def _not_started(coroutine: Coroutine[Any, Any, Any]) -> bool:
    return inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED
