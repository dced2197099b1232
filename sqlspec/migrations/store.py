"""The version table: the only place that writes SQL about applied migrations.

One narrow interface (read all rows, create the table, insert, update, rename and delete a row); what
differs between databases (column types, placeholders, timestamps) comes from the dialect. Writes
happen only under the run lock, so the store never has to second-guess another process.
"""

from __future__ import annotations

import functools
import socket
import weakref
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from sqlspec.driver import AsyncDriver, Row
from sqlspec.exceptions import MigrationStateError, SQLSpecError, one_line

if TYPE_CHECKING:
    from sqlspec.dialects import Dialect

__all__ = ("AppliedMigration", "Status", "VersionStore")

Status = Literal["applied", "partial", "running"]

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
    """``applied``; for a non-transactional migration that has not finished, ``running`` while a
    statement may be under way (read under the run lock: the run died with it in flight) or
    ``partial`` once it stopped at a known point."""
    progress: int | None = None
    """For an unfinished migration: how many of its statements are known to have completed."""
    progress_checksum: str | None = None
    """For an unfinished migration: the checksum of those statements, so they cannot be edited."""

    @property
    def is_partial(self) -> bool:
        """Whether this migration is unfinished (``partial`` or ``running``); see ``upgrade --resume``."""
        return self.status != "applied"

    @property
    def is_interrupted(self) -> bool:
        """Whether a statement was in flight when its run ended, so its outcome is unknown."""
        return self.status == "running"

    @property
    def progress_text(self) -> str:
        """How far an unfinished migration got, for messages."""
        if self.progress is None:  # a Python migration: its statements are not counted
            stop = "was interrupted" if self.is_interrupted else "stopped part-way"
            return f"it {stop} outside a transaction"
        if self.is_interrupted:
            return (
                f"{self.progress} statement(s) completed, and statement {self.progress + 1} was running "
                "when its run ended, so the database may have finished it"
            )
        return f"{self.progress} statement(s) ran outside a transaction before it stopped"


@functools.cache
def applied_by() -> str:
    """Who applies a migration: ``user@host``, for the version table's audit column."""
    import getpass  # here: read once, when the first row is written

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. an arbitrary uid in a container
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


