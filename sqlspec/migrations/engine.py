"""The migration engine: the one implementation of every migration operation.

The CLI, the sync wrappers and the Litestar plugin all call this. The engine is made from explicit
parts: a source of connections, the migration config and the database's :class:`Dialect`.

An up-to-date check reads the version table once and no file; only when something is pending does a
run open its connection, take the run lock on it, read the state again inside it (another process
may have done the work), parse what it will run (all of it, before running any) and hand each
migration to the :class:`MigrationRunner`, on that same connection.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from sqlspec._lazy import lazy_names
from sqlspec.driver import AsyncDriver
from sqlspec.exceptions import (
    DatabaseConnectionError,
    IrreversibleMigrationError,
    MigrationError,
    MigrationStateError,
    RevisionNotFoundError,
    TargetError,
    resume_advice,
)
from sqlspec.migrations.extensions import extension_files
from sqlspec.migrations.folder import Folder, MigrationFile, scan
from sqlspec.migrations.lock import hold_run_lock, keep_alive
from sqlspec.migrations.revisions import plan_downgrade, plan_upgrade
from sqlspec.migrations.squash import SquashView, fold_rows, refuse_inside, resolve
from sqlspec.migrations.store import AppliedMigration, VersionStore

# What only a run, a check or a report needs loads when first used: an up-to-date upgrade (the
# start-up of every app and deploy) imports the listing, the table and the plan, and no more.
if TYPE_CHECKING:
    import anyio.abc

    from sqlspec.dialects import Dialect
    from sqlspec.migrations.check import Problem
    from sqlspec.migrations.config import MigrationConfig
    from sqlspec.migrations.files import Migration
    from sqlspec.migrations.history import HistoryEntry
    from sqlspec.migrations.runner import Direction, Interrupted, MigrationRun, MigrationRunner, Reporter
    from sqlspec.schema import Snapshot

__all__ = (
    "ConnectionSource",
    "Interrupted",
    "MigrationEngine",
    "MigrationRun",
    "Reporter",
    "RunSession",
)

logger: logging.Logger = logging.getLogger("sqlspec")
_T = TypeVar("_T")


# The run's types, exported here with the engine, load with the runner.
__getattr__: Callable[[str], object] = lazy_names(
    __name__, {"sqlspec.migrations.runner": ("Interrupted", "MigrationRun", "Reporter")}
)


def _parse(file: MigrationFile) -> Migration:
    """Read one migration; the reader is imported by the first file read, which a check never makes."""
    from sqlspec.migrations.files import parse

    return parse(file)


def _done(applied: Sequence[AppliedMigration]) -> set[str]:
    return {row.version for row in applied if not row.is_partial}


def _uncovered(applied: Sequence[AppliedMigration], view: SquashView) -> list[AppliedMigration]:
    """The rows that are migrations of their own: not a squashed range's rows, waiting to be folded."""
    return [row for row in applied if row.version not in view.covered]


class ConnectionSource(Protocol):
    """Where the engine gets its connections: a database config is one."""

    def provide_driver(self) -> AbstractAsyncContextManager[AsyncDriver]:
        """Open a connection for the duration of an ``async with`` block."""
        ...

    def is_empty(self) -> bool:
        """True when the database certainly holds nothing yet, so reading needs no connection."""
        ...


