"""The four contenders, each driven the way its own documentation says, in-process and as a command.

Every tool gets the same migrations (see :mod:`benchmarks.generate`) in its own format, the same
database and the same guarantee: one transaction per migration, the version table changed inside
it. Alembic is configured with ``transaction_per_migration=True`` for that (its default is one
transaction for the whole run); yoyo does it by default; sqlspec and the raw driver always do.

The third-party imports happen inside the methods, so the parent process (which only spawns
workers and commands) never loads a tool, and each measurement pays only for its own tool.
"""

from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from benchmarks import generate

__all__ = ("TOOLS", "Operation", "Target", "Tool")

Operation = Literal["upgrade", "check", "downgrade"]
"""S1 apply everything pending, S2 the same call when nothing is pending, S3 revert to base."""

BIN = Path(sys.executable).parent
RAW_SCRIPT = Path(__file__).with_name("raw.py")


@dataclass(frozen=True)
class Target:
    """A scratch database: a PostgreSQL database name or a SQLite file."""

    dialect: Literal["postgres", "sqlite"]
    database: str
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"

    def via(self, port: int) -> Target:
        """The same database reached through another port (the counting proxy)."""
        return Target(self.dialect, self.database, self.host, port, self.user)

    def url(self, scheme: str) -> str:
        """``scheme://user@host:port/database`` for PostgreSQL, ``scheme:///path`` for SQLite."""
        if self.dialect == "sqlite":
            return f"{scheme}:///{self.database}"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.database}"


Call = Callable[[], Awaitable[object]] | Callable[[], object]


class Tool(ABC):
    """One contender: where its files go, how it runs in-process, and its command line."""

    name: ClassVar[str]
    is_async: ClassVar[bool]

    @abstractmethod
    def write(self, folder: Path, count: int) -> None:
        """Write ``count`` migrations in this tool's format under ``folder``."""

    @abstractmethod
    def call(self, operation: Operation, folder: Path, target: Target) -> Call:
        """The in-process call for ``operation``: a coroutine function when :attr:`is_async`."""

    @abstractmethod
    def command(self, operation: Operation, folder: Path, target: Target, scratch: Path) -> list[str]:
        """The command line for ``operation`` (run in ``scratch``, where it may write a config)."""

    def help_command(self, flag: Literal["--help", "--version"]) -> list[str] | None:
        """``TOOL --help`` / ``TOOL --version``; ``None`` when the tool has no such flag."""
        return [str(BIN / self.name), flag]


class Raw(Tool):
    """asyncpg / aiosqlite with nothing around the statements but a version row."""

    name = "raw"
    is_async = True

    def write(self, folder: Path, count: int) -> None:
        generate.write_raw(folder, count)

    def _database(self, target: Target) -> str:
        return target.database if target.dialect == "sqlite" else target.url("postgresql")

    def call(self, operation: Operation, folder: Path, target: Target) -> Call:
        from benchmarks import raw

        function = raw.downgrade if operation == "downgrade" else raw.upgrade
        database = self._database(target)

        async def run() -> int:
            return await function(database, folder)

        return run

    def command(self, operation: Operation, folder: Path, target: Target, scratch: Path) -> list[str]:
        action = "downgrade" if operation == "downgrade" else "upgrade"
        return [
            sys.executable,
            str(RAW_SCRIPT),
            action,
            "--database",
            self._database(target),
            "--folder",
            str(folder),
        ]

    def help_command(self, flag: Literal["--help", "--version"]) -> list[str] | None:
        return [sys.executable, str(RAW_SCRIPT), flag]


class SQLSpec(Tool):
    """sqlspec's async API (``AsyncpgConfig`` / ``AiosqliteConfig``) and its ``sqlspec`` command."""

    name = "sqlspec"
    is_async = True

    def write(self, folder: Path, count: int) -> None:
        generate.write_sqlspec(folder, count)

    def call(self, operation: Operation, folder: Path, target: Target) -> Call:
        from sqlspec.adapters.aiosqlite import AiosqliteConfig
        from sqlspec.adapters.asyncpg import AsyncpgConfig

        migrations = {"script_location": str(folder)}

        async def run() -> object:
            if target.dialect == "postgres":
                config: AsyncpgConfig | AiosqliteConfig = AsyncpgConfig(
                    connection_config={"dsn": target.url("postgresql")}, migration_config=migrations
                )
            else:
                config = AiosqliteConfig(
                    connection_config={"database": target.database}, migration_config=migrations
                )
            if operation == "downgrade":
                return await config.migrate_down("base")
            return await config.migrate_up("head")

        return run

    def command(self, operation: Operation, folder: Path, target: Target, scratch: Path) -> list[str]:
        if target.dialect == "postgres":
            config = (
                "from sqlspec.adapters.asyncpg import AsyncpgConfig\n\n"
                f"config = AsyncpgConfig(connection_config={{'dsn': {target.url('postgresql')!r}}}, "
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
    """Alembic with SQL through ``op.execute``, on SQLAlchemy with psycopg 3 or sqlite3."""

    name = "alembic"
    is_async = False

    def write(self, folder: Path, count: int) -> None:
        generate.write_alembic(folder, count)

    @staticmethod
    def _url(target: Target) -> str:
        return target.url("sqlite" if target.dialect == "sqlite" else "postgresql+psycopg")

    def call(self, operation: Operation, folder: Path, target: Target) -> Call:
        # Not in .venv, where `make lint` runs mypy: typed in the benchmark's venv, Any in .venv.
        from alembic import command  # type: ignore[import-not-found, unused-ignore]
        from alembic.config import Config  # type: ignore[import-not-found, unused-ignore]

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
    """yoyo-migrations with SQL files (and ``.rollback.sql``), on psycopg 3 or sqlite3."""

    name = "yoyo"
    is_async = False

    def write(self, folder: Path, count: int) -> None:
        generate.write_yoyo(folder, count)

    @staticmethod
    def _url(target: Target) -> str:
        return target.url("sqlite" if target.dialect == "sqlite" else "postgresql+psycopg")

    def call(self, operation: Operation, folder: Path, target: Target) -> Call:
        from yoyo import (  # type: ignore[import-not-found, import-untyped, unused-ignore]
            get_backend,
            read_migrations,
        )

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
