"""The lock that lets one process at a time change a database's migrations.

PostgreSQL uses a session-level advisory lock, polled with ``pg_try_advisory_lock`` rather than
waited for in one statement: a waiter then holds no long-lived snapshot, so a migration running
``CREATE INDEX CONCURRENTLY`` never waits for the waiters, and a killed holder's lock vanishes with
its connection. SQLite needs no run lock: each migration's ``BEGIN IMMEDIATE`` serialises writers,
and a migration that another writer applied first is rolled back and skipped (see the runner).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

from sqlspec.driver import AsyncDriver
from sqlspec.exceptions import LockTimeoutError

__all__ = ("advisory_key", "migration_lock")

_POLL_START = 0.02
_POLL_MAX = 0.5
_NOTICE_AFTER = 1.0
_NOTICE_EVERY = 10.0
logger = logging.getLogger("sqlspec")


def advisory_key(version_table: str) -> int:
    """A stable signed 64-bit key per version table (advisory locks are already per database)."""
    digest = hashlib.sha256(f"sqlspec:{version_table}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def _lock_holder(driver: AsyncDriver, key: int) -> str | None:
    row = await driver.select_one_or_none(
        "SELECT a.pid, a.application_name, "
        "EXTRACT(EPOCH FROM now() - COALESCE(a.xact_start, a.backend_start))::int AS seconds "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted "
        "AND l.classid::bigint = ($1::bigint >> 32) & 4294967295 "
        "AND l.objid::bigint = $1::bigint & 4294967295 AND l.objsubid = 1 LIMIT 1",
        key,
    )
    if row is None:
        return None
    app = f" ({row['application_name']})" if row["application_name"] else ""
    return f"pid {row['pid']}{app}, connected {row['seconds']}s"


@asynccontextmanager
async def migration_lock(driver: AsyncDriver, version_table: str, wait: float) -> AsyncIterator[None]:
    """Hold the database's migration lock for the block.

    While it waits, a warning on the ``sqlspec`` logger names the holder (after a second, then every
    ten). Raises :class:`LockTimeoutError`, naming the holder, when it is not free within ``wait``
    seconds.
    """
    if driver.dialect != "postgres":
        yield
        return
    key = advisory_key(version_table)
    delay = _POLL_START
    started = anyio.current_time()
    next_notice = started + _NOTICE_AFTER
    with anyio.move_on_after(wait) as waiting:
        while not await driver.select_value("SELECT pg_try_advisory_lock($1)", key):
            if anyio.current_time() >= next_notice:
                holder = await _lock_holder(driver, key) or "another process"
                waited = anyio.current_time() - started
                logger.warning(
                    "waiting for the migration lock, held by %s (%.0f s so far, giving up after %g s)",
                    holder,
                    waited,
                    wait,
                )
                next_notice += _NOTICE_EVERY
            await anyio.sleep(delay)
            delay = min(delay * 2, _POLL_MAX)
    if waiting.cancelled_caught:
        raise LockTimeoutError(wait, await _lock_holder(driver, key))
    try:
        yield
    finally:
        with anyio.CancelScope(shield=True):
            await driver.execute("SELECT pg_advisory_unlock($1)", key)
