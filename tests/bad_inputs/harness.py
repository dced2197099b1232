"""The machinery behind the bad-input corpus: a case record, a throwaway project, snapshots, locks.

A :class:`Case` is data: what to write into the migration folder, which config to use, which
command to run, and what must come out. :class:`Workspace` is the project a case runs in (a config
package, a ``db/migrations`` folder and a scratch database of its own); :func:`snapshot` captures
everything a failed command must leave as it was: the schema, every table's rows (the version table
included) and the migration folder's files.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
import stat
import threading
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from typer.testing import CliRunner, Result

from sqlspec import AsyncDatabaseConfig
from sqlspec.cli import app

__all__ = (
    "BOTH",
    "MIGRATIONS",
    "OMIT",
    "POSTGRES",
    "SQLITE",
    "Case",
    "ConnectionChange",
    "Dialect",
    "Prepare",
    "Snapshot",
    "Workspace",
    "dsn_with",
    "hold_advisory_lock",
    "hold_sqlite_write_lock",
    "mysql_snapshot",
    "one_line_error",
    "postgres_snapshot",
    "snapshot",
    "sqlite_snapshot",
)

Dialect = Literal["sqlite", "sqlite-sync", "postgres"]
SQLITE: tuple[Dialect, ...] = ("sqlite",)
POSTGRES: tuple[Dialect, ...] = ("postgres",)
BOTH: tuple[Dialect, ...] = ("sqlite", "postgres")
MIGRATIONS = "db/migrations"
"""Every case's ``script_location``, relative to the project root (the current directory)."""
OMIT = object()
"""In :attr:`Case.migration`: leave this key out of ``migration_config`` altogether."""

FileContent = str | bytes
Snapshot = dict[str, Any]
ConnectionChange = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns the working ``connection_config`` into a case's."""
Prepare = Callable[["Workspace"], None]
"""Sets up what files cannot express (symlinks, permissions, rows), before the snapshot."""


@dataclass(frozen=True, kw_only=True)
class Case:
    """One bad input, and what sqlspec must answer to it."""

    name: str
    """Unique id; also the pytest id."""
    topic: str
    """What the case is about (``header``, ``encoding``, ``lock``...), to show the corpus covers each."""
    argv: tuple[str, ...] = ("upgrade",)
    """The command after ``--config <ref>``."""
    exit_code: int
    words: tuple[str, ...]
    """What the one-line error must contain (or, for ``exit_code == 0``, what stdout must)."""
    files: Mapping[str, FileContent] = field(default_factory=dict)
    """Written into the migration folder after the baseline was applied: the bad input."""
    baseline: Mapping[str, FileContent] | None = None
    """Migrations applied before the command (``None``: the corpus' default baseline; ``{}``: none)."""
    migration: Mapping[str, object] = field(default_factory=dict)
    """Keys merged into the case's ``migration_config`` (``OMIT`` removes one)."""
    connection: ConnectionChange | None = None
    """Turns the working ``connection_config`` into the case's."""
    config_source: str | None = None
    """Replaces the config module; ``{adapter}``, ``{module}``, ``{connection}`` and ``{migration}``
    are filled in with the working values."""
    config_ref: str | None = "{package}.config"
    """``--config`` value (``{package}`` filled in); ``None`` passes no ``--config``."""
    env: Mapping[str, str] = field(default_factory=dict)
    prepare: Prepare | None = None
    """Runs after the files are written and before the snapshot (symlinks, permissions, ...)."""
    hold: Callable[[Workspace], AbstractContextManager[object]] | None = None
    """A context held around the command (another process's lock)."""
    dialects: tuple[Dialect, ...] = BOTH
    applies: tuple[str, ...] = ()
    """Must-work cases: the revisions the command applies."""
    creates: tuple[str, ...] = ()
    """Must-work cases: tables that exist afterwards."""
    same_checksum_as: str | None = None
    """Must-work cases: the file's checksum equals that of this plain LF, BOM-less text."""
    skip_reason: Callable[[], str | None] | None = None
    bug: str | None = None
    """A product bug this case exposes: the test still asserts the right behaviour (strict xfail)."""


# -- the project ----------------------------------------------------------------------------------