class MigrationEngine:
    """Plans and runs migrations for one database."""

    def __init__(
        self,
        connections: ConnectionSource,
        settings: MigrationConfig,
        dialect: Dialect,
        *,
        reporter: Reporter | None = None,
    ) -> None:
        self._connections = connections
        self._settings = settings
        self._dialect = dialect
        self._store = VersionStore(dialect, settings.version_table)
        self._reporter = reporter
        self.reconciled: list[tuple[str, str]] = []
        """The rows the last :meth:`migrate_up` renamed (old, new revision) for a teammate's ``fix``."""

    @property
    def settings(self) -> MigrationConfig:
        """The migration config this engine runs with."""
        return self._settings

    @property
    def directory(self) -> Path:
        """The folder of the app's migration files."""
        return Path(self._settings.script_location)

    @property
    def interruption(self) -> str | None:
        """What the last run left behind when it was cancelled mid-migration, in one line."""
        return self._runner.interruption

    @functools.cached_property
    def _runner(self) -> MigrationRunner:
        from sqlspec.migrations.runner import MigrationRunner

        return MigrationRunner(self._store, self._dialect, self._reporter)

    def files(self, folder: Folder | None = None) -> list[MigrationFile]:
        """Every migration file in run order (extensions' first), from file names only.

        ``folder``: the app folder's listing when already read.
        """
        extensions = extension_files(self._settings.include_extensions)
        files, problems = (folder or Folder(self.directory)).scan()
        if problems:
            raise problems[0]
        return [*extensions, *files]

    def scan(self) -> tuple[list[MigrationFile], list[MigrationError]]:
        """Like :meth:`files`, but returns the app folder's naming problems instead of raising."""
        files, problems = scan(self.directory)
        return [*extension_files(self._settings.include_extensions), *files], problems

    def statements(self, migration: Migration, direction: Direction) -> tuple[str, ...]:
        """A SQL migration's statements for one direction, as they will run (none for Python)."""
        from sqlspec.migrations.statements import migration_statements

        return migration_statements(migration, direction, self._dialect)

    @property
    def dialect(self) -> Dialect:
        """The database's dialect."""
        return self._dialect

    def implicit_commit(self, migration: Migration, direction: Direction) -> tuple[int, str] | None:
        """The first statement that commits by itself in a migration that asks for a transaction."""
        if not migration.transactional:
            return None
        from sqlspec.migrations.statements import first_implicit_commit

        return first_implicit_commit(self.statements(migration, direction), self._dialect)

    def validate(self, migration: Migration, direction: Direction) -> None:
        """Fail now for what would fail once running: a section that does not split, a failing import."""
        self.statements(migration, direction)
        if migration.kind == "py":
            from sqlspec.migrations.files import import_python_migration

            import_python_migration(migration)

    def _connect(self) -> AbstractAsyncContextManager[AsyncDriver]:
        return self._connections.provide_driver()

    @asynccontextmanager
    async def _session(
        self, connected: AsyncDriver | None = None
    ) -> AsyncIterator[tuple[AsyncDriver, anyio.abc.TaskGroup]]:
        """A connection holding the run lock, with a task group for the run's helpers.

        The lock is taken on the connection that runs the migrations, so it lives exactly as long
        as the work it protects; its heartbeat runs beside the work. ``connected``: take it on that
        open connection (the one a check just read the table on) instead of a new one.
        """
        if connected is None:
            async with self._connect() as driver, self._session(driver) as session:
                yield session
            return
        lock = self._dialect.run_lock(connected, self._settings.version_table)
        connected.ran_migrations = True
        from sqlspec.migrations.settle import background_tasks

        try:
            async with hold_run_lock(lock, self._settings.lock_timeout), background_tasks() as tasks:
                tasks.start_soon(keep_alive, lock)
                await self._dialect.prepare_run(connected)
                yield connected, tasks
        finally:
            self._runner.next_order = None  # known only while the lock is held

    def _number_after(self, applied: Sequence[AppliedMigration]) -> None:
        """Under the run lock, having just read ``applied``: the rows the run inserts come next."""
        self._runner.next_order = max((row.install_order for row in applied), default=0) + 1

    def _reading(self) -> AbstractAsyncContextManager[AsyncDriver | None]:
        """A connection to read the table on; ``None`` for a database that certainly holds nothing
        yet, as reading must not create one (a SQLite file)."""
        if self._connections.is_empty():
            return contextlib.nullcontext()
        return self._connect()

    async def _read(self) -> tuple[list[MigrationFile], list[AppliedMigration]]:
        files = self.files()
        return files, await self.applied_migrations()

    # -- reading ---------------------------------------------------------------------------------

    async def applied_migrations(self) -> list[AppliedMigration]:
        """The version table's rows in the order applied; empty for a fresh database."""
        return await self._read_table(self._store.applied, [])

    async def _read_table(self, read: Callable[[AsyncDriver], Awaitable[_T]], empty: _T) -> _T:
        if self._connections.is_empty():  # reading must not create a database (a SQLite file)
            return empty
        async with self._connect() as driver:
            return await read(driver)

    async def current_revision(self) -> str | None:
        """The applied revision that comes last in run order, or ``None`` at base."""
        files, applied = await self._read()
        done = _done(applied)
        view = resolve(files, done)
        files = list(view.files)
        known = {f.revision for f in files} | set(view.covered)
        if any(revision not in known for revision in done):  # files missing: trust the table
            return next((row.version for row in reversed(applied) if row.version in done), None)
        in_order = [f.revision for f in files if f.revision in done]
        return in_order[-1] if in_order else None

    async def migration_history(self) -> list[HistoryEntry]:
        """Applied migrations in the order applied, then pending ones in run order."""
        files, applied = await self._read()
        from sqlspec.migrations.history import history_entries

        return history_entries(resolve(files, _done(applied)), applied)

    async def pending_migrations(self, revision: str = "head") -> list[Migration]:
        """What ``migrate_up(revision)`` would apply, parsed and validated; changes nothing."""
        files, applied = await self._read()
        view = resolve(files, _done(applied))
        refuse_inside(view, revision, "upgrade")
        return self._load_upgrade(list(view.files), applied, revision)

    async def migrations_to_revert(self, revision: str = "-1") -> list[Migration]:
        """What ``migrate_down(revision)`` would revert, parsed and validated; changes nothing."""
        files, applied = await self._read()
        view = resolve(files, _done(applied))
        refuse_inside(view, revision)
        return self._load_downgrade(list(view.files), _uncovered(applied, view), revision)

    async def check(self, *, strict: bool = False, lint: bool = False, schema: bool = False) -> list[Problem]:
        """Every problem with the files and the database's history, errors first; changes nothing.

        ``strict``: pending migrations and timestamp names are warnings too; ``lint``: the pending
        migrations' hazards; ``schema``: drift from the schema snapshot file.
        """
        from sqlspec.migrations.check import check_migrations

        return await check_migrations(self, strict=strict, lint=lint, schema=schema)

    # -- planning --------------------------------------------------------------------------------

    def _load_upgrade(
        self, files: Sequence[MigrationFile], applied: Sequence[AppliedMigration], target: str
    ) -> list[Migration]:
        ordered = [f.revision for f in files]
        steps = plan_upgrade(ordered, _done(applied), target)
        by_revision = {f.revision: f for f in files}
        migrations = [_parse(by_revision[revision]) for revision in steps]
        from sqlspec.migrations.chain import chain_problems

        if broken := chain_problems(files, applied, migrations):
            raise broken[0].error()
        for migration in migrations:
            self.validate(migration, "upgrade")  # a broken file fails before anything runs
        return migrations

    def _load_downgrade(
        self, files: Sequence[MigrationFile], applied: Sequence[AppliedMigration], target: str
    ) -> list[Migration]:
        _refuse_partial(applied, "downgrade")
        steps = plan_downgrade([f.revision for f in files], [row.version for row in applied], target)
        by_revision = {f.revision: f for f in files}
        from sqlspec.migrations.files import CHECKSUM_ALGORITHM

        recorded = {row.version: row for row in applied if row.checksum_algorithm == CHECKSUM_ALGORITHM}
        migrations: list[Migration] = []
        for revision in steps:
            if revision not in by_revision:
                raise RevisionNotFoundError(
                    revision, "it is applied but its file is missing; restore the file"
                )
            migration = _parse(by_revision[revision])
            if not migration.has_downgrade:
                raise IrreversibleMigrationError(revision, migration.path)
            if (row := recorded.get(revision)) and row.checksum != migration.checksum:
                logger.warning(
                    "%s changed since it was applied; reverting it with the file as it is now",
                    migration.path,
                )
            self.validate(migration, "downgrade")
            migrations.append(migration)
        return migrations

    # -- running ---------------------------------------------------------------------------------

    async def migrate_up(
        self, revision: str = "head", *, resume: bool = False, interrupted: Interrupted | None = None
    ) -> list[MigrationRun]:
        """Apply pending migrations up to ``revision`` (``head``, ``+N`` or a revision).

        A partly applied migration stops every upgrade until ``resume=True``, which continues it from
        its failed statement (the file mended first) and then applies the rest. A migration whose
        run ended while one of its statements was running needs ``interrupted`` too: ``"ran"`` if
        that statement took effect, ``"not-ran"`` if it did not.
        """
        self.reconciled = []
        async with self._reading() as reader:
            files = await self._work_for(reader, revision)
            if files is None:
                return []
            # Pending: the run takes the lock on the connection that just read (one, not two).
            async with self._session(reader) as (driver, tasks):
                return await self._up(driver, tasks, files, revision, resume=resume, interrupted=interrupted)

    async def up_to_date(self, revision: str = "head") -> bool:
        """Whether :meth:`migrate_up` has nothing to do: the same one narrow query its own check makes."""
        async with self._reading() as reader:
            return await self._work_for(reader, revision) is None

    async def _work_for(self, reader: AsyncDriver | None, revision: str) -> list[MigrationFile] | None:
        """The files an upgrade to ``revision`` works from, or ``None`` when it has nothing to do.

        A plain folder's run order is its sorted names: up to date, no file is read and no object
        made per file, and the table is read by one narrow query, without the lock.
        """
        folder = Folder(self.directory)
        plain = None if self._settings.include_extensions else folder.plain_revisions
        files = [] if plain is not None else self.files(folder)
        done: set[str] = set() if reader is None else await self._store.done(reader)
        folds = False
        if plain is None:
            view = resolve(files, done)
            refuse_inside(view, revision, "upgrade")
            ordered = [f.revision for f in view.files]
            # A squashed range's own rows, its originals gone, are folded by the next upgrade.
            folds = not done.isdisjoint(view.covered)
        else:
            ordered = plain
        if not folds and not plan_upgrade(ordered, done, revision):
            return None
        return self.files(folder) if plain is not None else files

    async def _up(
        self,
        driver: AsyncDriver,
        tasks: anyio.abc.TaskGroup,
        files: Sequence[MigrationFile],
        revision: str,
        *,
        resume: bool = False,
        interrupted: Interrupted | None = None,
    ) -> list[MigrationRun]:
        """``migrate_up`` on a connection that holds the run lock."""
        files, applied = await self._resolved(driver, files, revision, "upgrade")
        if renamed := await self._reconcile(driver, files, applied):
            self.reconciled = renamed
            applied = await self._store.applied(driver)
        self._refuse_unfinished(files, applied, resume=resume, interrupted=interrupted)
        unfinished = {row.version: row for row in applied if row.is_partial}
        migrations = self._load_upgrade(files, applied, revision)
        if migrations:
            await self._store.ensure_table(driver)
        self._number_after(applied)
        return [
            await self._runner.run(
                driver,
                migration,
                "upgrade",
                tasks,
                unfinished=unfinished.get(migration.revision),
                interrupted=interrupted,
            )
            for migration in migrations
        ]

    def _refuse_unfinished(
        self,
        files: Sequence[MigrationFile],
        applied: Sequence[AppliedMigration],
        *,
        resume: bool,
        interrupted: Interrupted | None,
    ) -> None:
        """Read under the run lock: an unfinished row is no other process's work in progress."""
        rows = [row for row in applied if row.is_partial]
        if interrupted is not None and not any(row.is_interrupted for row in rows):
            raise TargetError(
                "--interrupted settles a migration whose run ended mid-statement, and none did; "
                "run `sqlspec upgrade` (with --resume for a partly applied one)"
            )
        if interrupted is not None and not resume:
            raise TargetError("--interrupted goes with --resume")
        for row in rows:
            if not row.is_interrupted:
                if not resume:
                    _refuse_partial([row], "upgrade")
                continue
            if resume and interrupted is not None:
                continue
            by_revision = {f.revision: f for f in files}
            statement = ""
            total: int | None = None
            if row.progress is not None and row.version in by_revision:
                statements = self.statements(_parse(by_revision[row.version]), "upgrade")
                total = len(statements)
                if row.progress < total:
                    from sqlspec.migrations.statements import statement_preview

                    statement = f": {statement_preview(statements[row.progress])}"
            number = None if row.progress is None else row.progress + 1
            raise MigrationStateError(
                f"migration {row.version} ({row.script}) was interrupted: {row.progress_text}{statement}; "
                f"{resume_advice(number, total)}"
            )

    async def migrate_down(self, revision: str = "-1") -> list[MigrationRun]:
        """Revert applied migrations down to ``revision`` (``-N``, ``base`` or a revision)."""
        files, applied = await self._read()
        view = resolve(files, _done(applied))
        refuse_inside(view, revision)
        applied = _uncovered(applied, view)
        if not plan_downgrade([f.revision for f in view.files], [row.version for row in applied], revision):
            return []
        async with self._session() as (driver, tasks):
            return await self._down(driver, tasks, files, revision)

    async def _down(
        self, driver: AsyncDriver, tasks: anyio.abc.TaskGroup, files: Sequence[MigrationFile], revision: str
    ) -> list[MigrationRun]:
        """``migrate_down`` on a connection that holds the run lock."""
        files, applied = await self._resolved(driver, files, revision, "downgrade")
        migrations = self._load_downgrade(files, applied, revision)
        return [await self._runner.run(driver, m, "downgrade", tasks) for m in migrations]

    @asynccontextmanager
    async def session(self) -> AsyncIterator[RunSession]:
        """One connection holding the run lock for several operations in a row (``sqlspec test``).

        Each operation reads the version table afresh; none opens a connection of its own.
        """
        async with self._session() as (driver, tasks):
            yield RunSession(self, driver, tasks)

    async def schema_snapshot(self) -> Snapshot:
        """The database's schema as ``dump-schema`` writes it (the version table left out).

        Raises :class:`DatabaseConnectionError` for a database that does not exist yet (a SQLite
        file): reading it would create it, and an empty snapshot of a mistyped path helps nobody.
        """
        if self._connections.is_empty():
            raise DatabaseConnectionError(
                "the database does not exist yet, so it has no schema to read (for SQLite, check the "
                "file's path; `sqlspec upgrade` creates it)"
            )
        async with self._connect() as driver:
            from sqlspec.schema import read_snapshot

            return await read_snapshot(driver, self._dialect, exclude=[self._settings.version_table])

    async def stamp(self, revision: str = "head") -> list[str]:
        """Record migrations up to ``revision`` as applied without running them, to adopt a database.

        Only adds rows, in run order; history already recorded is never changed or deleted.
        """
        if revision == "base":
            raise TargetError(
                "stamp only records migrations as applied, it never removes rows; "
                "to undo migrations run `sqlspec downgrade base`"
            )
        files = self.files()
        async with self._session() as (driver, _):
            files, applied = await self._resolved(driver, files, revision, "upgrade")
            migrations = self._load_upgrade(files, applied, revision)
            if migrations:
                await self._store.ensure_table(driver)
                self._number_after(applied)
                async with driver.transaction():
                    for migration in migrations:
                        await self._runner.record(driver, migration, "upgrade", 0)
        return [migration.revision for migration in migrations]

    async def reconcile(self) -> list[tuple[str, str]]:
        """Rename rows applied under a timestamp whose file ``fix`` made sequential; (old, new) pairs."""
        files = self.files()
        async with self._session() as (driver, _):
            files, applied = await self._resolved(driver, files)
            return await self._reconcile(driver, files, applied)

    async def _resolved(
        self,
        driver: AsyncDriver,
        files: Sequence[MigrationFile],
        target: str | None = None,
        direction: str = "upgrade",
    ) -> tuple[list[MigrationFile], list[AppliedMigration]]:
        """Under the run lock: the files this database runs (each squash or its originals) and its
        rows, a squashed range's own rows folded into the squash's row first; a ``target`` inside a
        range it runs as one migration is refused."""
        applied = await self._store.applied(driver)
        view = resolve(files, _done(applied))
        if target is not None:
            refuse_inside(view, target, direction)
        if folds := view.fold_needed(applied):
            parsed = {squash.revision: _parse(squash) for squash in folds}
            removed = await fold_rows(driver, self._store, view, applied, parsed)
            names = ", ".join(squash.name for squash in folds)
            logger.warning("folded the version rows of %s into %s", ", ".join(removed), names)
            applied = await self._store.applied(driver)
        return list(view.files), applied

    async def _reconcile(
        self, driver: AsyncDriver, files: Sequence[MigrationFile], applied: Sequence[AppliedMigration]
    ) -> list[tuple[str, str]]:
        from sqlspec.migrations.reconcile import renamed_rows

        renames = renamed_rows(applied, files)
        if renames:
            async with driver.transaction():
                for row, migration in renames:
                    await self._store.rename(driver, row.version, migration.revision, migration.path.name)
        return [(row.version, migration.revision) for row, migration in renames]


