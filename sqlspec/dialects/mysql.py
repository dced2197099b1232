"""MySQL and MariaDB: ``GET_LOCK`` on the run's connection, and DDL that commits by itself."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlspec.dialects import TRANSACTION_CONTROL, Dialect
from sqlspec.migrations.lock import SILENT_AFTER, Holder, RunLock

if TYPE_CHECKING:
    from sqlspec.driver import AsyncDriver
    from sqlspec.migrations.sql import Lexer
    from sqlspec.migrations.statements import Rule
    from sqlspec.schema import SchemaObject

__all__ = ("MYSQL", "MySQLDialect", "NamedRunLock", "lock_name")

_I = re.IGNORECASE


def lock_name(database: str, version_table: str) -> str:
    """A ``GET_LOCK`` name for one version table of one database (lock names are server-wide)."""
    digest = hashlib.sha256(f"{database}.{version_table}".encode()).hexdigest()[:40]
    return f"sqlspec_{digest}"  # 48 characters: under the 64 MySQL allows


class NamedRunLock(RunLock):
    """A ``GET_LOCK`` user lock taken on the connection that runs the migrations.

    The server releases it when that connection ends, so a killed migrator or a killed connection
    frees it at once, and nothing can commit for a run that lost it.
    """

    def __init__(self, driver: AsyncDriver, version_table: str) -> None:
        self._driver = driver
        self._version_table = version_table
        self._name: str | None = None

    async def _lock_name(self) -> str:
        if self._name is None:
            database = await self._driver.select_value("SELECT DATABASE() AS name")
            self._name = lock_name(str(database), self._version_table)
        return self._name

    async def try_acquire(self) -> bool:
        name = await self._lock_name()
        return bool(await self._driver.select_value("SELECT GET_LOCK(%s, 0) AS got", name) == 1)

    async def holder(self) -> Holder | None:
        name = await self._lock_name()
        row = await self._driver.select_one_or_none(
            "SELECT p.ID AS id, p.USER AS user, p.HOST AS host, p.COMMAND AS command, p.TIME AS quiet, "
            "p.STATE AS state FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK(%s)",
            name,
        )
        if row is None:
            return None
        # A holder running a statement shows Command "Query"; an idle one beats a heartbeat (a
        # query) every second while its event loop runs, which resets Time.
        alive = row["command"] == "Query" or int(row["quiet"]) < SILENT_AFTER
        doing = "running a statement" if row["command"] == "Query" else f"idle for {row['quiet']}s"
        description = f"MySQL connection id {row['id']} from {row['host']} (user {row['user']}), {doing}"
        return Holder(description, alive)

    async def beat(self) -> None:
        await self._driver.ping_if_idle()

    async def release(self) -> None:
        await self._driver.execute("SELECT RELEASE_LOCK(%s)", await self._lock_name())


class MySQLDialect(Dialect):
    """MySQL 8 and MariaDB 10.5 and later, through a driver with ``%s`` placeholders."""

    name = "mysql"
    lexer: ClassVar[Lexer] = "mysql"
    timestamp_type = "DATETIME(6)"
    # Revisions are ASCII (digits, an extension's prefix): one byte a character keeps the key's
    # index at 255 bytes, under the 767-byte limit of the oldest row formats still found.
    key_type = "VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin"
    table_options = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
    transaction_control_statements: ClassVar[tuple[Rule, ...]] = (
        *TRANSACTION_CONTROL,
        ("SET autocommit", re.compile(r"SET\s+(?:SESSION\s+|@@(?:SESSION\.)?)?autocommit\b", _I)),
        ("XA", re.compile(r"XA\b", _I)),
    )
    implicit_commit_statements: ClassVar[tuple[Rule, ...]] = (
        (
            "DDL",
            re.compile(
                r"(?:CREATE|ALTER|DROP|RENAME|TRUNCATE)\b(?!\s+TEMPORARY\b)(?!\s+(?:OR\s+REPLACE\s+)?"
                r"TEMPORARY\b)",
                _I,
            ),
        ),
        ("GRANT/REVOKE", re.compile(r"(?:GRANT|REVOKE)\b", _I)),
        ("LOCK/UNLOCK TABLES", re.compile(r"(?:LOCK|UNLOCK)\s+TABLES?\b", _I)),
        (
            "table maintenance",
            re.compile(r"(?:ANALYZE|CHECK|OPTIMIZE|REPAIR)\s+(?:NO_WRITE_TO_BINLOG\s+|LOCAL\s+)?TABLE\b", _I),
        ),
        ("SET PASSWORD", re.compile(r"SET\s+PASSWORD\b", _I)),
        ("FLUSH/RESET", re.compile(r"(?:FLUSH|RESET)\b", _I)),
        ("INSTALL/UNINSTALL", re.compile(r"(?:INSTALL|UNINSTALL)\s+(?:PLUGIN|COMPONENT|SONAME)\b", _I)),
        ("LOAD INDEX/CACHE INDEX", re.compile(r"(?:LOAD\s+INDEX|CACHE\s+INDEX)\b", _I)),
    )
    client_stream_statements: ClassVar[tuple[Rule, ...]] = (
        ("LOAD DATA LOCAL INFILE", re.compile(r"LOAD\s+(?:DATA|XML)\b[^;]*?\bLOCAL\b", _I | re.DOTALL)),
        ("a mysql client command", re.compile(r"(?:SOURCE|\\\.|\\[A-Za-z])", _I)),
    )

    def executable_text(self, statement: str) -> str:
        if "/*" not in statement:  # no comment to open: the usual case, without a scan
            return statement
        from sqlspec.migrations.sql import unwrap_code_comments

        return unwrap_code_comments(statement)  # /*!50003 CREATE TRIGGER ... */ is a CREATE

    def placeholder(self, index: int) -> str:
        return "%s"

    def quote(self, identifier: str) -> str:
        return f"`{identifier}`"

    def upsert(self, table: str, keys: Sequence[str], values: Sequence[str]) -> str:
        columns = [*keys, *values]
        marks = ", ".join("%s" for _ in columns)
        updates = ", ".join(f"{column} = VALUES({column})" for column in values)
        return (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) ON DUPLICATE KEY UPDATE {updates}"
        )

    def to_timestamp(self, value: datetime) -> Any:
        return value.astimezone(UTC).replace(tzinfo=None)  # DATETIME holds no zone: store UTC

    def run_lock(self, driver: AsyncDriver, version_table: str) -> RunLock:
        return NamedRunLock(driver, version_table)

    def create_database(self, name: str) -> str:
        return f"CREATE DATABASE {self.quote(name)} CHARACTER SET utf8mb4"

    async def read_schema(self, driver: AsyncDriver, exclude: frozenset[str]) -> list[SchemaObject]:
        from sqlspec.schema._mysql import (
            read_mysql_schema,  # only dump-schema, check --schema and test need it
        )

        return await read_mysql_schema(driver, exclude)


MYSQL = MySQLDialect()