_ADAPTERS: dict[Dialect, tuple[str, str]] = {
    "sqlite": ("sqlspec.adapters.aiosqlite", "AiosqliteConfig"),
    "sqlite-sync": ("sqlspec.adapters.sqlite", "SqliteConfig"),
    "postgres": ("sqlspec.adapters.asyncpg", "AsyncpgConfig"),
}
_CONFIG_TEMPLATE = (
    "from {module} import {adapter}\n\n"
    "config = {adapter}(connection_config={connection}, migration_config={migration})\n"
)


@dataclass
class Workspace:
    """A project folder (the current directory) with a config package and a database of its own."""

    root: Path
    package: str
    dialect: Dialect
    target: str
    """The PostgreSQL DSN or the SQLite file of this case's scratch database."""

    @classmethod
    def create(cls, root: Path, dialect: Dialect, target: str) -> Workspace:
        package = f"bad_{uuid.uuid4().hex[:10]}"  # unique, so imports never leak between cases
        (root / package).mkdir()
        (root / package / "__init__.py").write_text("")
        (root / MIGRATIONS).mkdir(parents=True)
        workspace = cls(root, package, dialect, target)
        workspace.write_config("base", workspace.render_config())
        return workspace

    @property
    def migrations(self) -> Path:
        return self.root / MIGRATIONS

    @property
    def postgres(self) -> bool:
        return self.dialect == "postgres"

    def connection(self) -> dict[str, Any]:
        """The working ``connection_config`` of this workspace's database."""
        if self.postgres:
            return {"dsn": self.target}
        return {"database": self.target}

    def render_config(
        self,
        *,
        connection: dict[str, Any] | None = None,
        migration: Mapping[str, object] | None = None,
        template: str = _CONFIG_TEMPLATE,
    ) -> str:
        settings: dict[str, object] = {"script_location": MIGRATIONS}
        for key, value in (migration or {}).items():
            if value is OMIT:
                settings.pop(key, None)
            else:
                settings[key] = value
        module, adapter = _ADAPTERS[self.dialect]
        return template.format(
            module=module,
            adapter=adapter,
            connection=repr(connection if connection is not None else self.connection()),
            migration=repr(settings),
        )

    def write_config(self, name: str, source: str) -> None:
        (self.root / self.package / f"{name}.py").write_text(source)

    def write_migrations(self, files: Mapping[str, FileContent]) -> None:
        for name, content in files.items():
            path = self.migrations / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_bytes(content.encode())

    def cli(self, argv: list[str], env: Mapping[str, str] | None = None) -> Result:
        """``sqlspec <argv>`` in-process, as a user would type it (typer's runner, plain output)."""
        return CliRunner().invoke(app, argv, env={"NO_COLOR": "1", **(env or {})})

    def apply(self, files: Mapping[str, FileContent]) -> None:
        """Write ``files`` and apply them with the working config; the starting point of a case."""
        if not files:
            return
        self.write_migrations(files)
        result = self.cli(["--config", f"{self.package}.base", "upgrade"])
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)

    def snapshot(self) -> Snapshot:
        return snapshot(self.dialect, self.target, self.migrations)

    def execute(self, *statements: str) -> None:
        """Run statements on the case's database directly (setting up a bad state, never the command)."""
        if self.postgres:
            asyncio.run(_postgres_execute(self.target, statements))
            return
        connection = sqlite3.connect(self.target, isolation_level=None)
        try:
            for statement in statements:
                connection.execute(statement)
        finally:
            connection.close()

    def version_rows(self, table: str = "sqlspec_version") -> list[tuple[str, str]]:
        """``(version_num, checksum)`` of every applied migration, in the order applied."""
        sql = f'SELECT version_num, checksum FROM "{table}" ORDER BY install_order'
        if self.postgres:
            return asyncio.run(_postgres_fetch(self.target, sql))
        connection = sqlite3.connect(f"file:{self.target}?mode=ro", uri=True)
        try:
            return [(str(v), str(c)) for v, c in connection.execute(sql).fetchall()]
        finally:
            connection.close()


