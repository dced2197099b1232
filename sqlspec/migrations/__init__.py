"""The migration engine and its parts: files, revisions, statements, the version table, locks.

The names below load on first use: importing a part (the SQL splitter a dialect uses) does not
import the engine.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlspec.migrations.config import MigrationConfig
    from sqlspec.migrations.engine import MigrationEngine
    from sqlspec.migrations.history import HistoryEntry
    from sqlspec.migrations.runner import MigrationRun

__all__ = ("HistoryEntry", "MigrationConfig", "MigrationEngine", "MigrationRun")

_HOME_OF = {
    "HistoryEntry": "sqlspec.migrations.history",
    "MigrationConfig": "sqlspec.migrations.config",
    "MigrationEngine": "sqlspec.migrations.engine",
    "MigrationRun": "sqlspec.migrations.runner",
}


def __getattr__(name: str) -> object:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'sqlspec.migrations' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
