"""sqlspec: async-native database migrations.

The configs live in ``sqlspec.adapters.<driver>`` (``AsyncpgConfig``, ``AiosqliteConfig``,
``SqliteConfig``) so that importing sqlspec never imports a database driver. The names below load on
first use, so ``sqlspec --help`` does not pay for the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlspec._lazy import lazy_names

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlspec.config import AsyncDatabaseConfig, DatabaseConfig, SyncDatabaseConfig
    from sqlspec.driver import AsyncDriver, BlockingDriver
    from sqlspec.exceptions import (
        DatabaseConnectionError,
        DuplicateRevisionError,
        ImproperConfigurationError,
        IrreversibleMigrationError,
        LockTimeoutError,
        MigrationError,
        MigrationExecutionError,
        MigrationSourceError,
        MigrationStateError,
        PartialMigrationError,
        RevisionNotFoundError,
        SQLSpecError,
        SyncInEventLoopError,
        TargetError,
    )
    from sqlspec.migrations import HistoryEntry, MigrationConfig, MigrationRun

__version__ = "0.1.0"  # the one place the version is set: the build reads it ([tool.hatch.version])

_HOMES = {
    "sqlspec.config": ("AsyncDatabaseConfig", "DatabaseConfig", "SyncDatabaseConfig"),
    "sqlspec.driver": ("AsyncDriver", "BlockingDriver"),
    "sqlspec.exceptions": (
        "DatabaseConnectionError",
        "DuplicateRevisionError",
        "ImproperConfigurationError",
        "IrreversibleMigrationError",
        "LockTimeoutError",
        "MigrationError",
        "MigrationExecutionError",
        "MigrationSourceError",
        "MigrationStateError",
        "PartialMigrationError",
        "RevisionNotFoundError",
        "SQLSpecError",
        "SyncInEventLoopError",
        "TargetError",
    ),
    "sqlspec.migrations": ("HistoryEntry", "MigrationConfig", "MigrationRun"),
}

__all__ = (
    "AsyncDatabaseConfig",
    "AsyncDriver",
    "BlockingDriver",
    "DatabaseConfig",
    "DatabaseConnectionError",
    "DuplicateRevisionError",
    "HistoryEntry",
    "ImproperConfigurationError",
    "IrreversibleMigrationError",
    "LockTimeoutError",
    "MigrationConfig",
    "MigrationError",
    "MigrationExecutionError",
    "MigrationRun",
    "MigrationSourceError",
    "MigrationStateError",
    "PartialMigrationError",
    "RevisionNotFoundError",
    "SQLSpecError",
    "SyncDatabaseConfig",
    "SyncInEventLoopError",
    "TargetError",
    "__version__",
)


__getattr__: Callable[[str], object] = lazy_names(__name__, _HOMES)