async def _postgres_execute(dsn: str, statements: tuple[str, ...]) -> None:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def _postgres_fetch(dsn: str, sql: str) -> list[tuple[str, str]]:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        return [(str(r[0]), str(r[1])) for r in await connection.fetch(sql)]
    finally:
        await connection.close()


def dsn_with(
    dsn: str, *, user: str | None = None, database: str | None = None, port: int | str | None = None
) -> str:
    """``dsn`` with its user (then without a password), database or port replaced."""
    parts = urlsplit(dsn)
    login = user or parts.username or "postgres"
    if user is None and parts.password is not None:
        login += f":{parts.password}"
    netloc = f"{login}@{parts.hostname or '127.0.0.1'}:{port or parts.port or 5432}"
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit((parts.scheme, netloc, path, parts.query, parts.fragment))


# -- the error contract ---------------------------------------------------------------------------


def one_line_error(result: Result) -> str:
    """The single ``Error: ...`` line of a failed command; fails on a traceback or a second line.

    ``Warning: ...`` notices before it (a wait for a lock, say) are progress, not part of the error.
    """
    context = f"stdout={result.stdout!r} stderr={result.stderr!r} exception={result.exception!r}"
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("Warning: ")]
    assert len(lines) == 1, f"the error is not one line: {context}"
    line = lines[0]
    assert line.startswith("Error: "), f"not an 'Error: ...' line: {context}"
    assert "Traceback" not in result.stderr + result.stdout, context
    assert "--debug for the traceback" not in line, f"an unexpected error, not a deliberate one: {context}"
    return line


# -- snapshots ------------------------------------------------------------------------------------


def _files(folder: Path) -> dict[str, object]:
    """Every entry under the migration folder: file contents by hash, links by target."""
    found: dict[str, object] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            found[name] = ("link", os.readlink(path))
        elif stat.S_ISDIR(info.st_mode):
            found[name] = ("dir",)
        else:
            try:
                found[name] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
            except OSError:
                found[name] = ("unreadable", info.st_mode, info.st_size)
    return found


def sqlite_snapshot(database: str) -> Snapshot:
    """Schema and rows of a SQLite file, read without creating it; an absent file is an empty database."""
    path = Path(database)
    if not path.is_file() or path.stat().st_size == 0:
        return {"schema": [], "rows": {}}
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            schema = connection.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
            ).fetchall()
        except sqlite3.DatabaseError:  # not a database at all: then its bytes must not change
            return {"raw": hashlib.sha256(path.read_bytes()).hexdigest()}
        rows = {
            name: sorted(map(repr, connection.execute(f'SELECT * FROM "{name}"').fetchall()))
            for kind, name, _, _ in schema
            if kind == "table"
        }
    finally:
        connection.close()
    return {"schema": schema, "rows": rows}


_PG_USER_SCHEMAS = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'"


async def postgres_snapshot(dsn: str) -> Snapshot:
    """Schemas, relations, columns, indexes, functions and every table's rows of a PostgreSQL database."""
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        schemas = [
            r[0]
            for r in await connection.fetch(f"SELECT nspname FROM pg_namespace n WHERE {_PG_USER_SCHEMAS}")
        ]
        relations = await connection.fetch(
            "SELECT n.nspname, c.relname, c.relkind::text FROM pg_class c "
            f"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_PG_USER_SCHEMAS} ORDER BY 1, 2"
        )
        columns = await connection.fetch(
            "SELECT table_schema, table_name, column_name, data_type, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema NOT LIKE 'pg\\_%' "
            "AND table_schema <> 'information_schema' ORDER BY 1, 2, 3"
        )
        indexes = await connection.fetch(
            "SELECT schemaname, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname NOT LIKE 'pg\\_%' AND schemaname <> 'information_schema' ORDER BY 1, 2"
        )
        functions = await connection.fetch(
            "SELECT n.nspname, p.proname, p.prosrc FROM pg_proc p "
            f"JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {_PG_USER_SCHEMAS} ORDER BY 1, 2, 3"
        )
        rows: dict[str, list[str]] = {}
        for schema, name, kind in relations:
            if kind in ("r", "p"):
                records = await connection.fetch(f'SELECT * FROM "{schema}"."{name}"')
                rows[f"{schema}.{name}"] = sorted(repr(tuple(record)) for record in records)
    finally:
        await connection.close()
    return {
        "schemas": sorted(schemas),
        "relations": [tuple(r) for r in relations],
        "columns": [tuple(r) for r in columns],
        "indexes": [tuple(r) for r in indexes],
        "functions": [tuple(r) for r in functions],
        "rows": rows,
    }


