"""Statements a migration may not hold as written, found before anything runs.

Each is found while planning (``upgrade``, ``check`` and ``--dry-run`` all plan), so a file that
would fail or hang once running is refused with the fix instead:

- statements that need a client stream (``COPY ... FROM STDIN``, psql meta-commands such as
  ``\\copy``) would wait for ever for data no driver sends, holding the run lock;
- in a transactional migration, statements that end the migration's transaction (``COMMIT``,
  ``BEGIN``, ``ROLLBACK``) would commit part of it behind the engine's back, so a later failure
  could no longer be rolled back as one;
- in a transactional migration, statements the database refuses inside a transaction
  (``CREATE INDEX CONCURRENTLY``, ``VACUUM``) would fail only when reached.

What counts as each is the dialect's knowledge (:class:`~sqlspec.dialects.Dialect`); this module
applies it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from sqlspec.exceptions import MigrationSourceError
from sqlspec.migrations.files import Migration
from sqlspec.migrations.sql import SQLSplitError

if TYPE_CHECKING:
    from sqlspec.dialects import Dialect

__all__ = (
    "Direction",
    "Rule",
    "first_autocommit_statement",
    "first_implicit_commit",
    "migration_statements",
    "runs_in_transaction",
    "statement_preview",
    "statement_problem",
)

Direction = Literal["upgrade", "downgrade"]

Rule = tuple[str, re.Pattern[str]]
"""A kind of statement, named for messages, and the pattern matching its leading words."""

_LEADING_COMMENTS = re.compile(r"^(?:\s+|--[^\n]*\n?|/\*.*?\*/)*", re.DOTALL)


def _leading_words(statement: str, dialect: Dialect) -> str:
    """The statement from its first word, as the server reads it: what the rules match against."""
    text = dialect.executable_text(statement)
    if text[:1] not in _MAY_LEAD:  # it starts with its first word (as most do): nothing to strip
        return text
    return _LEADING_COMMENTS.sub("", text, count=1)


_MAY_LEAD = frozenset(" \t\r\n\f\v-/")
"""The characters a statement's leading blanks or comments can start with (and ``""``)."""


@functools.cache
def _screen(dialect: Dialect, transactional: bool) -> re.Pattern[str] | None:
    """One pattern matching what any rule :func:`statement_problem` applies matches, so a statement
    none of them concerns (nearly every one) is passed by one match instead of one per rule.
    ``None`` when the rules cannot be joined into one (a flag that cannot be scoped to a part)."""
    rules = [*dialect.client_stream_statements]
    if transactional:
        rules += [*dialect.transaction_control_statements, *dialect.autocommit_statements]
    if not rules:
        return re.compile(r"(?!)")  # matches nothing
    parts = []
    for _, pattern in rules:
        letters = "".join(letter for flag, letter in _SCOPED_FLAGS if pattern.flags & flag)
        if pattern.flags & ~(re.UNICODE | sum(flag for flag, _ in _SCOPED_FLAGS)):
            return None
        parts.append(f"(?{letters}:{pattern.pattern})" if letters else f"(?:{pattern.pattern})")
    return re.compile("|".join(parts))


_SCOPED_FLAGS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"), (re.VERBOSE, "x"))


def _kind(text: str, rules: Sequence[Rule]) -> str | None:
    return next((kind for kind, pattern in rules if pattern.match(text)), None)


def _first_of(statements: Sequence[str], rules: Sequence[Rule], dialect: Dialect) -> tuple[int, str] | None:
    if not rules:  # most dialects have no rules of some kinds: no text to prepare
        return None
    for number, statement in enumerate(statements, start=1):
        if kind := _kind(_leading_words(statement, dialect), rules):
            return number, kind
    return None


def first_autocommit_statement(statements: Sequence[str], dialect: Dialect) -> tuple[int, str] | None:
    """The 1-based number and kind of the first statement that cannot run in a transaction, if any."""
    return _first_of(statements, dialect.autocommit_statements, dialect)


def first_implicit_commit(statements: Sequence[str], dialect: Dialect) -> tuple[int, str] | None:
    """The 1-based number and kind of the first statement that commits by itself, if any."""
    return _first_of(statements, dialect.implicit_commit_statements, dialect)


def statement_problem(statements: Sequence[str], dialect: Dialect, *, transactional: bool) -> str | None:
    """Why the first refused statement of a section cannot run as written, with the fix; ``None`` if none."""
    screen = _screen(dialect, transactional)
    for number, statement in enumerate(statements, start=1):
        text = _leading_words(statement, dialect)
        if screen is not None and not screen.match(text):
            continue
        if kind := _kind(text, dialect.client_stream_statements):
            return (
                f"statement {number} ({kind}) needs a client that streams data (psql), which a "
                "migration does not have; load the data with INSERT, or with COPY from a file the "
                "database server can read"
            )
        if not transactional:
            continue
        if kind := _kind(text, dialect.transaction_control_statements):
            return (
                f"statement {number} ({kind}) ends the migration's transaction, so a later failure "
                "could not roll the migration back as one; split the file there, or add "
                "'-- transactional: false' to the header and manage the transaction yourself"
            )
        if kind := _kind(text, dialect.autocommit_statements):
            return (
                f"statement {number} ({kind}) cannot run inside a transaction; add "
                "'-- transactional: false' to the header"
            )
    return None


# A run validates every statement first, then runs them: split once. Sized above the largest run
# measured (5,000 migrations): at 4,096 such a run split every migration twice, as a second pass
# over more entries than the cache holds misses at each one.
_RUN_SIZED = 16384


@functools.lru_cache(maxsize=_RUN_SIZED)
def migration_statements(migration: Migration, direction: Direction, dialect: Dialect) -> tuple[str, ...]:
    """A SQL migration's statements for one direction, as they will run (none for Python).

    Raises :class:`MigrationSourceError` for a section that does not split, and for a statement the
    migration may not hold as written (see :mod:`sqlspec.migrations.statements`).
    """
    sql = migration.upgrade_sql if direction == "upgrade" else migration.downgrade_sql
    try:
        statements = dialect.split(sql or "")
    except SQLSplitError as error:
        marker = migration.section_lines[0 if direction == "upgrade" else 1]
        raise MigrationSourceError(
            migration.path, f"{direction} section: {error.message}", line=marker + error.line
        ) from error
    transactional = migration.transactional and first_implicit_commit(statements, dialect) is None
    if problem := statement_problem(statements, dialect, transactional=transactional):
        raise MigrationSourceError(migration.path, f"{direction} {problem}")
    return tuple(statements)


@functools.lru_cache(maxsize=_RUN_SIZED)  # asked when a migration runs and again if it fails
def runs_in_transaction(migration: Migration, direction: Direction, dialect: Dialect) -> bool:
    """Whether one direction of a migration runs as one transaction with its version row.

    Only when the file allows it (``transactional``, the default) and, for SQL, when no statement
    would commit by itself on this database: such a migration cannot be atomic, so it runs
    statement by statement with its progress recorded, as if marked ``transactional: false``.
    """
    if not migration.transactional:
        return False
    return first_implicit_commit(migration_statements(migration, direction, dialect), dialect) is None


def statement_preview(statement: str, width: int = 80) -> str:
    """A statement on one line, cut to ``width`` characters, to name it in a message."""
    text = " ".join(statement.split())
    return text if len(text) <= width else text[: width - 1] + "…"
