"""PostgreSQL: a session advisory lock on the run's connection, and the statements it refuses."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, ClassVar

from sqlspec.dialects import TRANSACTION_CONTROL, Dialect
from sqlspec.migrations.lock import SILENT_AFTER, Holder, RunLock

if TYPE_CHECKING:
    from sqlspec.driver import AsyncDriver
    from sqlspec.migrations.sql import Lexer
    from sqlspec.migrations.statements import Rule
    from sqlspec.schema import SchemaObject

__all__ = ("POSTGRES", "AdvisoryRunLock", "PostgresDialect", "advisory_key")

_I = re.IGNORECASE

_HOLDER = (
    "SELECT a.pid, a.application_name, host(a.client_addr) AS client, a.state, "
    "EXTRACT(EPOCH FROM now() - a.state_change)::float8 AS quiet, "
    "EXTRACT(EPOCH FROM now() - a.backend_start)::int AS connected "
    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND l.classid::bigint = ($1::bigint >> 32) & 4294967295 "
    "AND l.objid::bigint = $1::bigint & 4294967295 AND l.objsubid = 1 LIMIT 1"
)
"""The session holding the run lock of this database (advisory keys are per database)."""


_CHECK_CLIENT = (
    "SELECT set_config('client_connection_check_interval', '1000', false) "
    "WHERE current_setting('server_version_num')::int >= 140000"
)
_TRY_LOCK = f"SELECT pg_try_advisory_lock($1) AS locked, ({_CHECK_CLIENT}) AS check_client"
"""Take the run lock if free, and (PostgreSQL 14+) have the server check the client every second.

If this process dies mid-statement, the server notices within a second and stops the statement, so
the lock is freed at once instead of when a long statement would end. Set in the round trip that
takes the lock, it costs the run nothing; a waiter setting it on its own session harms no one.
"""


def advisory_key(version_table: str) -> int:
    """A stable signed 64-bit key per version table (advisory locks are already per database)."""
    digest = hashlib.sha256(f"sqlspec:{version_table}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AdvisoryRunLock(RunLock):
    """A session-level advisory lock taken on the connection that runs the migrations.

    It lives exactly as long as that session: a killed backend, an ``idle_session_timeout`` or a
    proxy closing the connection ends the lock and the run's work together, so nothing can commit
    for a run that lost its lock. Waiters poll ``pg_try_advisory_lock`` instead of blocking in one
    statement, so a waiter holds no snapshot that ``CREATE INDEX CONCURRENTLY`` would wait for.
    """

    def __init__(self, driver: AsyncDriver, version_table: str) -> None:
        self._driver = driver
        self._key = advisory_key(version_table)

    async def try_acquire(self) -> bool:
        # The same round trip readies the session for the run (see _TRY_LOCK).
        return bool(await self._driver.select_value(_TRY_LOCK, self._key))

    async def holder(self) -> Holder | None:
        row = await self._driver.select_one_or_none(_HOLDER, self._key)
        if row is None:
            return None
        # An active holder is running a statement; an idle one beats a heartbeat (a query) every
        # few seconds while its event loop runs, which moves state_change.
        alive = row["state"] == "active" or row["quiet"] < SILENT_AFTER
        app = f", {row['application_name']}" if row["application_name"] else ""
        client = f" from {row['client']}" if row["client"] else ""
        description = (
            f"PostgreSQL backend pid {row['pid']}{client}{app}, connected {row['connected']}s, "
            f"{row['state']} for {row['quiet']:.0f}s"
        )
        return Holder(description, alive)

    async def beat(self) -> None:
        await self._driver.ping_if_idle()

    async def release(self) -> None:
        await self._driver.execute("SELECT pg_advisory_unlock($1)", self._key)


class PostgresDialect(Dialect):
    """PostgreSQL 12 and later."""

    name = "postgres"
    lexer: ClassVar[Lexer] = "postgres"
    timestamp_type = "TIMESTAMP WITH TIME ZONE"
    autocommit_statements: ClassVar[tuple[Rule, ...]] = (
        ("CREATE INDEX CONCURRENTLY", re.compile(r"CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\b", _I)),
        ("DROP INDEX CONCURRENTLY", re.compile(r"DROP\s+INDEX\s+CONCURRENTLY\b", _I)),
        ("REINDEX ... CONCURRENTLY", re.compile(r"REINDEX\b[^;]*\bCONCURRENTLY\b", _I)),
        (
            "DETACH PARTITION ... CONCURRENTLY",
            re.compile(r"ALTER\s+TABLE\b[^;]*\bDETACH\s+PARTITION\b[^;]*\bCONCURRENTLY\b", _I),
        ),
        ("VACUUM", re.compile(r"VACUUM\b", _I)),
        ("CREATE DATABASE", re.compile(r"CREATE\s+DATABASE\b", _I)),
        ("DROP DATABASE", re.compile(r"DROP\s+DATABASE\b", _I)),
        ("CREATE/DROP TABLESPACE", re.compile(r"(CREATE|DROP)\s+TABLESPACE\b", _I)),
        ("ALTER SYSTEM", re.compile(r"ALTER\s+SYSTEM\b", _I)),
    )
    transaction_control_statements: ClassVar[tuple[Rule, ...]] = (
        *TRANSACTION_CONTROL,
        ("ABORT", re.compile(r"ABORT\b", _I)),
        ("PREPARE TRANSACTION", re.compile(r"PREPARE\s+TRANSACTION\b", _I)),
    )
    client_stream_statements: ClassVar[tuple[Rule, ...]] = (
        ("COPY ... FROM STDIN", re.compile(r"COPY\b[^;]*?\bFROM\s+STDIN\b", _I | re.DOTALL)),
        ("COPY ... TO STDOUT", re.compile(r"COPY\b[^;]*?\bTO\s+STDOUT\b", _I | re.DOTALL)),
        ("a psql meta-command", re.compile(r"\\[A-Za-z!?]")),
    )

    def placeholder(self, index: int) -> str:
        return f"${index}"

    def run_lock(self, driver: AsyncDriver, version_table: str) -> RunLock:
        return AdvisoryRunLock(driver, version_table)

    async def failure_advice(self, driver: AsyncDriver, statement: str) -> str:
        from sqlspec.migrations.statements import first_autocommit_statement  # failures only

        found = first_autocommit_statement([statement], self)
        if found is None or found[1] != "CREATE INDEX CONCURRENTLY":
            return ""
        rows = await driver.select(
            "SELECT quote_ident(c.relname) AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE NOT i.indisvalid AND pg_table_is_visible(c.oid) ORDER BY 1"
        )
        if not rows:
            return ""
        names = [row["name"] for row in rows]
        drops = " ".join(f"DROP INDEX CONCURRENTLY {name};" for name in names)
        return f"the failed build left invalid index {', '.join(names)}: {drops} then resume"

    def drop_database(self, name: str) -> str:
        return f"DROP DATABASE IF EXISTS {self.quote(name)} WITH (FORCE)"

    async def read_schema(self, driver: AsyncDriver, exclude: frozenset[str]) -> list[SchemaObject]:
        from sqlspec.schema._postgres import (
            read_postgres_schema,  # only dump-schema, check --schema and test need it
        )

        return await read_postgres_schema(driver, exclude)


POSTGRES = PostgresDialect()
