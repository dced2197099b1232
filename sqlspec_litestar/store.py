"""A Litestar ``Store`` on the ``litestar`` extension's session table, for server-side sessions.

Expiry is an absolute time in epoch seconds; expired rows read as missing and are purged in the
same statement that finds them, so the table never grows without bound.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta

from litestar.stores.base import Store

from sqlspec.config import DatabaseConfig

__all__ = ("SQLSpecSessionStore",)

TABLE = "litestar_session"


def _seconds(value: int | timedelta | None) -> float | None:
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class SQLSpecSessionStore(Store):
    """Session data in the database of ``config``; apply the ``litestar`` extension's migrations first."""

    def __init__(self, config: DatabaseConfig) -> None:
        self._config = config

    def _p(self, index: int) -> str:
        return self._config.dialect.placeholder(index)

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        lifetime = _seconds(expires_in)
        expires_at = None if lifetime is None else time.time() + lifetime
        async with self._config.provide_driver() as driver:
            await driver.execute(
                driver.dialect.upsert(TABLE, ("session_key",), ("data", "expires_at")),
                key,
                data,
                expires_at,
            )

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        p = self._p
        now = time.time()
        async with self._config.provide_driver() as driver:
            await driver.execute(
                f"DELETE FROM {TABLE} WHERE expires_at IS NOT NULL AND expires_at <= {p(1)}", now
            )
            row = await driver.select_one_or_none(f"SELECT data FROM {TABLE} WHERE session_key = {p(1)}", key)
            if row is None:
                return None
            lifetime = _seconds(renew_for)
            if lifetime is not None:
                await driver.execute(
                    f"UPDATE {TABLE} SET expires_at = {p(1)} "
                    f"WHERE session_key = {p(2)} AND expires_at IS NOT NULL",
                    now + lifetime,
                    key,
                )
        return bytes(row["data"])

    async def delete(self, key: str) -> None:
        async with self._config.provide_driver() as driver:
            await driver.execute(f"DELETE FROM {TABLE} WHERE session_key = {self._p(1)}", key)

    async def delete_all(self) -> None:
        async with self._config.provide_driver() as driver:
            await driver.execute(f"DELETE FROM {TABLE}")

    async def delete_expired(self) -> None:
        """Remove every expired session."""
        async with self._config.provide_driver() as driver:
            await driver.execute(
                f"DELETE FROM {TABLE} WHERE expires_at IS NOT NULL AND expires_at <= {self._p(1)}",
                time.time(),
            )

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        async with self._config.provide_driver() as driver:
            row = await driver.select_one_or_none(
                f"SELECT expires_at FROM {TABLE} WHERE session_key = {self._p(1)}", key
            )
        if row is None or row["expires_at"] is None:
            return None
        remaining = row["expires_at"] - time.time()
        return math.ceil(remaining) if remaining > 0 else None  # 0.4 s left is 1 s, not "never expires"
