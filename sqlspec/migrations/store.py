"""The version table: the only place that writes SQL about applied migrations.

One narrow interface (read all rows, create the table, insert a row, delete a row, confirm a row
inside a transaction); each dialect is a small subclass that differs only in types, placeholders and
how it keeps concurrent runs apart.
"""

from __future__ import annotations

import functools
import getpass
import socket
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import Any, ClassVar

import msgspec

from sqlspec.driver import AsyncDriver, Dialect, Row
from sqlspec.exceptions import MigrationStateError, SQLSpecError, one_line

__all__ = ("AppliedMigration", "PostgresVersionStore", "SqliteVersionStore", "VersionStore", "version_store")

_COLUMNS = (
    "version_num",
    "script",
    "description",
    "type",
    "checksum",
    "checksum_algorithm",
    "applied_at",
    "execution_ms",
    "applied_by",
    "install_order",
    "status",
    "progress",
    "progress_checksum",
)


class AppliedMigration(msgspec.Struct, frozen=True, kw_only=True):
    """One row of the version table."""

    version: str
    script: str
    """The migration's file name when it was applied."""
    description: str
    type: str
    checksum: str
    checksum_algorithm: str
    applied_at: datetime
    execution_ms: int
    applied_by: str
    install_order: int
    status: str = "applied"
    """``applied``, or ``partial`` for a non-transactional migration that stopped part-way."""
    progress: int | None = None
    """For a partial migration: how many of its statements ran."""
    progress_checksum: str | None = None
    """For a partial migration: the checksum of the statements that ran, so they cannot be edited."""

    @property
    def is_partial(self) -> bool:
        """Whether this migration stopped part-way and waits for ``upgrade --resume``."""
        return self.status == "partial"

    @property
    def progress_text(self) -> str:
        """How far a partial migration got, for messages."""
        if self.progress is None:  # a Python migration: its statements are not counted
            return "it stopped part-way outside a transaction"
        return f"{self.progress} statement(s) ran outside a transaction before one failed"