def _refuse_partial(applied: Sequence[AppliedMigration], operation: str) -> None:
    for row in applied:
        if row.is_interrupted:
            raise MigrationStateError(
                f"migration {row.version} ({row.script}) was interrupted: {row.progress_text}; settle it "
                f"with `sqlspec upgrade --resume --interrupted ran|not-ran` before any {operation}"
            )
        if row.is_partial:
            raise MigrationStateError(
                f"migration {row.version} ({row.script}) is partly applied: {row.progress_text}; mend the "
                f"file if a statement failed, then run `sqlspec upgrade --resume` before any {operation}"
            )


class RunSession:
    """Operations on one connection that holds the run lock; made by :meth:`MigrationEngine.session`."""

    def __init__(self, engine: MigrationEngine, driver: AsyncDriver, tasks: anyio.abc.TaskGroup) -> None:
        self._engine = engine
        self._driver = driver
        self._tasks = tasks

    async def migrate_up(self, revision: str = "head") -> list[MigrationRun]:
        """Apply pending migrations up to ``revision``, as :meth:`MigrationEngine.migrate_up` does."""
        return await self._engine._up(self._driver, self._tasks, self._engine.files(), revision)

    async def migrate_down(self, revision: str = "-1") -> list[MigrationRun]:
        """Revert migrations down to ``revision``, as :meth:`MigrationEngine.migrate_down` does."""
        return await self._engine._down(self._driver, self._tasks, self._engine.files(), revision)

    async def pending_migrations(self, revision: str = "head") -> list[Migration]:
        """What :meth:`migrate_up` would apply, parsed and validated; changes nothing."""
        files, applied = await self._engine._resolved(self._driver, self._engine.files())
        return self._engine._load_upgrade(files, applied, revision)

    async def schema_snapshot(self) -> Snapshot:
        """The schema as the session's connection sees it, the version table left out."""
        exclude = [self._engine.settings.version_table]
        from sqlspec.schema import read_snapshot

        return await read_snapshot(self._driver, self._engine.dialect, exclude=exclude)
