"""One :class:`Dialect` per database: everything the engine must know that differs between them.

A dialect owns its version store's column types and placeholders, its run lock, which statements
cannot run inside a transaction (or at all), how a connection is readied for a run, and the advice
given when a statement fails. The engine, the runner and the store ask the dialect and never compare
database names, so a new database is one new module here and one adapter.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from sqlspec.driver import AsyncDriver
    from sqlspec.migrations.lock import RunLock
    from sqlspec.migrations.sql import Lexer
    from sqlspec.migrations.statements import Rule
    from sqlspec.schema import SchemaObject

__all__ = ("Dialect",)

_I = re.IGNORECASE
TRANSACTION_CONTROL: tuple[Rule, ...] = (
    ("BEGIN", re.compile(r"BEGIN\b(?!\s+ATOMIC\b)", _I)),
    ("START TRANSACTION", re.compile(r"START\s+TRANSACTION\b", _I)),
    ("COMMIT", re.compile(r"COMMIT\b", _I)),
    ("END", re.compile(r"END\b", _I)),
    ("ROLLBACK", re.compile(r"ROLLBACK\b(?!\s+(?:TRANSACTION\s+|WORK\s+)?TO\b)", _I)),
)
"""Statements that open or end a transaction, in the SQL both PostgreSQL and SQLite accept."""


class Dialect(ABC):
    """What one database needs from the engine; stateless, one instance per database."""

    name: ClassVar[str]
    """The database's name in messages and ``show-config``: ``postgres``, ``sqlite``."""
    lexer: ClassVar[Lexer]
    """Which flavour of :func:`~sqlspec.migrations.sql.split_statements` reads its SQL."""
    timestamp_type: ClassVar[str]
    """The version table's column type for ``applied_at``."""
    key_type: ClassVar[str] = "VARCHAR(255)"
    """The version table's column type for revisions, its primary key."""
    table_options: ClassVar[str] = ""
    """What follows ``CREATE TABLE (...)`` for the version table (engine, character set)."""
    autocommit_statements: ClassVar[tuple[Rule, ...]] = ()
    """Statements the database refuses inside a transaction block."""
    implicit_commit_statements: ClassVar[tuple[Rule, ...]] = ()
    """Statements that commit the open transaction by themselves (MySQL's DDL): a SQL migration
    holding one runs statement by statement, its progress recorded, since it cannot be atomic."""
    transaction_control_statements: ClassVar[tuple[Rule, ...]] = TRANSACTION_CONTROL
    """Statements that end the transaction a transactional migration runs in."""
    client_stream_statements: ClassVar[tuple[Rule, ...]] = ()
    """Statements that need a client streaming data, which no driver does: they would hang."""

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def executable_text(self, statement: str) -> str:
        """A statement as the server reads it, for the rules that classify it."""
        return statement

    def split(self, sql: str) -> list[str]:
        """The statements of a script, as the database's own client would send them."""
        from sqlspec.migrations.sql import split_statements  # here: a check splits nothing

        return split_statements(sql, self.lexer)

    @abstractmethod
    def placeholder(self, index: int) -> str:
        """The query parameter placeholder for the ``index``-th parameter (1-based)."""

    def upsert(self, table: str, keys: Sequence[str], values: Sequence[str]) -> str:
        """``INSERT`` of ``keys`` and ``values`` (in that order) that updates ``values`` on a key clash."""
        columns = [*keys, *values]
        marks = ", ".join(self.placeholder(n) for n in range(1, len(columns) + 1))
        updates = ", ".join(f"{column} = excluded.{column}" for column in values)
        return (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
        )

    def quote(self, identifier: str) -> str:
        """An identifier quoted, so reserved words and case survive."""
        return f'"{identifier}"'

    def to_timestamp(self, value: datetime) -> Any:
        """A timestamp (UTC) as the driver stores it in ``timestamp_type``."""
        return value

    def from_timestamp(self, value: Any) -> datetime:
        """A stored ``applied_at`` as an aware datetime."""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if not isinstance(value, datetime):
            raise TypeError(f"applied_at is not a timestamp: {value!r}")
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

    @abstractmethod
    def run_lock(self, driver: AsyncDriver, version_table: str) -> RunLock:
        """The run lock for the database ``driver`` is connected to, held through ``driver``'s session."""

    async def prepare_run(self, driver: AsyncDriver) -> None:  # noqa: B027 -- optional, not abstract
        """Ready the connection of a migration run, once it holds the run lock."""

    def create_database(self, name: str) -> str:
        """The statement that creates an empty database ``name`` (a scratch database for tests)."""
        return f"CREATE DATABASE {self.quote(name)}"

    def drop_database(self, name: str) -> str:
        """The statement that drops database ``name``, even with sessions still open on it."""
        return f"DROP DATABASE IF EXISTS {self.quote(name)}"

    @abstractmethod
    async def read_schema(self, driver: AsyncDriver, exclude: frozenset[str]) -> list[SchemaObject]:
        """The schema's objects, read from the catalog; tables named in ``exclude`` left out."""

    async def failure_advice(self, driver: AsyncDriver, statement: str) -> str:
        """What a failed non-transactional statement left behind that blocks a retry, with the fix."""
        return ""