@functools.cache
def applied_by() -> str:
    """Who applies a migration: ``user@host``, for the version table's audit column."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. an arbitrary uid in a container
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


class VersionStore(ABC):
    """Reads and writes the version table through any driver of its dialect."""

    dialect: ClassVar[Dialect]
    _timestamp_type: ClassVar[str]

    def __init__(self, table: str) -> None:
        # ``table`` was validated as identifier[.identifier] by MigrationConfig; quoting keeps
        # reserved words and case intact.
        self.table = table
        self._quoted = ".".join(f'"{part}"' for part in table.split("."))

    @abstractmethod
    def _param(self, index: int) -> str:
        """The placeholder for the ``index``-th parameter (1-based)."""

    def _to_record(self, row: Row) -> AppliedMigration:
        applied_at = row["applied_at"]
        if isinstance(applied_at, str):
            applied_at = datetime.fromisoformat(applied_at)
        return AppliedMigration(
            version=row["version_num"],
            script=row["script"],
            description=row["description"],
            type=row["type"],
            checksum=row["checksum"],
            checksum_algorithm=row["checksum_algorithm"],
            applied_at=applied_at,
            execution_ms=row["execution_ms"],
            applied_by=row["applied_by"],
            install_order=row["install_order"],
            status=row["status"],
            progress=row["progress"],
            progress_checksum=row["progress_checksum"],
        )

    def _timestamp(self, value: datetime) -> Any:
        return value

    async def applied(self, driver: AsyncDriver) -> list[AppliedMigration]:
        """Every applied migration in the order applied; one query, and no table means none applied.

        Never creates the table, so read-only commands leave a fresh database untouched.
        """
        rows = await self._read(
            driver, f"SELECT {', '.join(_COLUMNS)} FROM {self._quoted} ORDER BY install_order"
        )
        return [self._to_record(row) for row in rows]

    async def done(self, driver: AsyncDriver) -> set[str]:
        """The revisions applied in full: all an up-to-date check needs, in one narrow query."""
        rows = await self._read(driver, f"SELECT version_num FROM {self._quoted} WHERE status = 'applied'")
        return {row["version_num"] for row in rows}

    async def _read(self, driver: AsyncDriver, sql: str) -> list[Row]:
        try:
            return await driver.select(sql)
        except SQLSpecError:
            raise
        except Exception as error:
            if driver.is_missing_table(error):
                return []
            raise MigrationStateError(
                f"cannot read the version table {self.table}: {one_line(error)}; is version_table naming "
                "a table that sqlspec did not create?"
            ) from error

    async def ensure_table(self, driver: AsyncDriver) -> None:
        """Create the version table if it does not exist yet."""
        try:
            await self._create_table(driver)
        except SQLSpecError:
            raise
        except Exception as error:
            raise MigrationStateError(
                f"cannot create the version table {self.table}: {one_line(error)}"
            ) from error

    async def _create_table(self, driver: AsyncDriver) -> None:
        await driver.execute(
            f"CREATE TABLE IF NOT EXISTS {self._quoted} ("
            "version_num VARCHAR(255) NOT NULL PRIMARY KEY, "
            "script VARCHAR(255) NOT NULL, "
            "description TEXT NOT NULL, "
            "type VARCHAR(8) NOT NULL, "
            "checksum VARCHAR(128) NOT NULL, "
            "checksum_algorithm VARCHAR(32) NOT NULL, "
            f"applied_at {self._timestamp_type} NOT NULL, "
            "execution_ms INTEGER NOT NULL, "
            "applied_by VARCHAR(255) NOT NULL, "
            "install_order INTEGER NOT NULL UNIQUE, "  # its index answers MAX() without a scan
            "status VARCHAR(16) NOT NULL, "
            "progress INTEGER, "
            "progress_checksum VARCHAR(128))"
        )

    async def insert(
        self,
        driver: AsyncDriver,
        *,
        version: str,
        script: str,
        description: str,
        kind: str,
        checksum: str,
        checksum_algorithm: str,
        execution_ms: int,
        status: str = "applied",
        progress: int | None = None,
        progress_checksum: str | None = None,
    ) -> None:
        """Record a migration as applied (or partly applied), after every row already there."""
        values = [self._param(i) for i in range(1, 13)]
        columns = [c for c in _COLUMNS if c != "install_order"]
        await driver.execute(
            f"INSERT INTO {self._quoted} ({', '.join(columns)}, install_order) "
            f"SELECT {', '.join(values)}, COALESCE(MAX(install_order), 0) + 1 FROM {self._quoted}",
            version,
            script,
            description,
            kind,
            checksum,
            checksum_algorithm,
            self._timestamp(datetime.now(UTC)),
            execution_ms,
            applied_by(),
            status,
            progress,
            progress_checksum,
        )

    async def record_progress(
        self,
        driver: AsyncDriver,
        version: str,
        *,
        status: str,
        progress: int | None,
        progress_checksum: str | None,
        checksum: str,
        execution_ms: int,
    ) -> None:
        """Move a non-transactional migration's row on: one more statement ran, or all of them."""
        p = self._param
        await driver.execute(
            f"UPDATE {self._quoted} SET status = {p(1)}, progress = {p(2)}, progress_checksum = {p(3)}, "
            f"checksum = {p(4)}, execution_ms = {p(5)} WHERE version_num = {p(6)}",
            status,
            progress,
            progress_checksum,
            checksum,
            execution_ms,
            version,
        )

    async def delete(self, driver: AsyncDriver, version: str) -> None:
        """Forget a reverted migration."""
        await driver.execute(f"DELETE FROM {self._quoted} WHERE version_num = {self._param(1)}", version)

    async def rename(self, driver: AsyncDriver, old: str, new: str, script: str) -> None:
        """Record an applied migration under its new revision (after ``fix`` renumbered its file)."""
        await driver.execute(
            f"UPDATE {self._quoted} SET version_num = {self._param(1)}, script = {self._param(2)} "
            f"WHERE version_num = {self._param(3)}",
            new,
            script,
            old,
        )

    @abstractmethod
    async def confirm(self, driver: AsyncDriver, version: str, *, applied: bool) -> bool:
        """Inside a migration's transaction: is ``version`` still as the plan saw it?

        ``False`` means another process got there first and this step must be skipped.
        """


class PostgresVersionStore(VersionStore):
    """PostgreSQL: a run holds an advisory lock, so the plan read inside it stays true."""

    dialect = "postgres"
    _timestamp_type = "TIMESTAMP WITH TIME ZONE"

    def _param(self, index: int) -> str:
        return f"${index}"

    async def confirm(self, driver: AsyncDriver, version: str, *, applied: bool) -> bool:
        return True


class SqliteVersionStore(VersionStore):
    """SQLite: each migration's ``BEGIN IMMEDIATE`` serialises writers; its row tells who came first."""

    dialect = "sqlite"
    _timestamp_type = "TEXT"

    def _param(self, index: int) -> str:
        return "?"

    def _timestamp(self, value: datetime) -> Any:
        return value.isoformat()

    async def confirm(self, driver: AsyncDriver, version: str, *, applied: bool) -> bool:
        row = await driver.select_one_or_none(
            f"SELECT 1 AS found FROM {self._quoted} WHERE version_num = ?", version
        )
        return (row is not None) == applied


def version_store(dialect: Dialect, table: str) -> VersionStore:
    """The version store for a dialect."""
    store = PostgresVersionStore if dialect == "postgres" else SqliteVersionStore
    return store(table)
