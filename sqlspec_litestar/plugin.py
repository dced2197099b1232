"""The Litestar plugin: wiring only, every migration operation is the engine's.

- lifespan: opens the configs' pools, applies pending migrations before the first request (one
  cheap query when up to date; the engine's lock makes several workers safe), closes the pools;
  a config's PostgreSQL tenant schemas are migrated too only with ``migrate_tenants=True``
  (a fleet can take long, so by default it is left to ``litestar database upgrade``);
- a start-up that cannot happen (no database, a failing migration) logs one line and stops the app;
- dependency injection: a handler parameter named ``db`` (by default) receives a driver;
- CLI: ``litestar database <command>`` (alias ``litestar db``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from typing import TYPE_CHECKING

from litestar.di import Provide
from litestar.plugins import CLIPlugin, InitPlugin

from sqlspec._redact import redact_connection_config
from sqlspec.config import DatabaseConfig
from sqlspec.driver import AsyncDriver
from sqlspec.exceptions import (
    DatabaseConnectionError,
    ImproperConfigurationError,
    MigrationError,
    SQLSpecError,
)

if TYPE_CHECKING:
    from click import Group
    from litestar import Litestar
    from litestar.config.app import AppConfig

__all__ = ("SQLSpecPlugin", "StartupError")

logger: logging.Logger = logging.getLogger("sqlspec")


class StartupError(SQLSpecError):
    """The app cannot start: a database is out of reach or a migration failed.

    Its message, one line naming the database and the reason, is logged once by the plugin; the error
    it stands for is its ``__cause__``.
    """

    def __init__(self, config: DatabaseConfig, error: SQLSpecError) -> None:
        self.config = config
        self.error = error
        reason = str(error)
        if not isinstance(error, DatabaseConnectionError):  # that message names the database already
            reason = f"{_where(config)}: {reason}"
        super().__init__(f"cannot start: {reason}")


def _where(config: DatabaseConfig) -> str:
    """The database of ``config`` in a log line: its dialect and connection settings, redacted."""
    return f"{config.dialect.name} ({redact_connection_config(config.connection_config)})"


class _SilenceLoggedFailure(logging.Filter):
    """Drops the server's traceback of a :class:`StartupError`: the plugin logged its one line.

    Litestar reports a failed start-up to the ASGI server as the formatted traceback, which uvicorn
    logs on ``uvicorn.error``; for an error already told in one line that is only noise (75 lines
    for a refused connection). Any other error's traceback passes through untouched.
    """

    marker = f"{StartupError.__module__}.{StartupError.__qualname__}: "

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and self.marker in record.msg)


_silence_logged_failure = _SilenceLoggedFailure()
SERVER_LOGGERS = ("uvicorn.error",)
"""The loggers on which an ASGI server reports a failed start-up with its traceback."""


@contextmanager
def _stops_start_up(config: DatabaseConfig) -> Iterator[None]:
    """Turn a SQLSpecError inside the block into a :class:`StartupError`, logged in one line."""
    try:
        yield
    except SQLSpecError as error:
        failure = StartupError(config, error)
        logger.error("sqlspec: %s", failure)
        logger.debug("sqlspec: the start-up failure in full", exc_info=error)
        for name in SERVER_LOGGERS:
            logging.getLogger(name).addFilter(_silence_logged_failure)  # added once however often
        raise failure from error


class SQLSpecPlugin(InitPlugin, CLIPlugin):
    """Connect a Litestar app to one or more sqlspec configs."""

    def __init__(
        self,
        config: DatabaseConfig | Sequence[DatabaseConfig],
        *,
        auto_migrate: bool = True,
        dependency_key: str = "db",
        migrate_tenants: bool = False,
        tenant_concurrency: int = 4,
    ) -> None:
        self.configs: list[DatabaseConfig] = [config] if isinstance(config, DatabaseConfig) else list(config)
        if not self.configs:
            raise ImproperConfigurationError("SQLSpecPlugin needs at least one config")
        self.auto_migrate = auto_migrate
        self.dependency_key = dependency_key
        self.migrate_tenants = migrate_tenants
        self.tenant_concurrency = tenant_concurrency

    @property
    def config(self) -> DatabaseConfig:
        """The first (usually the only) config: the one handlers receive through ``db``."""
        return self.configs[0]

    def on_cli_init(self, cli: Group) -> None:
        from sqlspec_litestar.cli import add_database_commands

        add_database_commands(cli, lambda: self.configs)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.lifespan = [*app_config.lifespan, self.lifespan]
        app_config.dependencies = {
            **app_config.dependencies,
            self.dependency_key: Provide(self._provide_driver),
        }
        app_config.signature_namespace = {**app_config.signature_namespace, "AsyncDriver": AsyncDriver}
        return app_config

    @asynccontextmanager
    async def lifespan(self, app: Litestar) -> AsyncIterator[None]:
        """Open pools, apply pending migrations, serve, then close the pools.

        A :class:`~sqlspec.exceptions.SQLSpecError` on the way (a database out of reach, a failing
        migration, a lock given up on) is logged as one line and raised as :class:`StartupError`,
        so the app does not start; any other exception is a bug and keeps its traceback.
        """
        async with AsyncExitStack() as stack:
            for config in self.configs:
                with _stops_start_up(config):
                    await config.open_pool()
                stack.push_async_callback(config.close_pool)
            if self.auto_migrate:
                for config in self.configs:
                    with _stops_start_up(config):
                        await self._migrate(config)
            yield

    async def _migrate(self, config: DatabaseConfig) -> None:
        if config.migration_config.tenant_schemas is not None:
            await self._migrate_tenants(config)
            return
        runs = await config.migration_engine().migrate_up("head")
        for run in runs:
            logger.info("sqlspec: applied %s %s (%.1f ms)", run.revision, run.description, run.duration_ms)

    async def _migrate_tenants(self, config: DatabaseConfig) -> None:
        """Every tenant schema, ``tenant_concurrency`` at once; any failure stops the start-up."""
        if not self.migrate_tenants:
            logger.info(
                "sqlspec: tenant schemas are left to `litestar database upgrade` (migrate_tenants=False)"
            )
            return
        from sqlspec.fleet import migrate_fleet

        results = await migrate_fleet([config], concurrency=self.tenant_concurrency)
        applied = sum(result.applied for result in results)
        logger.info("sqlspec: %d tenant schema(s) migrated, %d migration(s) applied", len(results), applied)
        failed = [result for result in results if result.status != "ok"]
        if failed:
            first = failed[0]
            raise MigrationError(
                f"{len(failed)} of {len(results)} tenant schemas failed to migrate, first {first.label}: "
                f"{first.error}; the others are migrated, see `litestar database history`"
            )

    async def _provide_driver(self) -> AsyncIterator[AsyncDriver]:
        async with self.config.provide_driver() as driver:
            yield driver
