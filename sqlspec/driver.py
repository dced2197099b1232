"""The driver a migration receives, and the engine's only way to talk to a database.

Each adapter implements the few abstract methods of :class:`AsyncDriver`; the query helpers, the
one-call-at-a-time rule and the blocking facade are written once here. Parameters use the database's
own placeholder style: ``$1, $2`` for PostgreSQL (asyncpg), ``?`` for SQLite.
"""

from __future__ import annotations

import functools
import inspect
import logging
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Coroutine
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, ClassVar, Final

from sqlspec._cancel import to_the_end
from sqlspec._sync import blocking_twin

if TYPE_CHECKING:
    import anyio

    from sqlspec.dialects import Dialect

__all__ = ("AsyncDriver", "AwaitWatchingDriver", "BlockingDriver", "Row")

Row = dict[str, Any]
_ROLLBACK_WAIT = 30.0
logger: logging.Logger = logging.getLogger("sqlspec")


class AsyncDriver(ABC):
    """One open connection, with the calls a migration needs.

    Calls are made one at a time (a connection runs one statement at once; the run lock's heartbeat
    shares it with the migration). The engine owns the transaction around each migration; a
    transactional migration must not call :meth:`begin`, :meth:`commit` or :meth:`rollback`.
    """

    dialect: ClassVar[Dialect]
    database: str = ""
    """Which database the connection is to, for messages (never with a password)."""
    ran_migrations: bool = False
    """Whether the run lock was taken on this connection: migrations may have changed its session
    (``SET``, ``USE``, a lock left by a failed release), so a pool closes it instead of handing
    the session to its next user."""
    _busy: _Turn | None = None

    def _one_at_a_time(self) -> _Turn:
        if self._busy is None:
            self._busy = _Turn()
        return self._busy

    @abstractmethod
    async def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        """Run one statement."""

    @abstractmethod
    async def _select(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        """Run a query and return its rows."""

    async def _select_column(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        """Run a query and return its first column; adapters answer without building a dict per row."""
        return [next(iter(row.values())) for row in await self._select(sql, params)]

    @abstractmethod
    async def _begin(self) -> None: ...

    @abstractmethod
    async def _commit(self) -> None: ...

    @abstractmethod
    async def _rollback(self) -> None:
        """Roll back the open transaction; nothing to do when the database already ended it."""

    @abstractmethod
    def is_missing_table(self, error: Exception) -> bool:
        """Whether ``error`` says a queried table does not exist (read-only commands expect that)."""

    @abstractmethod
    def failed_on_server(self, error: BaseException) -> bool:
        """Whether ``error`` is the database's own report that a statement failed.

        Such a statement took no effect. Any other error (a lost connection) leaves its outcome
        unknown: the database may have finished it.
        """

    def lost_connection(self, error: BaseException) -> bool:
        """Whether ``error`` means the connection is gone (and with it a lock held on it)."""
        return False

    @abstractmethod
    async def interrupt(self) -> None:
        """Ask the database to stop the statement running now; called from another task."""

    async def execute(self, sql: str, *params: Any) -> None:
        """Run one statement."""
        async with self._one_at_a_time():
            await self._execute(sql, params)

    async def select(self, sql: str, *params: Any) -> list[Row]:
        """Run a query and return every row as a dict keyed by column name."""
        async with self._one_at_a_time():
            return await self._select(sql, params)

    async def select_column(self, sql: str, *params: Any) -> list[Any]:
        """Run a query and return the first column of every row, in order."""
        async with self._one_at_a_time():
            return await self._select_column(sql, params)

    async def begin(self) -> None:
        """Open a transaction."""
        async with self._one_at_a_time():
            await self._begin()

    async def commit(self) -> None:
        """Commit the open transaction."""
        async with self._one_at_a_time():
            await self._commit()

    async def rollback(self) -> None:
        """Roll back the open transaction."""
        async with self._one_at_a_time():
            await self._rollback()

    async def ping_if_idle(self) -> None:
        """Send a trivial query unless a call is under way: a sign of life other sessions can see."""
        busy = self._one_at_a_time()
        if not busy.locked():
            async with busy:
                await self._select("SELECT 1", ())

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
        for statement in self.dialect.split(script):
            await self.execute(statement)

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Commit when the block succeeds, roll back when it raises (also on cancellation).

        The block's own error is what propagates: a rollback that fails too (the connection is
        gone, and the database rolls back by itself) is not allowed to replace it. Once sent, a
        COMMIT is waited for even on cancellation, so its outcome is known.
        """
        return _Transaction(self)


class _Transaction:
    """:meth:`AsyncDriver.transaction`; a class, as a generator-based context manager costs more
    than the rest of the engine's work around a migration's transaction."""

    __slots__ = ("_driver",)

    def __init__(self, driver: AsyncDriver) -> None:
        self._driver = driver

    async def __aenter__(self) -> None:
        await self._driver.begin()

    async def __aexit__(self, kind: type[BaseException] | None, error: object, traceback: object) -> None:
        if kind is None:
            await to_the_end(self._driver.commit)
            return
        import anyio  # here, as below: a command with nothing to do never needs it

        try:
            with anyio.move_on_after(_ROLLBACK_WAIT, shield=True):
                await to_the_end(self._driver.rollback)
        except Exception as failure:
            logger.debug("sqlspec: rollback failed after an error: %s", failure)


class _Turn:
    """A connection's turn: one call at a time (see :class:`AsyncDriver`).

    A free turn is taken without a trip round the event loop (the call that follows yields
    anyway); a caller that finds it taken waits for it. Cheaper than ``anyio.Lock``, which a
    migration would take five times.
    """

    __slots__ = ("_taken", "_waiting")

    def __init__(self) -> None:
        self._taken = False
        self._waiting: deque[anyio.Event] = deque()

    def locked(self) -> bool:
        return self._taken

    async def __aenter__(self) -> None:
        while self._taken:
            import anyio

            woken = anyio.Event()
            self._waiting.append(woken)
            try:
                await woken.wait()
            except BaseException:
                if woken.is_set():
                    self._wake_next()  # the turn came as this waiter gave up: pass it on
                else:
                    self._waiting.remove(woken)
                raise
        self._taken = True

    async def __aexit__(self, *exc_info: object) -> None:
        self._taken = False
        self._wake_next()

    def _wake_next(self) -> None:
        if self._waiting:
            self._waiting.popleft().set()


class BlockingDriver:
    """The same driver for a plain ``def`` migration, which runs in a worker thread.

    Each call goes back to the event loop that owns the connection, so a blocking migration shares
    the engine's transaction exactly as an ``async def`` one does.
    """

    def __init__(self, driver: AsyncDriver) -> None:
        self._driver = driver
        self.dialect: Dialect = driver.dialect
        self.database: str = driver.database

    def _async_twin(self) -> AsyncDriver:
        return self._driver

    # Final, as on SyncDatabaseConfig: each twin's type is blocking_twin()'s, known to type checkers.
    execute: Final = blocking_twin(AsyncDriver.execute)
    select: Final = blocking_twin(AsyncDriver.select)
    select_one: Final = blocking_twin(AsyncDriver.select_one)
    select_one_or_none: Final = blocking_twin(AsyncDriver.select_one_or_none)
    select_value: Final = blocking_twin(AsyncDriver.select_value)
    select_column: Final = blocking_twin(AsyncDriver.select_column)
    execute_script: Final = blocking_twin(AsyncDriver.execute_script)
    begin: Final = blocking_twin(AsyncDriver.begin)  # only a ``transactional = False`` migration may
    commit: Final = blocking_twin(AsyncDriver.commit)
    rollback: Final = blocking_twin(AsyncDriver.rollback)


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