class VersionStore:
    """Reads and writes the version table through any driver of its dialect."""

    def __init__(self, dialect: Dialect, table: str) -> None:
        # ``table`` was validated as identifier[.identifier] by MigrationConfig; quoting keeps
        # reserved words and case intact.
        self.table = table
        self._quoted = ".".join(dialect.quote(part) for part in table.split("."))
        self._dialect = dialect
        self._param = dialect.placeholder
        self._read_on: weakref.ref[AsyncDriver] | None = None
        """The connection that last read the table, which therefore exists for it."""
        values = ", ".join(self._param(i) for i in range(1, 14))
        columns = [c for c in _COLUMNS if c != "install_order"]
        columns_sql = f"INSERT INTO {self._quoted} ({', '.join(columns)}, install_order)"
        # Written once: every migration a run applies inserts a row. A run knows the next install
        # order (it read the rows under the run lock); other writers let the database count.
        self._insert_numbered = f"{columns_sql} VALUES ({values})"
        self._insert = (
            f"{columns_sql} SELECT {values.rpartition(', ')[0]}, COALESCE(MAX(install_order), 0) + 1 "
            f"FROM {self._quoted}"
        )

    def _to_record(self, row: Row) -> AppliedMigration:
        applied_at = self._dialect.from_timestamp(row["applied_at"])
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
        sql = f"SELECT version_num FROM {self._quoted} WHERE status = 'applied'"
        return set(await self._read(driver, sql, column=True))

    async def _read(self, driver: AsyncDriver, sql: str, *, column: bool = False) -> list[Any]:
        try:
            rows = await (driver.select_column(sql) if column else driver.select(sql))
        except SQLSpecError:
            raise
        except Exception as error:
            if driver.is_missing_table(error):
                return []
            raise MigrationStateError(
                f"cannot read the version table {self.table}: {one_line(error)}; is version_table naming "
                "a table that sqlspec did not create?"
            ) from error
        self._read_on = weakref.ref(driver)
        return rows

    async def ensure_table(self, driver: AsyncDriver) -> None:
        """Create the version table if it does not exist yet.

        A table an administrator created beforehand works with only SELECT, INSERT, UPDATE and
        DELETE granted: when CREATE is refused, a table that already exists is good enough.
        """
        if self._read_on is not None and self._read_on() is driver:
            return  # this connection read the table: it exists (a session's first read proves it)
        if await self._exists(driver):  # no CREATE attempted: no privilege needed, no server notice
            return
        try:
            await self._create_table(driver)
        except SQLSpecError:
            raise
        except Exception as error:
            if await self._exists(driver):
                return
            raise MigrationStateError(
                f"cannot create the version table {self.table}: {one_line(error)}"
            ) from error

    async def _exists(self, driver: AsyncDriver) -> bool:
        try:
            await driver.select(f"SELECT version_num FROM {self._quoted} WHERE 1 = 0")
        except Exception:
            return False
        return True

    async def _create_table(self, driver: AsyncDriver) -> None:
        await driver.execute(
            f"CREATE TABLE IF NOT EXISTS {self._quoted} ("
            f"version_num {self._dialect.key_type} NOT NULL PRIMARY KEY, "
            "script VARCHAR(255) NOT NULL, "
            "description TEXT NOT NULL, "
            "type VARCHAR(8) NOT NULL, "
            "checksum VARCHAR(128) NOT NULL, "
            "checksum_algorithm VARCHAR(32) NOT NULL, "
            f"applied_at {self._dialect.timestamp_type} NOT NULL, "
            "execution_ms INTEGER NOT NULL, "
            "applied_by VARCHAR(255) NOT NULL, "
            "install_order INTEGER NOT NULL UNIQUE, "  # its index answers MAX() without a scan
            "status VARCHAR(16) NOT NULL, "
            "progress INTEGER, "
            f"progress_checksum VARCHAR(128)){self._dialect.table_options}"
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
        status: Status = "applied",
        progress: int | None = None,
        progress_checksum: str | None = None,
        install_order: int | None = None,
    ) -> None:
        """Record a migration as applied (or partly applied), after every row already there.

        ``install_order``: the row's place, when the caller holds the run lock and read the rows
        under it (the database is not asked for it again); by default, after the last row.
        """
        row = (
            version,
            script,
            description,
            kind,
            checksum,
            checksum_algorithm,
            self._dialect.to_timestamp(datetime.now(UTC)),
            execution_ms,
            applied_by(),
            status,
            progress,
            progress_checksum,
        )
        if install_order is None:
            await driver.execute(self._insert, *row)
        else:
            await driver.execute(self._insert_numbered, *row, install_order)

    async def record_progress(
        self,
        driver: AsyncDriver,
        version: str,
        *,
        status: Status,
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

    async def adopt(
        self, driver: AsyncDriver, version: str, script: str, checksum: str, description: str
    ) -> None:
        """Record that an applied revision's file is now ``script`` (a squash that replaced it)."""
        from sqlspec.migrations.files import CHECKSUM_ALGORITHM  # here: a check reads no file

        await driver.execute(
            f"UPDATE {self._quoted} SET script = {self._param(1)}, checksum = {self._param(2)}, "
            f"checksum_algorithm = {self._param(3)}, description = {self._param(4)} "
            f"WHERE version_num = {self._param(5)}",
            script,
            checksum,
            CHECKSUM_ALGORITHM,
            description,
            version,
        )

    async def rename(self, driver: AsyncDriver, old: str, new: str, script: str) -> None:
        """Record an applied migration under its new revision (after ``fix`` renumbered its file)."""
        await driver.execute(
            f"UPDATE {self._quoted} SET version_num = {self._param(1)}, script = {self._param(2)} "
            f"WHERE version_num = {self._param(3)}",
            new,
            script,
            old,
        )
