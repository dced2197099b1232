"""Calling a Python migration's ``upgrade`` / ``downgrade`` with the driver it may use.

The driver is the run's connection, minus what would break the run. A transactional migration
runs in the engine's transaction, so ending it from inside (``COMMIT`` through ``execute``, or
:meth:`commit`) would commit half a migration that the engine then reports as rolled back. Such
calls raise at once, naming the call and the fix, as do statements that would hang waiting for a
client stream. A ``transactional = False`` migration may manage its own transactions.
"""

from __future__ import annotations

import inspect
import os
import traceback
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import anyio.to_thread

from sqlspec.driver import AsyncDriver, AwaitWatchingDriver, BlockingDriver, Row
from sqlspec.exceptions import MigrationSourceError
from sqlspec.migrations.files import Migration, import_python_migration
from sqlspec.migrations.statements import first_implicit_commit, statement_problem

if TYPE_CHECKING:
    from sqlspec.dialects import Dialect

__all__ = ("GuardedDriver", "call_python_migration", "line_in")


async def call_python_migration(
    driver: AsyncDriver, migration: Migration, direction: Literal["upgrade", "downgrade"]
) -> None:
    """Run ``upgrade(driver)`` or ``downgrade(driver)``: awaited, or in a worker thread for a ``def``.

    Raises what the function raises, and ``TypeError`` for a driver call left without ``await``.
    """
    module = import_python_migration(migration)
    function: Callable[..., Any] | None = getattr(module, direction, None)
    if not callable(function):
        raise MigrationSourceError(migration.path, f"{direction}(driver) is not a function")
    guarded = GuardedDriver(driver, migration)
    if not inspect.iscoroutinefunction(function):
        await anyio.to_thread.run_sync(function, BlockingDriver(guarded))
        return
    watched = AwaitWatchingDriver(guarded)
    try:
        await function(watched)
    finally:
        forgotten = watched.close_unawaited()
    if forgotten:
        raise TypeError(
            f"driver.{forgotten}(...) was called without await, so it never ran; "
            f"write `await driver.{forgotten}(...)`"
        )


def line_in(error: BaseException, path: Path) -> str:
    """`` (line N)`` for the deepest frame of ``error`` in the migration file, to point at the cause."""
    target = os.path.abspath(path)  # the module was imported by absolute path; script_location may not be
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(error.__traceback__)
        if os.path.abspath(frame.filename) == target
    ]
    return f" (line {lines[-1]})" if lines else ""


class GuardedDriver(AsyncDriver):
    """Forwards to the run's driver, refusing calls a migration of this kind must not make."""

    dialect: ClassVar[Dialect]  # set on each instance: the guarded driver's

    def __init__(self, driver: AsyncDriver, migration: Migration) -> None:
        self._driver = driver
        self._migration = migration
        self.dialect = driver.dialect  # type: ignore[misc]  # the instance's, not the class's
        self.database: str = driver.database

    def _refuse(self, call: str) -> MigrationSourceError:
        return MigrationSourceError(
            self._migration.path,
            f"driver.{call}() ends the migration's transaction, so a later failure could not roll the "
            "migration back as one; split the migration, or set `transactional = False` and manage "
            "the transaction yourself",
        )

    def _check(self, sql: str) -> None:
        statements = self.dialect.split(sql)
        transactional = self._migration.transactional
        problem = statement_problem(statements, self.dialect, transactional=transactional)
        if problem is None and transactional and (found := first_implicit_commit(statements, self.dialect)):
            number, kind = found
            problem = (
                f"statement {number} ({kind}) commits the migration's transaction by itself on "
                f"{self.dialect}, so the migration could not be rolled back as one; set "
                "`transactional = False`"
            )
        if problem is not None:
            python_fix = problem.replace("'-- transactional: false' to the header", "`transactional = False`")
            raise MigrationSourceError(self._migration.path, f"driver.execute(): {python_fix}")

    async def execute(self, sql: str, *params: Any) -> None:
        self._check(sql)
        await self._driver.execute(sql, *params)

    async def select(self, sql: str, *params: Any) -> list[Row]:
        self._check(sql)
        return await self._driver.select(sql, *params)

    async def begin(self) -> None:
        if self._migration.transactional:
            raise self._refuse("begin")
        await self._driver.begin()

    async def commit(self) -> None:
        if self._migration.transactional:
            raise self._refuse("commit")
        await self._driver.commit()

    async def rollback(self) -> None:
        if self._migration.transactional:
            raise self._refuse("rollback")
        await self._driver.rollback()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if self._migration.transactional:
            raise self._refuse("transaction")
        async with self._driver.transaction():
            yield

    # The forwarding above replaces every public call; these satisfy the abstract interface.
    async def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        await self.execute(sql, *params)

    async def _select(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        return await self.select(sql, *params)

    async def _begin(self) -> None:
        await self.begin()

    async def _commit(self) -> None:
        await self.commit()

    async def _rollback(self) -> None:
        await self.rollback()

    def is_missing_table(self, error: Exception) -> bool:
        return self._driver.is_missing_table(error)

    def failed_on_server(self, error: BaseException) -> bool:
        return self._driver.failed_on_server(error)

    async def interrupt(self) -> None:
        await self._driver.interrupt()
