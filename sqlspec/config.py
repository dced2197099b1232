"""Database configs: a connection, a migration config, and the programmatic migration API.

The API is written once, as async methods on :class:`MigrationCommands`. Async configs inherit it;
sync configs get one-line blocking twins of the same methods (see :mod:`sqlspec._sync`), so
``await config.migrate_up()`` and ``config.migrate_up()`` run the very same engine code.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, Self, TypeVar
from urllib.parse import urlsplit, urlunsplit

from sqlspec._cancel import shield
from sqlspec._sync import blocking_twin
from sqlspec.exceptions import ImproperConfigurationError
from sqlspec.migrations.config import MigrationConfig, to_migration_config

if TYPE_CHECKING:  # the engine loads when first used: importing an app's config stays cheap
    from sqlspec.dialects import Dialect
    from sqlspec.driver import AsyncDriver
    from sqlspec.migrations.check import Problem
    from sqlspec.migrations.engine import Interrupted, MigrationEngine, MigrationRun, Reporter
    from sqlspec.migrations.files import Migration
    from sqlspec.migrations.history import HistoryEntry
    from sqlspec.migrations.store import AppliedMigration
    from sqlspec.schema import Snapshot

__all__ = (
    "AsyncDatabaseConfig",
    "DatabaseConfig",
    "MigrationCommands",
    "SyncDatabaseConfig",
    "TenantCommands",
    "require_asyncio",
    "with_database",
)

PoolT = TypeVar("PoolT")


class DatabaseConfig(ABC):
    """What every config holds: how to connect, and how migrations are kept."""

    dialect: ClassVar[Dialect]
    is_async: ClassVar[bool]

    def __init__(
        self,
        *,
        connection_config: Mapping[str, Any] | None = None,
        migration_config: MigrationConfig | Mapping[str, Any] | None = None,
        bind_key: str | None = None,
    ) -> None:
        if connection_config is not None and not isinstance(connection_config, Mapping):
            raise ImproperConfigurationError(
                f"connection_config must be a dict, not {type(connection_config).__name__}"
            )
        self.connection_config: dict[str, Any] = dict(connection_config or {})
        self.migration_config: MigrationConfig = to_migration_config(migration_config)
        self.bind_key = bind_key

    @abstractmethod
    def provide_driver(self) -> AbstractAsyncContextManager[AsyncDriver]:
        """Open a connection for the duration of an ``async with`` block."""

    def is_empty(self) -> bool:
        """True when the database certainly holds nothing yet, so reading needs no connection.

        A SQLite file that does not exist is such a database: reading it must not create it.
        """
        return False

    async def open_pool(self) -> None:  # noqa: B027 -- an optional hook, not abstract
        """Keep connections open for a long-lived app (a no-op for drivers without a pool)."""

    async def close_pool(self) -> None:  # noqa: B027 -- an optional hook, not abstract
        """Close what :meth:`open_pool` opened."""

    def pool_is_open(self) -> bool:
        """Whether :meth:`open_pool` opened connections that this event loop can use."""
        return False

    @asynccontextmanager
    async def scratch_database(self) -> AsyncIterator[Self]:
        """A config like this one for a new, empty database, dropped on exit: where ``sqlspec test`` runs.

        On a server the database is created through this config's own connection, so its user needs
        the right to create databases; for SQLite it is a file in a temporary folder.
        """
        import secrets  # here: it loads hashlib and random, which nothing else at start-up needs

        name = f"sqlspec_scratch_{secrets.token_hex(6)}"
        connection_config = await self._create_scratch(name)
        try:
            yield type(self)(
                connection_config=connection_config,
                migration_config=self.migration_config,
                bind_key=self.bind_key,
            )
        finally:
            with shield():
                await self._drop_scratch(name, connection_config)

    def for_database(self, name: str) -> Self:
        """This config pointed at another database on the same server (for SQLite: another file)."""
        return type(self)(
            connection_config=self._database_config(name),
            migration_config=self.migration_config,
            bind_key=self.bind_key,
        )

    def _database_config(self, name: str) -> dict[str, Any]:
        return with_database(self.connection_config, name)

    async def _create_scratch(self, name: str) -> dict[str, Any]:
        async with self.provide_driver() as driver:
            await driver.execute(self.dialect.create_database(name))
        return self._database_config(name)

    async def _drop_scratch(self, name: str, connection_config: dict[str, Any]) -> None:
        async with self.provide_driver() as driver:
            await driver.execute(self.dialect.drop_database(name))

    def migration_engine(
        self, *, reporter: Reporter | None = None, schema: str | None = None
    ) -> MigrationEngine:
        """The engine for this database; cheap to make, it connects only when used.

        ``schema``: the engine of one PostgreSQL tenant schema (see ``tenant_schemas``), whose
        version table and run lock live in that schema and whose migrations run with
        ``search_path`` set to it.
        """
        if schema is not None:
            from sqlspec.migrations.tenants import tenant_engine

            return tenant_engine(self, schema, reporter=reporter)
        from sqlspec.migrations.engine import MigrationEngine

        return MigrationEngine(self, self.migration_config, self.dialect, reporter=reporter)

    def __repr__(self) -> str:
        bind = f", bind_key={self.bind_key!r}" if self.bind_key else ""
        return f"{type(self).__name__}(script_location={self.migration_config.script_location!r}{bind})"


class PooledConnections(DatabaseConfig, Generic[PoolT]):
    """A server driver's pool, which :meth:`open_pool` opens for a long-lived app.

    The pool's connections belong to the event loop that opened it: :meth:`_pool_here` is what
    ``provide_driver`` takes its connections from on that loop, and any other loop connects anew.
    """

    _pool: PoolT | None = None
    _pool_loop: asyncio.AbstractEventLoop | None = None

    @abstractmethod
    async def _create_pool(self) -> PoolT: ...

    @abstractmethod
    async def _close(self, pool: PoolT) -> None: ...

    async def open_pool(self) -> None:
        if self._pool is None:
            self._pool = await self._create_pool()
            self._pool_loop = asyncio.get_running_loop()

    def pool_is_open(self) -> bool:
        return self._pool_here() is not None

    async def close_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            with shield():
                await self._close(pool)

    def _pool_here(self) -> PoolT | None:
        """The pool, when it was opened on the running event loop."""
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            return None
        return self._pool if self._pool_loop is here else None


def with_database(connection_config: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A server's ``connection_config`` pointed at database ``name``: in its DSN and its own key."""
    changed = {key: value for key, value in connection_config.items() if key != "db"}
    if dsn := changed.get("dsn"):
        changed["dsn"] = urlunsplit(urlsplit(str(dsn))._replace(path=f"/{name}"))
    if "dsn" not in changed or "database" in changed or "db" in connection_config:
        changed["database"] = name
    return changed


