"""Run one migration and write its version row.

A transactional migration runs in one transaction with its row: all or nothing. A non-transactional
SQL migration (``CREATE INDEX CONCURRENTLY`` and friends) cannot be rolled back, so its row records
progress after every statement; a failure leaves it ``partial``, and a resumed run continues from
the failed statement, refusing if a statement that already ran was edited since.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import anyio.to_thread
import msgspec

from sqlspec.driver import AsyncDriver, AwaitWatchingDriver, BlockingDriver, Dialect
from sqlspec.exceptions import (
    DatabaseConnectionError,
    LockTimeoutError,
    MigrationExecutionError,
    MigrationSourceError,
    PartialMigrationError,
    SQLSpecError,
    one_line,
)
from sqlspec.migrations.files import CHECKSUM_ALGORITHM, Migration, import_python_migration
from sqlspec.migrations.sql import SQLSplitError, split_statements
from sqlspec.migrations.store import AppliedMigration, VersionStore
from sqlspec.migrations.txmode import first_autocommit_statement

__all__ = ("Direction", "MigrationRun", "MigrationRunner", "Reporter", "migration_statements")

Direction = Literal["upgrade", "downgrade"]


class MigrationRun(msgspec.Struct, frozen=True, kw_only=True):
    """One migration applied or reverted by a run."""

    revision: str
    description: str
    direction: Direction
    duration_ms: float
    path: Path


Reporter = Callable[[MigrationRun], None]
"""Called after each migration a run applies or reverts, e.g. to print a line."""


@functools.lru_cache(maxsize=4096)  # a run validates every statement first, then runs them: split once
def migration_statements(migration: Migration, direction: Direction, dialect: Dialect) -> tuple[str, ...]:
    """A SQL migration's statements for one direction, as they will run (none for Python).

    Raises :class:`MigrationSourceError` for a section that does not split, and for a statement that
    cannot run inside a transaction in a migration not marked ``transactional: false``.
    """
    sql = migration.upgrade_sql if direction == "upgrade" else migration.downgrade_sql
    try:
        statements = split_statements(sql or "", dialect)
    except SQLSplitError as error:
        marker = migration.section_lines[0 if direction == "upgrade" else 1]
        raise MigrationSourceError(
            migration.path, f"{direction} section: {error.message}", line=marker + error.line
        ) from error
    if migration.transactional and (found := first_autocommit_statement(statements, dialect)):
        number, kind = found
        raise MigrationSourceError(
            migration.path,
            f"{direction} statement {number} ({kind}) cannot run inside a transaction; "
            "add '-- transactional: false' to the header",
        )
    return tuple(statements)


def _line_in(error: BaseException, path: Path) -> str:
    """`` (line N)`` for the deepest frame of ``error`` in the migration file, to point at the cause."""
    target = os.path.abspath(path)  # the module was imported by absolute path; script_location may not be
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(error.__traceback__)
        if os.path.abspath(frame.filename) == target
    ]
    return f" (line {lines[-1]})" if lines else ""


def _prefix_checksum(statements: Sequence[str]) -> str:
    return hashlib.sha256("\x00".join(statements).encode()).hexdigest()


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


class MigrationRunner:
    """Applies and reverts single migrations through one version store."""

    def __init__(self, store: VersionStore, dialect: Dialect, reporter: Reporter | None = None) -> None:
        self._store = store
        self._dialect = dialect
        self._reporter = reporter

    async def run(
        self,
        driver: AsyncDriver,
        migration: Migration,
        direction: Direction,
        *,
        partial: AppliedMigration | None = None,
    ) -> MigrationRun | None:
        """Run ``migration``; ``None`` when another process already did. ``partial`` resumes one."""
        started = time.perf_counter()
        if migration.transactional:
            if not await self._run_in_transaction(driver, migration, direction, started):
                return None
        elif direction == "upgrade" and migration.kind == "sql":
            if not await self._upgrade_by_statement(driver, migration, started, partial):
                return None
        elif direction == "upgrade":
            if not await self._upgrade_python_outside_transaction(driver, migration, started, partial):
                return None
        else:
            await self._execute(driver, migration, direction)
            async with driver.transaction():
                await self.record(driver, migration, direction, _elapsed_ms(started))
        run = MigrationRun(
            revision=migration.revision,
            description=migration.description,
            direction=direction,
            duration_ms=_elapsed_ms(started),
            path=migration.path,
        )
        if self._reporter is not None:
            self._reporter(run)
        return run

    async def _run_in_transaction(
        self, driver: AsyncDriver, migration: Migration, direction: Direction, started: float
    ) -> bool:
        """Run a migration with its row in one transaction; ``False`` if another process did it first.

        Where the store cannot rule out a concurrent run (SQLite), the row is checked inside the
        transaction before a Python migration or a downgrade runs. A SQL upgrade skips that query
        (one per migration, a third of the overhead on SQLite): if another process applied it
        meanwhile, its statements or its row's primary key fail, everything rolls back, and the
        check after the failure tells a lost race from a real error.
        """
        optimistic = direction == "upgrade" and migration.kind == "sql"
        try:
            async with driver.transaction():
                if not optimistic and not await self._store.confirm(
                    driver, migration.revision, applied=direction == "downgrade"
                ):
                    return False
                await self._execute(driver, migration, direction)
                await self.record(driver, migration, direction, _elapsed_ms(started))
        except (LockTimeoutError, DatabaseConnectionError):
            raise
        except Exception:
            if optimistic and await self._applied_meanwhile(driver, migration.revision):
                return False
            raise
        return True

    async def _applied_meanwhile(self, driver: AsyncDriver, revision: str) -> bool:
        try:
            return not await self._store.confirm(driver, revision, applied=False)
        except Exception:  # the connection is gone too: the migration's own error says more
            return False

    async def record(
        self, driver: AsyncDriver, migration: Migration, direction: Direction, elapsed_ms: float
    ) -> None:
        """Write the version-row change of a finished migration (insert, or delete when reverted)."""
        if direction == "downgrade":
            await self._store.delete(driver, migration.revision)
            return
        await self._store.insert(driver, **self._row(migration, round(elapsed_ms)))

    def _row(self, migration: Migration, execution_ms: int) -> dict[str, Any]:
        return {
            "version": migration.revision,
            "script": migration.path.name,
            "description": migration.description,
            "kind": migration.kind,
            "checksum": migration.checksum,
            "checksum_algorithm": CHECKSUM_ALGORITHM,
            "execution_ms": execution_ms,
        }

    async def _upgrade_by_statement(
        self, driver: AsyncDriver, migration: Migration, started: float, partial: AppliedMigration | None
    ) -> bool:
        statements = migration_statements(migration, "upgrade", self._dialect)
        start = 0
        if partial is None:
            if not await self._claim(driver, migration, progress=0, progress_checksum=_prefix_checksum([])):
                return False
        else:
            start = partial.progress or 0
            if start > len(statements) or _prefix_checksum(statements[:start]) != partial.progress_checksum:
                ran = "statement 1" if start == 1 else f"statements 1-{start}"
                raise MigrationSourceError(
                    migration.path,
                    f"{ran} already ran but changed since; restore {ran} as it was and change only "
                    f"statement {start + 1} or later",
                )
        for index in range(start, len(statements)):
            try:
                await driver.execute(statements[index])
            except Exception as error:
                raise PartialMigrationError(
                    migration.revision,
                    migration.path,
                    one_line(error),
                    statement=index + 1,
                    total=len(statements),
                    advice=await self._leftovers(driver, statements[index]),
                ) from error
            if index + 1 < len(statements):
                await self._store.record_progress(
                    driver,
                    migration.revision,
                    status="partial",
                    progress=index + 1,
                    progress_checksum=_prefix_checksum(statements[: index + 1]),
                    checksum=migration.checksum,
                    execution_ms=round(_elapsed_ms(started)),
                )
        await self._finish(driver, migration, started)
        return True

    async def _claim(
        self,
        driver: AsyncDriver,
        migration: Migration,
        *,
        progress: int | None,
        progress_checksum: str | None,
    ) -> bool:
        """Record a non-transactional upgrade as ``partial`` before it starts; ``False`` if another has it.

        A failure part-way then leaves a row that says so, and upgrades wait for ``--resume``.
        """
        async with driver.transaction():  # on SQLite, BEGIN IMMEDIATE serialises the claim
            if not await self._store.confirm(driver, migration.revision, applied=False):
                return False
            await self._store.insert(
                driver,
                **self._row(migration, 0),
                status="partial",
                progress=progress,
                progress_checksum=progress_checksum,
            )
        return True

    async def _upgrade_python_outside_transaction(
        self, driver: AsyncDriver, migration: Migration, started: float, partial: AppliedMigration | None
    ) -> bool:
        """Run a ``transactional = False`` Python upgrade whole; resuming runs it again from the start."""
        if partial is None and not await self._claim(
            driver, migration, progress=None, progress_checksum=None
        ):
            return False
        try:
            await self._execute(driver, migration, "upgrade")
        except MigrationExecutionError as error:
            raise PartialMigrationError(
                migration.revision, migration.path, error.message, statement=None, total=None
            ) from error
        await self._finish(driver, migration, started)
        return True

    async def _finish(self, driver: AsyncDriver, migration: Migration, started: float) -> None:
        await self._store.record_progress(
            driver,
            migration.revision,
            status="applied",
            progress=None,
            progress_checksum=None,
            checksum=migration.checksum,
            execution_ms=round(_elapsed_ms(started)),
        )

    async def _leftovers(self, driver: AsyncDriver, statement: str) -> str:
        """What a failed statement left behind that blocks a retry, with the fix."""
        found = first_autocommit_statement([statement], self._dialect)
        if self._dialect != "postgres" or found is None or found[1] != "CREATE INDEX CONCURRENTLY":
            return ""
        rows = await driver.select(
            "SELECT quote_ident(c.relname) AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE NOT i.indisvalid AND pg_table_is_visible(c.oid) ORDER BY 1"
        )
        if not rows:
            return ""
        names = [row["name"] for row in rows]
        drops = " ".join(f"DROP INDEX CONCURRENTLY {name};" for name in names)
        return f"the failed build left invalid index {', '.join(names)}: {drops} then resume"

    async def _execute(self, driver: AsyncDriver, migration: Migration, direction: Direction) -> None:
        if migration.kind == "py":
            await self._execute_python(driver, migration, direction)
            return
        for number, statement in enumerate(
            migration_statements(migration, direction, self._dialect), start=1
        ):
            try:
                await driver.execute(statement)
            except Exception as error:
                raise MigrationExecutionError(
                    migration.revision,
                    migration.path,
                    one_line(error),
                    direction=direction,
                    statement=number,
                    rolled_back=migration.transactional,
                ) from error

    async def _execute_python(self, driver: AsyncDriver, migration: Migration, direction: Direction) -> None:
        module = import_python_migration(migration)
        function: Callable[..., Any] | None = getattr(module, direction, None)
        if not callable(function):
            raise MigrationSourceError(migration.path, f"{direction}(driver) is not a function")
        try:
            if inspect.iscoroutinefunction(function):
                watched = AwaitWatchingDriver(driver)
                try:
                    await function(watched)
                finally:
                    forgotten = watched.close_unawaited()
                if forgotten:
                    raise TypeError(
                        f"driver.{forgotten}(...) was called without await, so it never ran; "
                        f"write `await driver.{forgotten}(...)`"
                    )
            else:
                await anyio.to_thread.run_sync(function, BlockingDriver(driver))
        except SQLSpecError:
            raise
        except (Exception, SystemExit) as error:  # sys.exit() in a migration is a failure too
            raise MigrationExecutionError(
                migration.revision,
                migration.path,
                one_line(error) + _line_in(error, migration.path),
                direction=direction,
                rolled_back=migration.transactional,
            ) from error
