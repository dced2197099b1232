"""The migration engine and its parts: files, revisions, statements, the version table, locks."""

from sqlspec.migrations.config import MigrationConfig
from sqlspec.migrations.engine import HistoryEntry, MigrationEngine, MigrationRun

__all__ = ("HistoryEntry", "MigrationConfig", "MigrationEngine", "MigrationRun")