def require_asyncio(config_name: str) -> None:
    """Drivers built on asyncio cannot run under trio; say so instead of failing deep inside."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise ImproperConfigurationError(
            f"{config_name} needs asyncio (its driver is built on it); run it with asyncio.run or "
            "anyio.run(..., backend='asyncio'), or use SqliteConfig under trio"
        ) from None


class MigrationCommands:
    """The programmatic migration API, as async methods over a :class:`MigrationEngine`.

    The names are the engine's own: a config's ``migrate_up`` is the engine's ``migrate_up``.
    """

    def _engine(self) -> MigrationEngine:
        raise NotImplementedError

    async def migrate_up(
        self, revision: str = "head", *, resume: bool = False, interrupted: Interrupted | None = None
    ) -> list[MigrationRun]:
        """Apply pending migrations up to ``revision``: ``"head"``, ``"+N"`` or a revision like ``"0003"``.

        ``resume=True`` continues a non-transactional migration that stopped part-way; for one whose
        run ended mid-statement, ``interrupted`` says whether that statement took effect
        (``"ran"``) or not (``"not-ran"``).
        """
        return await self._engine().migrate_up(revision, resume=resume, interrupted=interrupted)

    async def up_to_date(self, revision: str = "head") -> bool:
        """Whether :meth:`migrate_up` has nothing to apply: one narrow query, no lock, no file read
        (a health check, or a deploy step that skips the upgrade)."""
        return await self._engine().up_to_date(revision)

    async def migrate_down(self, revision: str = "-1") -> list[MigrationRun]:
        """Revert migrations down to ``revision``: ``"-N"``, ``"base"`` or a revision that stays applied."""
        return await self._engine().migrate_down(revision)

    async def current_revision(self) -> str | None:
        """The database's current revision, or ``None`` when nothing is applied."""
        return await self._engine().current_revision()

    async def migration_history(self) -> list[HistoryEntry]:
        """Applied migrations in the order applied, then pending ones in run order."""
        return await self._engine().migration_history()

    async def applied_migrations(self) -> list[AppliedMigration]:
        """The version table's rows in the order applied; empty for a fresh database."""
        return await self._engine().applied_migrations()

    async def pending_migrations(self, revision: str = "head") -> list[Migration]:
        """What ``migrate_up(revision)`` would apply, parsed and validated; changes nothing."""
        return await self._engine().pending_migrations(revision)

    async def migrations_to_revert(self, revision: str = "-1") -> list[Migration]:
        """What ``migrate_down(revision)`` would revert, parsed and validated; changes nothing."""
        return await self._engine().migrations_to_revert(revision)

    async def stamp(self, revision: str = "head") -> list[str]:
        """Record migrations up to ``revision`` as applied without running them; the revisions recorded."""
        return await self._engine().stamp(revision)

    async def check(self, *, strict: bool = False, lint: bool = False, schema: bool = False) -> list[Problem]:
        """Every problem with the files and the database's history, errors first; changes nothing.

        ``strict``: pending migrations and timestamp names are warnings too; ``lint``: the pending
        migrations' hazards; ``schema``: drift from the schema snapshot file.
        """
        return await self._engine().check(strict=strict, lint=lint, schema=schema)

    async def schema_snapshot(self) -> Snapshot:
        """The database's schema as ``dump-schema`` writes it (the version table left out)."""
        return await self._engine().schema_snapshot()

    async def reconcile(self) -> list[tuple[str, str]]:
        """Rename rows applied under a timestamp whose file ``fix`` renumbered; the (old, new) pairs."""
        return await self._engine().reconcile()