def snapshot(dialect: Dialect, target: str, migrations: Path) -> Snapshot:
    """Everything a failed command must leave as it was (call outside an event loop)."""
    database = asyncio.run(postgres_snapshot(target)) if dialect == "postgres" else sqlite_snapshot(target)
    return {"database": database, "files": _files(migrations)}


# -- other processes' locks -----------------------------------------------------------------------


@contextmanager
def held_elsewhere(
    hold: Callable[[Callable[[], Awaitable[None]]], Coroutine[Any, Any, None]], name: str
) -> Iterator[None]:
    """Run ``hold`` in a thread and event loop of its own until the block ends.

    ``hold(wait)`` takes its lock on a connection of its own, then awaits ``wait()``, which returns
    when the block ends; the block starts once the lock is held.
    """
    held = threading.Event()
    release = threading.Event()
    failures: list[BaseException] = []

    async def wait() -> None:
        held.set()
        await asyncio.to_thread(release.wait, 60)

    def run() -> None:
        try:
            asyncio.run(hold(wait))
        except BaseException as error:  # handed to the test thread below
            failures.append(error)
            held.set()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    held.wait(30)
    if failures:
        raise failures[0]
    try:
        yield
    finally:
        release.set()
        thread.join(30)


@contextmanager
def hold_advisory_lock(dsn: str, key: int) -> Iterator[None]:
    """Hold ``pg_advisory_lock(key)`` on a connection of its own (its own thread and loop) meanwhile."""

    async def hold(wait: Callable[[], Awaitable[None]]) -> None:
        connection = await asyncpg.connect(dsn, timeout=10)
        try:
            await connection.execute("SELECT pg_advisory_lock($1)", key)
            await wait()
        finally:
            await connection.close()

    with held_elsewhere(hold, "advisory-lock-holder"):
        yield


@contextmanager
def hold_sqlite_write_lock(database: str) -> Iterator[None]:
    """Hold SQLite's write lock (``BEGIN IMMEDIATE``) from another connection meanwhile."""
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


async def mysql_snapshot(config: AsyncDatabaseConfig) -> Snapshot:
    """Tables, columns, indexes, routines, triggers and every table's rows of a MySQL database."""
    schema = "table_schema = DATABASE()"
    async with config.provide_driver() as driver:
        tables = await driver.select(
            f"SELECT table_name AS name, table_type AS kind FROM information_schema.tables WHERE {schema} "
            "ORDER BY 1"
        )
        columns = await driver.select(
            "SELECT table_name, column_name, column_type, is_nullable, column_default "
            f"FROM information_schema.columns WHERE {schema} ORDER BY 1, 2"
        )
        indexes = await driver.select(
            "SELECT table_name, index_name, seq_in_index, column_name FROM information_schema.statistics "
            f"WHERE {schema} ORDER BY 1, 2, 3"
        )
        routines = await driver.select(
            "SELECT routine_name, routine_type, routine_definition FROM information_schema.routines "
            "WHERE routine_schema = DATABASE() ORDER BY 1"
        )
        triggers = await driver.select(
            "SELECT trigger_name, action_statement FROM information_schema.triggers "
            "WHERE trigger_schema = DATABASE() ORDER BY 1"
        )
        rows: dict[str, list[str]] = {}
        for table in tables:
            if table["kind"] == "BASE TABLE":
                records = await driver.select(f"SELECT * FROM `{table['name']}`")
                rows[table["name"]] = sorted(repr(tuple(record.values())) for record in records)
    return {
        "tables": [tuple(t.values()) for t in tables],
        "columns": [tuple(c.values()) for c in columns],
        "indexes": [tuple(i.values()) for i in indexes],
        "routines": [tuple(r.values()) for r in routines],
        "triggers": [tuple(t.values()) for t in triggers],
        "rows": rows,
    }
