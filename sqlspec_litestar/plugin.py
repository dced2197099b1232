"""The Litestar plugin: wiring only, every migration operation is the engine's.

- lifespan: opens the configs' pools, applies pending migrations before the first request (one
  cheap query when up to date; the engine's lock makes several workers safe), closes the pools;
- dependency injection: a handler parameter named ``db`` (by default) receives a driver;
- CLI: ``litestar database <command>``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

from litestar.di import Provide
from litestar.plugins import CLIPlugin, InitPlugin

from sqlspec.config import DatabaseConfig
from sqlspec.driver import AsyncDriver
from sqlspec.exceptions import ImproperConfigurationError, SQLSpecError

if TYPE_CHECKING:
    from click import Group
    from litestar import Litestar
    from litestar.config.app import AppConfig

__all__ = ("SQLSpecPlugin",)

logger = logging.getLogger("sqlspec")


class SQLSpecPlugin(InitPlugin, CLIPlugin):
    """Connect a Litestar app to one or more sqlspec configs."""

    def __init__(
        self,
        config: DatabaseConfig | Sequence[DatabaseConfig],
        *,
        auto_migrate: bool = True,
        dependency_key: str = "db",
    ) -> None:
        self.configs: list[DatabaseConfig] = [config] if isinstance(config, DatabaseConfig) else list(config)
        if not self.configs:
            raise ImproperConfigurationError("SQLSpecPlugin needs at least one config")
        self.auto_migrate = auto_migrate
        self.dependency_key = dependency_key

    @property
    def config(self) -> DatabaseConfig:
        """The first (usually the only) config: the one handlers receive through ``db``."""
        return self.configs[0]

    def on_cli_init(self, cli: Group) -> None:
        from sqlspec_litestar.cli import database_command

        cli.add_command(database_command)

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
        """Open pools, apply pending migrations, serve, then close the pools."""
        async with AsyncExitStack() as stack:
            for config in self.configs:
                await config.open_pool()
                stack.push_async_callback(config.close_pool)
            if self.auto_migrate:
                for config in self.configs:
                    await self._migrate(config)
            yield

    async def _migrate(self, config: DatabaseConfig) -> None:
        try:
            runs = await config.migration_engine().migrate_up("head")
        except SQLSpecError as error:
            logger.error("sqlspec: migrations failed, the app will not start: %s", error)
            raise
        for run in runs:
            logger.info("sqlspec: applied %s %s (%.1f ms)", run.revision, run.description, run.duration_ms)

    async def _provide_driver(self) -> AsyncIterator[AsyncDriver]:
        async with self.config.provide_driver() as driver:
            yield driver
