"""SQLite: a lock file beside the database, held by the migrating process, and its few refusals."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import socket
import time
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote, urlsplit

from sqlspec.dialects import Dialect
from sqlspec.migrations.lock import SILENT_AFTER, Holder, RunLock

if TYPE_CHECKING:
    from sqlspec.driver import AsyncDriver
    from sqlspec.migrations.sql import Lexer
    from sqlspec.migrations.statements import Rule
    from sqlspec.schema import SchemaObject

__all__ = ("SQLITE", "LockFile", "SqliteDialect", "lock_file_path", "run_lock_holder")


def lock_file_path(database: str) -> Path:
    """The run lock's file for a database path or ``file:`` URI: ``<database>.sqlspec-lock``."""
    if database.startswith("file:"):
        database = unquote(urlsplit(database).path)
    return Path(f"{database}.sqlspec-lock")


def _read_holder(path: Path, *, others_only: bool = False) -> Holder | None:
    try:
        text = path.read_text()
        beat = path.stat().st_mtime
    except OSError:
        return None
    import json  # here, as in the writer: only a wait or a run reads a holder file

    try:
        about = json.loads(text)
        who = f"pid {about['pid']} on {about['host']}, since {about['since']}"
        mine = about["pid"] == os.getpid() and about["host"] == socket.gethostname()
    except (ValueError, KeyError, TypeError):
        who, mine = "another process", False
    if others_only and mine:
        return None
    quiet = time.time() - beat
    return Holder(f"{who} (lock file {path}, last heartbeat {quiet:.0f}s ago)", quiet < SILENT_AFTER)


def run_lock_holder(database: str) -> Holder | None:
    """Which other process holds the run lock of ``database`` now, without taking it; else ``None``."""
    path = lock_file_path(database)
    if not path.exists():
        return None
    try:
        with path.open("a") as probe:
            fcntl.flock(probe, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read_holder(path, others_only=True)
    except OSError:
        return None
    return None


class LockFile(RunLock):
    """An exclusive ``flock`` on a file beside the database.

    SQLite has no session lock that outlives a transaction, and a run is many transactions. The
    kernel drops a ``flock`` the moment its process dies, so a killed migrator frees the lock at
    once; its file records who holds it, and the holder's event loop touches it as a heartbeat.
    """

    def __init__(self, database: str) -> None:
        self.path: Path = lock_file_path(database)
        self._file: IO[str] | None = None

    async def try_acquire(self) -> bool:
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        since = datetime.now().astimezone().isoformat(timespec="seconds")
        import json

        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": since}))
        handle.flush()
        self._file = handle
        return True

    async def holder(self) -> Holder | None:
        return _read_holder(self.path)

    async def beat(self) -> None:
        if self._file is not None:
            os.utime(self._file.fileno())

    async def release(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()


class SqliteDialect(Dialect):
    """SQLite 3.35 and later."""

    name = "sqlite"
    lexer: ClassVar[Lexer] = "sqlite"
    timestamp_type = "TEXT"
    autocommit_statements: ClassVar[tuple[Rule, ...]] = (("VACUUM", re.compile(r"VACUUM\b", re.IGNORECASE)),)

    def placeholder(self, index: int) -> str:
        return "?"

    def to_timestamp(self, value: datetime) -> Any:
        return value.isoformat()

    def run_lock(self, driver: AsyncDriver, version_table: str) -> RunLock:
        return LockFile(driver.database)

    async def read_schema(self, driver: AsyncDriver, exclude: frozenset[str]) -> list[SchemaObject]:
        from sqlspec.schema._sqlite import (
            read_sqlite_schema,  # only dump-schema, check --schema and test need it
        )

        return await read_sqlite_schema(driver, exclude)


SQLITE = SqliteDialect()
