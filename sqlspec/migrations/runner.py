"""Run one migration and write its version row.

A transactional migration runs in one transaction with its row: all or nothing. A non-transactional
SQL migration (``CREATE INDEX CONCURRENTLY`` and friends) cannot be rolled back, so its row says
how far it got after every statement: ``running`` with the number of statements known to be done
while it runs, ``partial`` once it stopped at a known point. A run interrupted mid-statement waits
for the database's answer before it stops; where no answer comes, the row stays ``running`` and a
resumed run asks the operator whether that statement took effect (``--interrupted ran|not-ran``).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import msgspec

from sqlspec._cancel import to_the_end
from sqlspec.driver import AsyncDriver
from sqlspec.exceptions import (
    MigrationExecutionError,
    OutcomeUnknownError,
    PartialMigrationError,
    SQLSpecError,
    one_line,
    resume_advice,
)
from sqlspec.migrations.files import CHECKSUM_ALGORITHM, Migration
from sqlspec.migrations.hints import placeholder_hint
from sqlspec.migrations.progress import Interrupted, PrefixChecksums, resume_point
from sqlspec.migrations.python_migrations import call_python_migration, line_in
from sqlspec.migrations.settle import execute_settled
from sqlspec.migrations.statements import (
    Direction,
    migration_statements,
    runs_in_transaction,
    statement_preview,
)
from sqlspec.migrations.store import AppliedMigration, Status, VersionStore

if TYPE_CHECKING:
    from sqlspec.dialects import Dialect

__all__ = ("Direction", "Interrupted", "MigrationRun", "MigrationRunner", "Reporter", "migration_statements")

logger: logging.Logger = logging.getLogger("sqlspec")


class MigrationRun(msgspec.Struct, frozen=True, kw_only=True):
    """One migration applied or reverted by a run."""

    revision: str
    description: str
    direction: Direction
    duration_ms: float
    path: Path


Reporter = Callable[[MigrationRun], None]
"""Called after each migration a run applies or reverts, e.g. to print a line."""


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


class MigrationRunner:
    """Applies and reverts single migrations through one version store, on a connection holding the lock."""

    def __init__(self, store: VersionStore, dialect: Dialect, reporter: Reporter | None = None) -> None:
        self._store = store
        self._dialect = dialect
        self._reporter = reporter
        self.interruption: str | None = None
        """What an interrupted run left, in one line, once it was cancelled mid-migration."""
        self.next_order: int | None = None
        """The install order of the next row a run inserts, from the rows it read under the run
        lock (see :meth:`VersionStore.insert`); ``None``: the database counts."""

    async def run(
        self,
        driver: AsyncDriver,
        migration: Migration,
        direction: Direction,
        tasks: anyio.abc.TaskGroup,
        *,
        unfinished: AppliedMigration | None = None,
        interrupted: Interrupted | None = None,
    ) -> MigrationRun:
        """Run ``migration``; ``unfinished`` is its row when resuming a non-transactional upgrade."""
        started = time.perf_counter()
        atomic = runs_in_transaction(migration, direction, self._dialect)
        statements = self._statements(migration, direction)
        try:
            if atomic:
                await self._run_in_transaction(driver, migration, direction, started, statements)
            elif direction == "upgrade" and migration.kind == "sql":
                await self._upgrade_by_statement(driver, migration, started, tasks, unfinished, interrupted)
            elif direction == "upgrade":
                await self._upgrade_python_outside_transaction(
                    driver, migration, started, unfinished, interrupted
                )
            else:
                await self._execute(driver, migration, direction, statements)
                async with driver.transaction():
                    await self.record(driver, migration, direction, _elapsed_ms(started))
        except anyio.get_cancelled_exc_class():
            if self.interruption is None:
                done = "rolled back" if atomic else "stopped part-way"
                self.interruption = f"{direction} of {migration.revision} was interrupted and {done}"
            raise
        if direction == "upgrade" and migration.kind == "sql" and not statements:
            logger.warning(
                "%s: the upgrade section is empty; recorded as applied, nothing ran", migration.path
            )
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
        self,
        driver: AsyncDriver,
        migration: Migration,
        direction: Direction,
        started: float,
        statements: tuple[str, ...],
    ) -> None:
        """Run a migration with its row in one transaction."""
        committing = False
        try:
            async with driver.transaction():
                await self._execute(driver, migration, direction, statements)
                await self.record(driver, migration, direction, _elapsed_ms(started))
                committing = True
        except SQLSpecError:
            raise
        except Exception as error:
            # BEGIN failed (nothing ran), or the server refused the COMMIT (a deferred constraint):
            # either way it answered, and nothing of the migration stays.
            if not committing or driver.failed_on_server(error):
                raise self._failure(driver, migration, direction, error, None, rolled_back=True) from error
            raise MigrationExecutionError(
                migration.revision,
                migration.path,
                one_line(error),
                direction=direction,
                rolled_back=False,
                outcome="the COMMIT got no answer, so whether the migration committed is unknown; the "
                "version table says: run `sqlspec history`",
            ) from error

    def _failure(
        self,
        driver: AsyncDriver,
        migration: Migration,
        direction: Direction,
        error: BaseException,
        statement: int | None,
        *,
        rolled_back: bool,
        message: str | None = None,
    ) -> MigrationExecutionError:
        outcome = None
        text = self._statements(migration, direction)[statement - 1] if statement is not None else None
        if hint := placeholder_hint(error, text, self._dialect):
            message = f"{message or one_line(error)} ({hint})"
        if driver.lost_connection(error):
            done = "it was rolled back" if rolled_back else "what ran before stays done"
            outcome = (
                f"the connection holding the migration lock was lost, so {done} and nothing after it "
                "ran; run the command again"
            )
        return MigrationExecutionError(
            migration.revision,
            migration.path,
            message or one_line(error),
            direction=direction,
            statement=statement,
            rolled_back=rolled_back,
            outcome=outcome,
        )

    async def record(
        self, driver: AsyncDriver, migration: Migration, direction: Direction, elapsed_ms: float
    ) -> None:
        """Write the version-row change of a finished migration (insert, or delete when reverted)."""
        if direction == "downgrade":
            await self._store.delete(driver, migration.revision)
            return
        await self._store.insert(driver, **self._row(migration, round(elapsed_ms)))

    def _row(self, migration: Migration, execution_ms: int) -> dict[str, Any]:
        order, self.next_order = self.next_order, None if self.next_order is None else self.next_order + 1
        return {
            "version": migration.revision,
            "script": migration.path.name,
            "description": migration.description,
            "kind": migration.kind,
            "checksum": migration.checksum,
            "checksum_algorithm": CHECKSUM_ALGORITHM,
            "execution_ms": execution_ms,
            "install_order": order,
        }

    async def _upgrade_by_statement(
        self,
        driver: AsyncDriver,
        migration: Migration,
        started: float,
        tasks: anyio.abc.TaskGroup,
        unfinished: AppliedMigration | None,
        interrupted: Interrupted | None,
    ) -> None:
        statements = migration_statements(migration, "upgrade", self._dialect)
        total = len(statements)
        checksums = PrefixChecksums(statements)
        if unfinished is None:
            start = 0
            await self._insert_running(driver, migration, started, checksums)
        else:
            start = resume_point(migration, unfinished, interrupted, statements, checksums)
            await self._progress(driver, migration, started, "running", start, checksums)
        for index in range(start, total):
            settled = await execute_settled(driver, statements[index], tasks)
            if settled.outcome == "done":
                stopping = settled.cancelled is not None
                if index + 1 < total or stopping:
                    status: Status = "partial" if stopping else "running"
                    await self._progress(driver, migration, started, status, index + 1, checksums)
                if settled.cancelled is not None:
                    self._interrupted(migration, index + 1, total, "done")
                    raise settled.cancelled
                continue
            if settled.outcome == "failed":
                assert settled.error is not None
                if driver.lost_connection(settled.error):  # the row cannot be written any more
                    raise MigrationExecutionError(
                        migration.revision,
                        migration.path,
                        one_line(settled.error),
                        statement=index + 1,
                        rolled_back=False,
                        outcome=f"the database reported that statement {index + 1} of {total} failed, so "
                        "it took no effect, but the connection holding the migration lock was lost before "
                        "that was recorded; run `sqlspec upgrade --resume --interrupted not-ran`",
                    ) from settled.error
                await self._progress(driver, migration, started, "partial", index, checksums)
                if settled.cancelled is not None:
                    self._interrupted(migration, index + 1, total, "failed")
                    raise settled.cancelled
                hint = placeholder_hint(settled.error, statements[index], self._dialect)
                raise PartialMigrationError(
                    migration.revision,
                    migration.path,
                    one_line(settled.error) + (f" ({hint})" if hint else ""),
                    statement=index + 1,
                    total=total,
                    advice=await self._dialect.failure_advice(driver, statements[index]),
                ) from settled.error
            # Outcome unknown: the row stays `running` at this statement, for the operator to settle.
            if settled.cancelled is not None:
                self._interrupted(migration, index + 1, total, "unknown", statements[index])
                raise settled.cancelled
            raise OutcomeUnknownError(
                migration.revision,
                migration.path,
                f"statement {index + 1} lost its answer ({one_line(settled.error or Exception())}): "
                f"{statement_preview(statements[index])}",
                statement=index + 1,
                total=total,
            ) from settled.error
        await self._progress(driver, migration, started, "applied", None, checksums)

    async def _insert_running(
        self, driver: AsyncDriver, migration: Migration, started: float, checksums: PrefixChecksums | None
    ) -> None:
        """Insert the row saying a migration outside a transaction started (``checksums``: a SQL one).

        Waited for once sent, as every later move of the row is: a row cut off on its way may still
        be written, and the run would not know it left one. Stopped there, before anything of the
        migration ran, the row is moved to ``partial`` where nothing ran, so ``--resume`` runs it.
        """
        progress = None if checksums is None else 0
        write = functools.partial(
            self._store.insert,
            driver,
            **self._row(migration, 0),
            status="running",
            progress=progress,
            progress_checksum=None if checksums is None else checksums.of_first(0),
        )
        try:
            await to_the_end(write)
        except anyio.get_cancelled_exc_class():
            await self._progress(driver, migration, started, "partial", progress, checksums)
            self.interruption = (
                f"upgrade of {migration.revision} ({migration.path}) was interrupted before it started; "
                "run `sqlspec upgrade --resume` to run it"
            )
            logger.info("sqlspec: %s", self.interruption)
            raise

    async def _progress(
        self,
        driver: AsyncDriver,
        migration: Migration,
        started: float,
        status: Status,
        done: int | None,
        checksums: PrefixChecksums | None,
    ) -> None:
        """Move the row on. Shielded: once a statement ran, the row must say so, cancelled or not."""
        write = functools.partial(
            self._store.record_progress,
            driver,
            migration.revision,
            status=status,
            progress=done,
            progress_checksum=None if done is None or checksums is None else checksums.of_first(done),
            checksum=migration.checksum,
            execution_ms=round(_elapsed_ms(started)),
        )
        try:
            await to_the_end(write)
        except Exception as error:
            if not driver.lost_connection(error):
                raise
            raise MigrationExecutionError(
                migration.revision,
                migration.path,
                one_line(error),
                rolled_back=False,
                outcome=_lost_while_recording(done),
            ) from error

    def _interrupted(
        self, migration: Migration, statement: int, total: int, outcome: str, text: str = ""
    ) -> None:
        name = f"upgrade of {migration.revision} ({migration.path})"
        if outcome == "done":
            line = (
                f"{name} was interrupted after statement {statement} of {total} completed; "
                "run `sqlspec upgrade --resume` to continue"
            )
        elif outcome == "failed":
            line = (
                f"{name} was interrupted: the database stopped statement {statement} of {total} before it "
                "took effect; run `sqlspec upgrade --resume` to run it again"
            )
        else:
            line = (
                f"{name} was interrupted while statement {statement} of {total} ran, and the database did "
                f"not say whether it finished ({statement_preview(text)}); "
                f"{resume_advice(statement, total)}"
            )
        self.interruption = line
        logger.info("sqlspec: %s", line)  # the interrupted caller reports it (the CLI's last line)

    async def _upgrade_python_outside_transaction(
        self,
        driver: AsyncDriver,
        migration: Migration,
        started: float,
        unfinished: AppliedMigration | None,
        interrupted: Interrupted | None,
    ) -> None:
        """Run a ``transactional = False`` Python upgrade whole; resuming runs it again from the start."""
        if unfinished is not None and unfinished.is_interrupted and interrupted == "ran":
            await self._progress(driver, migration, started, "applied", None, None)
            return
        if unfinished is None:
            await self._insert_running(driver, migration, started, None)
        else:
            await self._progress(driver, migration, started, "running", None, None)
        try:
            await self._execute(driver, migration, "upgrade", ())
        except MigrationExecutionError as error:
            if error.__cause__ is not None and driver.lost_connection(error.__cause__):
                raise OutcomeUnknownError(
                    migration.revision,
                    migration.path,
                    f"{error.message}; the connection holding the migration lock was lost while upgrade() "
                    "ran outside a transaction",
                    statement=None,
                    total=None,
                ) from error
            await self._progress(driver, migration, started, "partial", None, None)
            raise PartialMigrationError(
                migration.revision, migration.path, error.message, statement=None, total=None
            ) from error
        except anyio.get_cancelled_exc_class():
            self.interruption = (
                f"upgrade of {migration.revision} ({migration.path}) was interrupted while upgrade() ran "
                f"outside a transaction; {resume_advice(None, None)}"
            )
            logger.info("sqlspec: %s", self.interruption)
            raise
        await self._progress(driver, migration, started, "applied", None, None)

    def _statements(self, migration: Migration, direction: Direction) -> tuple[str, ...]:
        return migration_statements(migration, direction, self._dialect) if migration.kind == "sql" else ()

    def _atomic(self, migration: Migration, direction: Direction) -> bool:
        return runs_in_transaction(migration, direction, self._dialect)

    async def _execute(
        self, driver: AsyncDriver, migration: Migration, direction: Direction, statements: tuple[str, ...]
    ) -> None:
        if migration.kind == "py":
            await self._execute_python(driver, migration, direction)
            return
        for number, statement in enumerate(statements, start=1):
            try:
                await driver.execute(statement)
            except Exception as error:
                raise self._failure(
                    driver,
                    migration,
                    direction,
                    error,
                    number,
                    rolled_back=self._atomic(migration, direction),
                ) from error

    async def _execute_python(self, driver: AsyncDriver, migration: Migration, direction: Direction) -> None:
        try:
            await call_python_migration(driver, migration, direction)
        except SQLSpecError:
            raise
        except (Exception, SystemExit) as error:  # sys.exit() in a migration is a failure too
            message = one_line(error) + line_in(error, migration.path)
            raise self._failure(
                driver,
                migration,
                direction,
                error,
                None,
                rolled_back=self._atomic(migration, direction),
                message=message,
            ) from error


def _lost_while_recording(done: int | None) -> str:
    """What to do when the row's write was cut off: it may or may not have been written."""
    lost = "the connection holding the migration lock was lost while recording that "
    if done is None:
        return (
            f"{lost}it finished; run `sqlspec upgrade --resume --interrupted ran` if the version "
            "table shows it as running"
        )
    # The write moves the row from "running at statement <done>" to "running at <done + 1>".
    return (
        f"{lost}{done} statement(s) were done; if the version table shows it running at statement "
        f"{done}, run `sqlspec upgrade --resume --interrupted ran`; if at statement {done + 1}, the "
        "record was written and nothing more ran: `--interrupted not-ran`"
    )
