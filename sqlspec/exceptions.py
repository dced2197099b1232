"""The errors sqlspec raises.

Every message names the thing at fault (a file, a revision, a config key) and says what to do, so the
CLI can print it as one line. Driver errors are wrapped with ``raise ... from`` so the cause survives
for ``--debug``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = (
    "DatabaseConnectionError",
    "DuplicateRevisionError",
    "ImproperConfigurationError",
    "IrreversibleMigrationError",
    "LockTimeoutError",
    "MigrationError",
    "MigrationExecutionError",
    "MigrationSourceError",
    "MigrationStateError",
    "MissingDependencyError",
    "OutcomeUnknownError",
    "PartialMigrationError",
    "RevisionNotFoundError",
    "SQLSpecError",
    "SyncInEventLoopError",
    "TargetError",
)


class SQLSpecError(Exception):
    """Base of every error sqlspec raises on purpose."""


class ImproperConfigurationError(SQLSpecError):
    """A config value is missing, unknown or of the wrong type."""


class MissingDependencyError(ImproperConfigurationError, ImportError):
    """A config needs a driver or framework that is not installed; the message names the extra."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(f'{package} is not installed: pip install "sqlspec-migrations[{extra}]"')


class DatabaseConnectionError(SQLSpecError):
    """The database could not be reached or refused the connection."""


class LockTimeoutError(SQLSpecError):
    """A lock's holder showed no sign of life for ``lock_timeout`` seconds; nothing has run."""

    def __init__(self, timeout: float, holder: str | None, *, lock: str = "the migration lock") -> None:
        self.timeout = timeout
        self.holder = holder
        by = f" by {holder}" if holder else " by another migration run"
        silent = ", which shows no sign of life" if lock == "the migration lock" else ""
        super().__init__(
            f"gave up waiting for {lock} after {timeout:g}s: it is held{by}{silent}; if that process is "
            "stopped or hung, end it (the lock goes with it) and run again"
        )


class SyncInEventLoopError(SQLSpecError):
    """A blocking method was called from a thread that is running an event loop."""


class MigrationError(SQLSpecError):
    """Base of errors about migrations: their files, their targets, their execution."""


class MigrationSourceError(MigrationError):
    """A migration file cannot be read or parsed; nothing has run."""

    def __init__(self, path: Path | str, problem: str, *, line: int | None = None) -> None:
        self.path: Path = Path(path)
        self.problem = problem
        self.line = line
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {problem}")


class DuplicateRevisionError(MigrationError):
    """Two migration files claim the same revision; nothing has run."""

    def __init__(self, revision: str, paths: list[Path]) -> None:
        self.revision = revision
        self.paths = paths
        names = ", ".join(str(p) for p in paths)
        super().__init__(
            f"revision {revision} is defined by more than one file ({names}); rename one of them"
        )


class TargetError(MigrationError):
    """A target such as ``+3``, ``-2`` or ``base`` cannot be reached from the current state."""


class RevisionNotFoundError(TargetError):
    """A revision named by the user or by the database matches no migration file."""

    def __init__(self, revision: str, hint: str) -> None:
        self.revision = revision
        super().__init__(f"unknown revision {revision!r}: {hint}")


class IrreversibleMigrationError(MigrationError):
    """A downgrade would pass through a migration that has no downgrade; nothing has run."""

    def __init__(self, revision: str, path: Path | None) -> None:
        self.revision = revision
        self.path = path
        where = f" ({path})" if path is not None else ""
        super().__init__(
            f"revision {revision}{where} has no downgrade section; add one or downgrade to a later target"
        )


class MigrationExecutionError(MigrationError):
    """A migration failed while running; it was rolled back, earlier migrations stay applied."""

    def __init__(
        self,
        revision: str,
        path: Path,
        message: str,
        *,
        direction: str = "upgrade",
        statement: int | None = None,
        rolled_back: bool = True,
        outcome: str | None = None,
    ) -> None:
        self.revision = revision
        self.path = path
        self.direction = direction
        self.statement = statement
        self.message = message
        self.rolled_back = rolled_back
        where = f", statement {statement}" if statement is not None else ""
        if outcome is not None:
            super().__init__(f"{direction} of {revision} failed ({path}{where}): {message}; {outcome}")
            return
        outcome = "it was rolled back"
        if not rolled_back:
            outcome = "it ran outside a transaction, so what ran before the failure stays done"
            if direction == "downgrade":
                outcome += (
                    " and the migration is still recorded as applied; make its downgrade safe to run again "
                    "(e.g. DROP ... IF EXISTS) and run the downgrade again"
                )
        super().__init__(f"{direction} of {revision} failed ({path}{where}): {message}; {outcome}")


class PartialMigrationError(MigrationExecutionError):
    """A non-transactional migration failed part-way; the statements before the failed one stay done.

    The version table marks it ``partial``; ``upgrade --resume`` continues from the failed statement
    once the file is mended (the statements that ran may not be edited).
    """

    def __init__(
        self,
        revision: str,
        path: Path,
        message: str,
        *,
        statement: int | None,
        total: int | None,
        advice: str = "",
    ) -> None:
        self.total = total
        super().__init__(revision, path, message, statement=statement)
        if statement is None or total is None:  # a Python migration: resuming runs it again whole
            self.args: tuple[Any, ...] = (
                f"upgrade of {revision} failed part-way ({path}): {message}; it runs outside a transaction, "
                "so what it did before the failure stays done; make upgrade() safe to run again (e.g. "
                "IF NOT EXISTS) and run `sqlspec upgrade --resume`, which runs it again from the start",
            )
            return
        done = {1: "nothing ran before it", 2: "statement 1 stays done"}.get(
            statement, f"statements 1-{statement - 1} stay done"
        )
        extra = f"; {advice}" if advice else ""
        self.args = (
            f"upgrade of {revision} stopped at statement {statement} of {total} ({path}): {message}; "
            f"it runs outside a transaction, so {done}{extra}; mend the file and run "
            "`sqlspec upgrade --resume`",
        )


class OutcomeUnknownError(PartialMigrationError):
    """A statement that commits by itself was cut off, and the database did not say how it ended.

    The version table marks the migration as interrupted at that statement; ``upgrade --resume``
    refuses until the operator says whether it took effect (``--interrupted ran`` or ``not-ran``).
    """

    def __init__(
        self, revision: str, path: Path, message: str, *, statement: int | None, total: int | None
    ) -> None:
        super().__init__(revision, path, message, statement=statement, total=total)
        self.args: tuple[Any, ...] = (
            f"upgrade of {revision} ({path}): {message}; {resume_advice(statement, total)}",
        )


def resume_advice(statement: int | None, total: int | None) -> str:
    """How to resume after an interrupted statement whose outcome is unknown."""
    if statement is None:
        what = "upgrade() may have done all or part of its work"
        did = "it finished"
    else:
        what = f"statement {statement} of {total} may have finished in the database"
        did = "it took effect"
    return (
        f"{what}; check, then run `sqlspec upgrade --resume --interrupted ran` if {did}, "
        "or `--interrupted not-ran` to run it again"
    )


class MigrationStateError(MigrationError):
    """The database's migration state forbids the operation (e.g. a partly applied migration)."""


def one_line(error: BaseException) -> str:
    """An exception as ``Type: message`` on one line, for error messages that name a cause."""
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{type(error).__name__}: {text}"
