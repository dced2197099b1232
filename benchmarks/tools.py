"""The four contenders, each driven the way its own documentation says, in-process and as a command.

Every tool gets the same migrations (see :mod:`benchmarks.generate`) in its own format, the same
database and the same guarantee: one transaction per migration, the version table changed inside
it. Alembic is configured with ``transaction_per_migration=True`` for that (its default is one
transaction for the whole run), and on SQLite with SQLAlchemy's transactional-DDL recipe (else
pysqlite commits before each DDL statement); yoyo does it by default; sqlspec and the raw driver
always do. On MySQL no tool can: every DDL statement commits by itself (docs/performance.md).

The drivers: raw and sqlspec use asyncpg, aiosqlite and asyncmy; Alembic (SQLAlchemy) and yoyo
use psycopg 3, the stdlib sqlite3 and PyMySQL.

The third-party imports happen inside the methods, so the parent process (which only spawns
workers and commands) never loads a tool, and each measurement pays only for its own tool.
"""

from __future__ import annotations

import importlib
import sys
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import quote

from benchmarks import generate

__all__ = ("TOOLS", "Operation", "Session", "Target", "Tool")

Operation = Literal["upgrade", "check", "downgrade"]
"""S1 apply everything pending, S2 the same call when nothing is pending, S3 revert to base."""

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Target:
    """A scratch database: a PostgreSQL or MySQL database name, or a SQLite file."""

    dialect: Literal["postgres", "sqlite", "mysql"]
    database: str
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""

    def via(self, port: int) -> Target:
        """The same database reached through another port (the counting proxy)."""
        return Target(self.dialect, self.database, self.host, port, self.user, self.password)

    def url(self, scheme: str) -> str:
        """``scheme://user[:password]@host:port/database``, or ``scheme:///path`` for SQLite."""
        if self.dialect == "sqlite":
            return f"{scheme}:///{self.database}"
        login = f"{quote(self.user)}:{quote(self.password)}" if self.password else quote(self.user)
        return f"{scheme}://{login}@{self.host}:{self.port}/{self.database}"

    @property
    def mysql(self) -> bool:
        return self.dialect == "mysql"


class Session(ABC):
    """A long-lived app's use of a tool: one connection (or pool) kept open across calls."""

    @abstractmethod
    async def open(self) -> None: ...

    @abstractmethod
    async def check(self) -> object:
        """The up-to-date check a start-up makes (``migrate_up("head")`` with nothing pending)."""

    @abstractmethod
    async def step(self) -> object:
        """Apply the next migration (``migrate_up("+1")``)."""

    @abstractmethod
    async def close(self) -> None: ...


Call = Callable[[], Awaitable[object]] | Callable[[], object]

_DRIVERS = {
    "raw": {"sqlite": "aiosqlite", "postgres": "asyncpg", "mysql": "asyncmy"},
    "sqlspec": {
        "sqlite": "sqlspec.adapters.aiosqlite",
        "postgres": "sqlspec.adapters.asyncpg",
        "mysql": "sqlspec.adapters.asyncmy",
    },
    "alembic": {"sqlite": "sqlite3", "postgres": "psycopg", "mysql": "pymysql"},
    "yoyo": {"sqlite": "sqlite3", "postgres": "psycopg", "mysql": "pymysql"},
}
"""The modules a tool loads for a database, imported by :meth:`Tool.call` before any clock starts."""


def _preload(tool: str, target: Target) -> None:
    importlib.import_module(_DRIVERS[tool][target.dialect])


class Tool(ABC):
    """One contender: where its files go, how it runs in-process, and its command line."""

    name: ClassVar[str]
    is_async: ClassVar[bool]

    @abstractmethod
    def write(self, folder: Path, count: int, mysql: bool = False) -> None:
        """Write ``count`` migrations in this tool's format under ``folder`` (MySQL's, if ``mysql``)."""

    @abstractmethod
    def call(self, operation: Operation, folder: Path, target: Target) -> Call:
        """The in-process call for ``operation``: a coroutine function when :attr:`is_async`."""

    @abstractmethod
    def command(self, operation: Operation, folder: Path, target: Target, scratch: Path) -> list[str]:
        """The command line for ``operation`` (run in ``scratch``, where it may write a config)."""

    def help_command(self, flag: Literal["--help", "--version"]) -> list[str] | None:
        """``TOOL --help`` / ``TOOL --version``; ``None`` when the tool has no such flag."""
        return [str(BIN / self.name), flag]

    def session(self, folder: Path, target: Target) -> Session | None:
        """A long-lived session (a connection or pool kept open); ``None`` when not measured."""
        return None