class TenantCommands:
    """PostgreSQL schema-per-tenant: what a config offers beyond one database's migrations."""

    def _tenant_database(self) -> DatabaseConfig:
        raise NotImplementedError

    async def create_tenant(self, schema: str, revision: str = "head") -> list[MigrationRun]:
        """Create the schema of a new tenant (if missing) and migrate it; the migrations it ran.

        Add the tenant to ``tenant_schemas`` (or to what its function reads) so that later upgrades
        of the fleet include it.
        """
        from sqlspec.migrations.tenants import create_tenant

        return await create_tenant(self._tenant_database(), schema, revision)


class AsyncDatabaseConfig(DatabaseConfig, MigrationCommands, TenantCommands):
    """A config whose migration API is awaited: ``await config.migrate_up()``."""

    is_async = True

    def _engine(self) -> MigrationEngine:
        return self.migration_engine()

    def _tenant_database(self) -> DatabaseConfig:
        return self


class _AsyncCommands(MigrationCommands, TenantCommands):
    """The async API of a sync config, which its blocking twins run."""

    def __init__(self, config: DatabaseConfig) -> None:
        self._config = config

    def _engine(self) -> MigrationEngine:
        return self._config.migration_engine()

    def _tenant_database(self) -> DatabaseConfig:
        return self._config


class SyncDatabaseConfig(DatabaseConfig):
    """A config whose migration API blocks: ``config.migrate_up()``.

    Each method runs the async engine on a new event loop. Called in a thread that is already
    running an event loop it raises :class:`~sqlspec.exceptions.SyncInEventLoopError`; use an async
    config there, or ``await anyio.to_thread.run_sync(config.migrate_up)``.
    """

    is_async = False

    def _async_twin(self) -> _AsyncCommands:
        return _AsyncCommands(self)

    # Final: a twin's type is exactly what blocking_twin() makes of the async method (its parameters,
    # the result unwrapped), which type checkers then agree on; and no subclass can make them drift.
    migrate_up: Final = blocking_twin(MigrationCommands.migrate_up)
    up_to_date: Final = blocking_twin(MigrationCommands.up_to_date)
    migrate_down: Final = blocking_twin(MigrationCommands.migrate_down)
    current_revision: Final = blocking_twin(MigrationCommands.current_revision)
    migration_history: Final = blocking_twin(MigrationCommands.migration_history)
    applied_migrations: Final = blocking_twin(MigrationCommands.applied_migrations)
    pending_migrations: Final = blocking_twin(MigrationCommands.pending_migrations)
    migrations_to_revert: Final = blocking_twin(MigrationCommands.migrations_to_revert)
    stamp: Final = blocking_twin(MigrationCommands.stamp)
    check: Final = blocking_twin(MigrationCommands.check)
    schema_snapshot: Final = blocking_twin(MigrationCommands.schema_snapshot)
    reconcile: Final = blocking_twin(MigrationCommands.reconcile)
    create_tenant: Final = blocking_twin(TenantCommands.create_tenant)
