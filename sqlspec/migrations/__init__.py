"""The migration engine and its parts: files, revisions, statements, the version table, locks."""

from sqlspec.migrations.config import MigrationConfig
from sqlspec.migrations.engine import MigrationEngine, MigrationRun
from sqlspec.migrations.history import HistoryEntry

__all__ = ("HistoryEntry", "MigrationConfig", "MigrationEngine", "MigrationRun")