class Raw(Tool):
    """asyncpg / aiosqlite / asyncmy with nothing around the statements but a version row."""

    name = "raw"
    is_async = True

    def write(self, folder: Path, count: int, mysql: bool = False) -> None:
        generate.write_raw(folder, count, mysql)

    def _database(self, target: Target) -> str:
        if target.dialect == "sqlite":
            return target.database
        return target.url("mysql" if target.mysql else "postgresql")

    def session(self, folder: Path, target: Target) -> Session | None:
        return _RawSession(self._database(target), folder)

    def call(self, operation: Operation, folder: Path, target: Target) -> Call:
        from benchmarks import raw

        _preload(self.name, target)
        function = raw.downgrade if operation == "downgrade" else raw.upgrade
        database = self._database(target)

        async def run() -> int:
            return await function(database, folder)

        return run

    def command(self, operation: Operation, folder: Path, target: Target, scratch: Path) -> list[str]:
        action = "downgrade" if operation == "downgrade" else "upgrade"
        return [
            sys.executable,
            "-m",
            "benchmarks.raw",
            action,
            "--database",
            self._database(target),
            "--folder",
            str(folder),
        ]

    def help_command(self, flag: Literal["--help", "--version"]) -> list[str] | None:
        return [sys.executable, "-m", "benchmarks.raw", flag]


class _RawSession(Session):
    """The raw driver on one connection kept open: the least a long-lived app's calls can cost."""

    def __init__(self, database: str, folder: Path) -> None:
        self._database = database
        self._folder = folder
        self._db: Any = None

    async def open(self) -> None:
        from benchmarks import raw

        self._db = await raw.connect(self._database)

    async def check(self) -> object:
        from benchmarks import raw

        return await raw.upgrade_on(self._db, self._folder)

    async def step(self) -> object:
        from benchmarks import raw

        return await raw.upgrade_on(self._db, self._folder, limit=1)

    async def close(self) -> None:
        await self._db.close()


def _sqlspec_config(folder: Path, target: Target) -> Any:
    migrations = {"script_location": str(folder)}
    if target.dialect == "postgres":
        from sqlspec.adapters.asyncpg import AsyncpgConfig

        return AsyncpgConfig(connection_config={"dsn": target.url("postgresql")}, migration_config=migrations)
    if target.mysql:
        from sqlspec.adapters.asyncmy import AsyncmyConfig

        return AsyncmyConfig(connection_config={"dsn": target.url("mysql")}, migration_config=migrations)
    from sqlspec.adapters.aiosqlite import AiosqliteConfig

    return AiosqliteConfig(connection_config={"database": target.database}, migration_config=migrations)


class _SQLSpecSession(Session):
    """What the Litestar plugin does at start-up: ``open_pool()``, then ``migrate_up`` on the config.

    asyncpg and asyncmy open a pool and aiosqlite keeps one connection.
    """

    def __init__(self, folder: Path, target: Target) -> None:
        self._config = _sqlspec_config(folder, target)

    async def open(self) -> None:
        await self._config.open_pool()

    async def check(self) -> object:
        return await self._config.migrate_up("head")

    async def step(self) -> object:
        return await self._config.migrate_up("+1")

    async def close(self) -> None:
        await self._config.close_pool()


class SQLSpec(Tool):
    """sqlspec's async API (``AsyncpgConfig`` / ``AiosqliteConfig`` / ``AsyncmyConfig``) and its command."""

    name = "sqlspec"
    is_async = True

    def write(self, folder: Path, count: int, mysql: bool = False) -> None:
        generate.write_sqlspec(folder, count, mysql)

    def call(self, operation: Operation, folder: Path, target: Target) -> Call:
        _preload(self.name, target)
        # The engine loads on a config's first call (so that a no-op command stays small), and
        # with it anyio's asyncio backend, the event-loop layer sqlspec runs on as the raw driver
        # runs on asyncio. Imported here, as Alembic's command module and yoyo's are in their
        # call(): the in-process figures are the calls, and the command figures the whole process.
        for module in ("sqlspec.migrations.engine", "sqlspec.migrations.runner", "anyio._backends._asyncio"):
            importlib.import_module(module)

        async def run() -> object:
            config = _sqlspec_config(folder, target)
            if operation == "downgrade":
                return await config.migrate_down("base")
            return await config.migrate_up("head")

        return run

    def session(self, folder: Path, target: Target) -> Session | None:
        return _SQLSpecSession(folder, target)

    def command(self, operation: Operation, folder: Path, target: Target, scratch: Path) -> list[str]:
        if target.dialect == "postgres":
            config = (
                "from sqlspec.adapters.asyncpg import AsyncpgConfig\n\n"
                f"config = AsyncpgConfig(connection_config={{'dsn': {target.url('postgresql')!r}}}, "
            )
        elif target.mysql:
            config = (
                "from sqlspec.adapters.asyncmy import AsyncmyConfig\n\n"
                f"config = AsyncmyConfig(connection_config={{'dsn': {target.url('mysql')!r}}}, "
            )
        else:
            config = (
                "from sqlspec.adapters.aiosqlite import AiosqliteConfig\n\n"
                f"config = AiosqliteConfig(connection_config={{'database': {target.database!r}}}, "
            )
        (scratch / "benchcfg.py").write_text(
            f"{config}migration_config={{'script_location': {str(folder)!r}}})\n"
        )
        action = ["downgrade", "base", "--no-prompt"] if operation == "downgrade" else ["upgrade"]
        return [str(BIN / "sqlspec"), "--config", "benchcfg.config", *action]


