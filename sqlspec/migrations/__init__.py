"""The migration engine and its parts: files, revisions, statements, the version table, locks.

The names below load on first use: importing a part (the SQL splitter a dialect uses) does not
import the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlspec._lazy import lazy_names

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlspec.migrations.config import MigrationConfig
    from sqlspec.migrations.engine import MigrationEngine
    from sqlspec.migrations.history import HistoryEntry
    from sqlspec.migrations.runner import MigrationRun

__all__ = ("HistoryEntry", "MigrationConfig", "MigrationEngine", "MigrationRun")

__getattr__: Callable[[str], object] = lazy_names(
    __name__,
    {
        "sqlspec.migrations.history": ("HistoryEntry",),
        "sqlspec.migrations.config": ("MigrationConfig",),
        "sqlspec.migrations.engine": ("MigrationEngine",),
        "sqlspec.migrations.runner": ("MigrationRun",),
    },
)