class Alembic(Tool):
    """Alembic with SQL through ``op.execute``, on SQLAlchemy with psycopg 3, sqlite3 or PyMySQL."""

    name = "alembic"
    is_async = False

    def write(self, folder: Path, count: int, mysql: bool = False) -> None:
        generate.write_alembic(folder, count, mysql)

    @staticmethod
    def _url(target: Target) -> str:
        schemes = {"sqlite": "sqlite", "postgres": "postgresql+psycopg", "mysql": "mysql+pymysql"}
        return target.url(schemes[target.dialect])

    def call(self, operation: Operation, folder: Path, target: Target) -> Call:
        # Not in .venv, where `make lint` runs mypy: typed in the benchmark's venv, Any in .venv.
        from alembic import command  # type: ignore[import-not-found, unused-ignore]
        from alembic.config import Config  # type: ignore[import-not-found, unused-ignore]

        _preload(self.name, target)

        url = self._url(target)

        def run() -> None:
            config = Config()
            config.set_main_option("script_location", str(folder))
            config.set_main_option("sqlalchemy.url", url)
            if operation == "downgrade":
                command.downgrade(config, "base")
            else:
                command.upgrade(config, "head")

        return run

    def command(self, operation: Operation, folder: Path, target: Target, scratch: Path) -> list[str]:
        ini = scratch / "alembic.ini"
        ini.write_text(f"[alembic]\nscript_location = {folder}\nsqlalchemy.url = {self._url(target)}\n")
        action = ["downgrade", "base"] if operation == "downgrade" else ["upgrade", "head"]
        return [str(BIN / "alembic"), "-c", str(ini), *action]


class Yoyo(Tool):
    """yoyo-migrations with SQL files (and ``.rollback.sql``), on psycopg 3, sqlite3 or PyMySQL."""

    name = "yoyo"
    is_async = False

    def write(self, folder: Path, count: int, mysql: bool = False) -> None:
        generate.write_yoyo(folder, count, mysql)

    @staticmethod
    def _url(target: Target) -> str:
        schemes = {"sqlite": "sqlite", "postgres": "postgresql+psycopg", "mysql": "mysql"}  # yoyo: PyMySQL
        return target.url(schemes[target.dialect])

    def call(self, operation: Operation, folder: Path, target: Target) -> Call:
        from yoyo import (  # type: ignore[import-not-found, import-untyped, unused-ignore]
            get_backend,
            read_migrations,
        )

        _preload(self.name, target)

        url = self._url(target)

        def run() -> None:
            # What `yoyo apply` / `yoyo rollback --all` do, through yoyo's documented API.
            backend = get_backend(url)
            try:
                with backend.lock():
                    migrations = read_migrations(str(folder))
                    if operation == "downgrade":
                        backend.rollback_migrations(backend.to_rollback(migrations))
                    else:
                        backend.apply_migrations(backend.to_apply(migrations))
            finally:
                backend.connection.close()

        return run

    def command(self, operation: Operation, folder: Path, target: Target, scratch: Path) -> list[str]:
        action = ["rollback", "--all"] if operation == "downgrade" else ["apply"]
        return [
            str(BIN / "yoyo"),
            *action,
            "--batch",
            "--no-config-file",
            "--database",
            self._url(target),
            str(folder),
        ]

    def help_command(self, flag: Literal["--help", "--version"]) -> list[str] | None:
        return None if flag == "--version" else [str(BIN / "yoyo"), flag]


TOOLS: dict[str, Tool] = {tool.name: tool for tool in (Raw(), SQLSpec(), Alembic(), Yoyo())}
