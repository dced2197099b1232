"""Stop migrating ``sqlspec upgrade`` processes at random moments, then check nothing is half-done.

Four ways to stop a run, each a ``--signal`` kind:

- ``kill``: SIGKILL; the process dies on the spot, mid-statement or not.
- ``term`` / ``int``: SIGTERM / SIGINT; the CLI cancels the run, settles the statement in flight
  and exits 143 / 130 with one ``Error: interrupted...`` line (or 0 when it finished first).
- ``terminate-backend`` (PostgreSQL and MySQL): ``pg_terminate_backend`` / ``KILL <connection id>``
  on the migrating backend, from an admin connection; the command exits 1 with one ``Error:`` line.

On MySQL/MariaDB DDL commits by itself, so the migration holding DDL (the ``-- transactional:
false`` one elsewhere) runs statement by statement without the header, as sqlspec decides; the
other migrations are data only (one transaction each) and fill a shared table made with the marker
table before the run, and a filled migration's rows must number all or none.

After every trial: the version table agrees with the schema (every applied migration's objects exist,
no pending one's do, a partly applied migration's finished statements are done and nothing after
them is), no marker row was written twice, no run lock is left held, a SIGTERM/SIGINT run left no
``running`` row and its ``Error: interrupted`` line says what the database holds, a terminated
backend's ``running`` row comes with the right ``--interrupted`` advice, and a re-run completes
(``--resume``, and for a ``running`` row ``--interrupted ran|not-ran`` as the database shows), after
which every marker exists exactly once.

Half the signals aim at the non-transactional migration (timed by an uncut run), half anywhere in
the run. A signal that finds the process already exiting after a finished run, or still loading
before the run wrote anything, ends it silently; those are counted apart, not failed.

Run ``python -m stress.crash`` (or ``make crash``: 50 trials of each kind on SQLite, PostgreSQL and
MySQL/MariaDB; ``--signal`` picks one kind, ``--trials`` the number of each, ``--dialect`` one
database); the test suite runs a few trials of each. A failing trial keeps its scratch database (and
folder) and names it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import asyncpg

from sqlspec.dialects.mysql import lock_name

MIGRATIONS = 20
NON_TRANSACTIONAL = 10  # this revision runs statement by statement, outside a transaction
DSN = os.environ.get("SQLSPEC_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
MYSQL_DSN = os.environ.get("SQLSPEC_TEST_MYSQL_DSN", "mysql://root@127.0.0.1:3306/test")
DIALECTS = ("sqlite", "postgres", "mysql")
BACKEND_KINDS = ("postgres", "mysql")  # where ``terminate-backend`` applies
SQLSPEC = str(Path(sys.executable).parent / "sqlspec")
COMMAND = [SQLSPEC, "--config", "crash_config.config", "upgrade"]
KINDS = ("kill", "term", "int", "terminate-backend")
SIGNALS = {"kill": signal.SIGKILL, "term": signal.SIGTERM, "int": signal.SIGINT}
INTERRUPTED_EXIT = {"term": 143, "int": 130}
T = TypeVar("T")
MARKS = "crash_marks"  # one row per transactional migration and per marker statement of the other
FILL = "crash_rows"  # MySQL: the transactional migrations' rows (n, id), made before the run

ROWS = 60_000  # work per transactional migration, so that signals land inside migrations too
SLOW_SECONDS = 0.1  # a slow statement of the non-transactional migration (pg_sleep, SLEEP)
SLOW_SQLITE_ROWS = 400_000  # a recursive CTE this long takes ~50 ms on SQLite


def slow_rows(dialect: str, mark: str | None) -> str:
    """A query that takes a while; with ``mark``, one row holding it, else one count."""
    value = f"'{mark}'" if mark else "1"
    if dialect == "postgres":
        return f"SELECT {value} FROM pg_sleep({SLOW_SECONDS})"
    if dialect == "mysql":  # KILL QUERY makes it fail with 1317, inserting nothing
        if mark:
            return f"SELECT {value} FROM DUAL WHERE SLEEP({SLOW_SECONDS}) = 0"
        return f"DO SLEEP({SLOW_SECONDS})"
    return (
        f"SELECT {value} FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
        f"LIMIT {SLOW_SQLITE_ROWS}) SELECT count(*) FROM c)"
    )


def non_transactional_statements(dialect: str) -> list[tuple[str, str | None]]:
    """The non-transactional migration: (statement, the object it makes) in order.

    An object is ``table:<name>`` or ``mark:<name>`` (a row of the marker table), or ``None`` for a
    statement that leaves nothing behind. Slow statements sit between the others, so that signals
    land mid-statement; most of them write a marker, so whether one took effect is visible.
    """
    n = NON_TRANSACTIONAL

    def mark(k: int, slow: bool = False) -> tuple[str, str]:
        name = f"{n}.{k}"
        source = slow_rows(dialect, name) if slow else f"VALUES ('{name}')"
        return f"INSERT INTO {MARKS} (mark) {source}", f"mark:{name}"

    return [
        (f"CREATE TABLE t{n}_a (id INTEGER)", f"table:t{n}_a"),
        mark(2),
        mark(3, slow=True),
        (slow_rows(dialect, None), None),
        (f"CREATE TABLE t{n}_b (id INTEGER)", f"table:t{n}_b"),
        mark(6, slow=True),
        mark(7),
        mark(8, slow=True),
        (f"CREATE TABLE t{n}_c (id INTEGER)", f"table:t{n}_c"),
    ]


def transactional_objects(n: int, dialect: str) -> list[str]:
    if dialect == "mysql":  # no DDL: it would commit by itself
        return [f"rows:{n}", f"mark:m{n}"]
    return [f"table:t{n}", f"mark:m{n}"]


def write_migrations(folder: Path, dialect: str) -> None:
    """20 migrations; the first creates the marker table, each writes its objects; one non-transactional."""
    folder.mkdir(parents=True)
    for n in range(1, MIGRATIONS + 1):
        down = "None" if n == 1 else f"{n - 1:04d}"
        header = f"-- revision: {n:04d}\n-- down_revision: {down}\n-- description: m{n}\n"
        if n == NON_TRANSACTIONAL:
            if dialect != "mysql":  # MySQL: its DDL makes sqlspec run it statement by statement
                header += "-- transactional: false\n"
            body = "\n".join(f"{sql};" for sql, _ in non_transactional_statements(dialect))
        elif dialect == "mysql":
            # 400 x 150 rows: MariaDB stops a recursive CTE after max_recursive_iterations (1000)
            body = (
                f"INSERT INTO {FILL} (n, id) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
                f"FROM c WHERE x < 400) SELECT {n}, a.x * 1000 + b.x FROM c a JOIN c b "
                f"WHERE b.x <= {ROWS // 400};"
                f"\nINSERT INTO {MARKS} (mark) VALUES ('m{n}');"
            )
        else:
            fill = (
                f"INSERT INTO t{n} (id) SELECT generate_series(1, {ROWS});"
                if dialect == "postgres"
                else f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT {ROWS}) "
                f"INSERT INTO t{n} (id) SELECT x FROM c;"
            )
            marks = f"CREATE TABLE {MARKS} (mark VARCHAR(32) NOT NULL);\n" if n == 1 else ""
            body = (
                f"{marks}CREATE TABLE t{n} (id INTEGER);\n{fill}\nINSERT INTO {MARKS} (mark) VALUES ('m{n}');"
            )
        (folder / f"{n:04d}_m{n}.sql").write_text(f"{header}\n-- upgrade --\n{body}\n")


@dataclass
class Row:
    status: str
    progress: int | None
    applied_at: datetime
    execution_ms: int


@dataclass
class State:
    """What the database holds: tables, version rows and marker counts."""

    tables: set[str]
    rows: dict[int, Row]
    marks: Counter[str]
    filled: Counter[int] = field(default_factory=Counter)
    """MySQL: rows of the shared fill table by migration."""

    def has(self, thing: str) -> bool:
        kind, _, name = thing.partition(":")
        if kind == "rows":
            return self.filled[int(name)] > 0
        return name in self.tables if kind == "table" else self.marks[name] > 0

    def unfinished(self) -> Row | None:
        row = self.rows.get(NON_TRANSACTIONAL)
        return row if row is not None and row.status != "applied" else None

    def describe(self) -> str:
        rows = ", ".join(
            f"{n:04d}={r.status}" + (f"@{r.progress}" if r.status != "applied" else "")
            for n, r in sorted(self.rows.items())
        )
        tables = sorted(t for t in self.tables if t.startswith("t"))
        marks = ", ".join(f"{m}x{c}" for m, c in sorted(self.marks.items()))
        filled = f"; filled {dict(sorted(self.filled.items()))}" if self.filled else ""
        return f"version rows [{rows}]; tables {tables}; marks [{marks}]{filled}"


def _timestamp(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _mysql_arguments(database: str | None = None) -> dict[str, Any]:
    parts = urlsplit(MYSQL_DSN)
    arguments: dict[str, Any] = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "autocommit": True,
    }
    if database:
        arguments["database"] = database
    return arguments


async def _mysql_connect(database: str | None = None) -> Any:
    import asyncmy  # the ``mysql`` extra: only the MySQL trials need it

    return await asyncmy.connect(**_mysql_arguments(database))


async def _mysql_fetch(connection: Any, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    async with connection.cursor() as cursor:
        await cursor.execute(sql, params or None)
        return list(await cursor.fetchall()) if cursor.description else []


class Database:
    """A scratch database of one dialect, plain-SQL views of it, and an admin connection (servers)."""

    def __init__(self, dialect: str, folder: Path) -> None:
        self.dialect = dialect
        self.folder = folder
        self.name = f"sqlspec_crash_{uuid.uuid4().hex[:10]}"
        self.path = folder / "crash.db"
        self._loop = asyncio.new_event_loop() if dialect in BACKEND_KINDS else None

    @property
    def label(self) -> str:
        """What names this scratch database in a report."""
        where = {
            "postgres": f"PostgreSQL database {self.name}",
            "mysql": f"MySQL database {self.name}",
        }.get(self.dialect, f"SQLite file {self.path}")
        return f"{where} (migrations in {self.folder})"

    def _dsn(self) -> str:
        return (MYSQL_DSN if self.dialect == "mysql" else DSN).rpartition("/")[0] + "/" + self.name

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None
        return self._loop.run_until_complete(coroutine)

    def config_source(self) -> str:
        migrations = str(self.folder / "migrations")
        if self.dialect == "postgres":
            return (
                "from sqlspec.adapters.asyncpg import AsyncpgConfig\n"
                f"config = AsyncpgConfig(connection_config={{'dsn': {self._dsn()!r}}}, "
                f"migration_config={{'script_location': {migrations!r}, 'lock_timeout': 20}})\n"
            )
        if self.dialect == "mysql":
            return (
                "from sqlspec.adapters.asyncmy import AsyncmyConfig\n"
                f"config = AsyncmyConfig(connection_config={{'dsn': {self._dsn()!r}}}, "
                f"migration_config={{'script_location': {migrations!r}, 'lock_timeout': 20}})\n"
            )
        return (
            "from sqlspec.adapters.aiosqlite import AiosqliteConfig\n"
            f"config = AiosqliteConfig(connection_config={{'database': {str(self.path)!r}}}, "
            f"migration_config={{'script_location': {migrations!r}, 'lock_timeout': 20}})\n"
        )

    async def _admin(self, sql: str) -> None:
        if self.dialect == "mysql":
            connection = await _mysql_connect()
            try:
                for statement in sql.split(";\n"):
                    await _mysql_fetch(connection, statement)
            finally:
                await connection.ensure_closed()
            return
        connection = await asyncpg.connect(DSN)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    def create(self) -> None:
        if self.dialect == "postgres":
            self._run(self._admin(f'CREATE DATABASE "{self.name}"'))
        elif self.dialect == "mysql":
            self._run(
                self._admin(
                    f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4;\n"
                    f"CREATE TABLE `{self.name}`.{MARKS} (mark VARCHAR(32) NOT NULL) ENGINE=InnoDB;\n"
                    f"CREATE TABLE `{self.name}`.{FILL} "
                    "(n INTEGER NOT NULL, id INTEGER NOT NULL) ENGINE=InnoDB"
                )
            )

    def drop(self) -> None:
        if self.dialect == "postgres":
            self._run(self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        elif self.dialect == "mysql":
            self._run(self._admin(f"DROP DATABASE IF EXISTS `{self.name}`"))

    def close(self) -> None:
        if self._loop is not None:
            self._loop.close()

    # -- stopping a run by terminating its backend ----------------------------------------------

    def admin_connection(self) -> Any:
        if self.dialect == "mysql":
            return self._run(_mysql_connect())
        return self._run(asyncpg.connect(DSN))

    def close_admin(self, admin: Any) -> None:
        self._run(admin.ensure_closed() if self.dialect == "mysql" else admin.close())

    def _kill_mysql_migrator(self, admin: Any) -> bool:
        """``KILL`` the connection running a statement in the scratch database, or holding the run lock."""
        ids = self._run(
            _mysql_fetch(
                admin,
                "SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND "
                "((DB = %s AND INFO IS NOT NULL AND COMMAND = 'Query') OR ID = IS_USED_LOCK(%s))",
                self.name,
                lock_name(self.name, "sqlspec_version"),
            )
        )
        killed = False
        for (connection_id,) in ids:
            try:
                self._run(_mysql_fetch(admin, f"KILL {int(connection_id)}"))
                killed = True
            except Exception as error:  # asyncmy's MySQLError 1094: it ended meanwhile
                if not error.args or error.args[0] != 1094:
                    raise
        return killed

    def terminate_migrator(self, admin: Any, process: subprocess.Popen[str]) -> bool:
        """Terminate the migrating backend(s); True once one was terminated while the process ran.

        The migrating backend is the run lock's holder, or an active ``sqlspec`` session of the
        scratch database (before the lock is taken). Between two connections there is none: retry.
        """
        query = (
            "SELECT pg_terminate_backend(pid) FROM ("
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'sqlspec%' "
            "AND state = 'active' "
            "UNION SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = $1) AS migrating"
        )
        while process.poll() is None:
            if self.dialect == "mysql":
                if self._kill_mysql_migrator(admin):
                    return True
                time.sleep(0.002)
                continue
            terminated = self._run(admin.fetch(query, self.name))
            if any(row[0] for row in terminated):
                return True
            time.sleep(0.002)
        return False

    # -- reading -------------------------------------------------------------------------------

    def state(self) -> State:
        if self.dialect == "postgres":
            return self._run(self._postgres_state())
        if self.dialect == "mysql":
            return self._run(self._mysql_state())
        import fcntl
        import sqlite3

        lock_file = Path(f"{self.path}.sqlspec-lock")
        if lock_file.exists():  # the kernel dropped a dead or finished run's flock
            with lock_file.open("a") as probe:
                try:
                    fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise AssertionError("the run lock's flock outlived the stopped migrator") from None
                fcntl.flock(probe, fcntl.LOCK_UN)
        connection = sqlite3.connect(self.path, timeout=0.5)
        try:
            tables = {
                row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            rows = (
                connection.execute(
                    "SELECT version_num, status, progress, applied_at, execution_ms FROM sqlspec_version"
                ).fetchall()
                if "sqlspec_version" in tables
                else []
            )
            marks = connection.execute(f"SELECT mark FROM {MARKS}").fetchall() if MARKS in tables else []
            connection.execute("BEGIN IMMEDIATE")  # no lock left: a writer gets in at once
            connection.execute("ROLLBACK")
        finally:
            connection.close()
        return State(
            tables,
            {int(r[0]): Row(r[1], r[2], _timestamp(r[3]), r[4]) for r in rows},
            Counter(m[0] for m in marks),
        )

    async def _postgres_state(self) -> State:
        connection = await asyncpg.connect(self._dsn())
        try:
            deadline = time.monotonic() + 10
            held = (  # in this scratch database: other databases' runs are none of this trial's business
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            while await connection.fetchval(held):
                if time.monotonic() > deadline:
                    raise AssertionError("an advisory lock outlived the stopped migrator")
                await asyncio.sleep(0.05)  # the server notices a dead client within a second
            tables = {
                r["tablename"]
                for r in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")
            }
            rows = (
                await connection.fetch(
                    "SELECT version_num, status, progress, applied_at, execution_ms FROM sqlspec_version"
                )
                if "sqlspec_version" in tables
                else []
            )
            marks = await connection.fetch(f"SELECT mark FROM {MARKS}") if MARKS in tables else []
        finally:
            await connection.close()
        return State(
            tables,
            {int(r[0]): Row(r[1], r[2], r[3], r[4]) for r in rows},
            Counter(m["mark"] for m in marks),
        )

    async def _mysql_state(self) -> State:
        connection = await _mysql_connect(self.name)
        try:
            deadline = time.monotonic() + 10
            name = lock_name(self.name, "sqlspec_version")
            # The server frees GET_LOCK when the connection ends, after a statement in flight ends:
            # until then that statement may still commit.
            while (await _mysql_fetch(connection, "SELECT IS_USED_LOCK(%s)", name))[0][0] is not None:
                if time.monotonic() > deadline:
                    raise AssertionError("the run lock (GET_LOCK) outlived the stopped migrator")
                await asyncio.sleep(0.05)
            while await _mysql_fetch(
                connection,
                "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = %s AND ID <> CONNECTION_ID()",
                self.name,
            ):
                if time.monotonic() > deadline:
                    raise AssertionError("a connection of the stopped migrator outlived it")
                await asyncio.sleep(0.05)
            tables = {
                r[0]
                for r in await _mysql_fetch(
                    connection,
                    "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
                    self.name,
                )
            } - {MARKS, FILL}  # made before the run
            rows = (
                await _mysql_fetch(
                    connection,
                    "SELECT version_num, status, progress, applied_at, execution_ms FROM sqlspec_version",
                )
                if "sqlspec_version" in tables
                else []
            )
            marks = await _mysql_fetch(connection, f"SELECT mark FROM {MARKS}")
            filled = await _mysql_fetch(connection, f"SELECT n, count(*) FROM {FILL} GROUP BY n")
        finally:
            await connection.ensure_closed()
        return State(
            tables,
            {int(r[0]): Row(r[1], r[2], r[3].replace(tzinfo=UTC), r[4]) for r in rows},  # stored in UTC
            Counter(m[0] for m in marks),
            Counter({int(n): int(count) for n, count in filled}),
        )


# -- the invariants ---------------------------------------------------------------------------------


def check_consistent(state: State, dialect: str) -> None:
    """Assert the version table agrees with the schema and no marker was written twice."""
    twice = {mark: count for mark, count in state.marks.items() if count > 1}
    assert not twice, f"applied twice: marker rows {twice}"
    torn = {n: count for n, count in state.filled.items() if count != ROWS}
    assert not torn, f"a transactional migration's rows, not {ROWS} nor none: {torn}"
    statements = non_transactional_statements(dialect)
    for n in range(1, MIGRATIONS + 1):
        row = state.rows.get(n)
        status = row.status if row else "pending"
        if n != NON_TRANSACTIONAL:
            assert status in ("applied", "pending"), f"{n:04d}: a transactional migration is {status}"
            for made in transactional_objects(n, dialect):
                assert state.has(made) == (status == "applied"), (
                    f"{n:04d} is {status} but {made} {'exists' if state.has(made) else 'is missing'}"
                )
            continue
        objects: list[str | None] = [thing for _, thing in statements]
        if status == "applied":
            done, unknown = len(objects), None
        elif status == "pending":
            done, unknown = 0, None
        else:
            assert status in ("partial", "running"), f"{n:04d}: unknown status {status}"
            assert row is not None
            assert row.progress is not None, f"{n:04d} is {status} with no progress"
            done = row.progress
            unknown = done if status == "running" else None  # the statement in flight when it died
        for index, thing in enumerate(objects):
            if thing is None or index == unknown:
                continue
            expected = index < done
            assert state.has(thing) == expected, (
                f"{n:04d} is {status}"
                + (f" at {row.progress}" if row and status != "applied" else "")
                + f" but statement {index + 1}'s {thing} {'exists' if state.has(thing) else 'is missing'}"
            )
    applied = [n for n in range(1, MIGRATIONS + 1) if n in state.rows]
    assert applied == list(range(1, len(applied) + 1)), f"version rows out of order: {applied}"
    unfinished = [n for n, r in state.rows.items() if r.status != "applied"]
    assert not unfinished or unfinished == [max(applied)], f"rows after an unfinished one: {applied}"


def in_flight_object(row: Row, dialect: str) -> str | None:
    """For a ``running`` row: the object of the statement in flight (``None``: it leaves none)."""
    statements = non_transactional_statements(dialect)
    progress = row.progress or 0
    return statements[progress][1] if progress < len(statements) else None


def in_flight_took_effect(state: State, row: Row, dialect: str) -> bool:
    """For a ``running`` row: whether the statement in flight took effect, as the database shows."""
    thing = in_flight_object(row, dialect)
    return thing is not None and state.has(thing)


# -- trials -----------------------------------------------------------------------------------------


@dataclass
class Window:
    """When, after the process starts, its migrations run (seconds), measured by an uncut run."""

    full: float
    migrations_start: float
    non_transactional: tuple[float, float]


@dataclass
class Failure:
    trial: int
    delay: float
    database: str
    what: str
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    state: str = ""

    def __str__(self) -> str:
        lines = [
            f"trial {self.trial} (signal after {self.delay:.3f} s) on {self.database}: {self.what}",
            f"  exit code: {self.returncode}",
        ]
        if self.state:
            lines.append(f"  database: {self.state}")
        if self.stdout.strip():
            lines.append("  stdout: " + "\n          ".join(self.stdout.strip().splitlines()[-3:]))
        if self.stderr.strip():
            lines.append("  stderr: " + "\n          ".join(self.stderr.strip().splitlines()[-12:]))
        return "\n".join(lines)


@dataclass
class Outcome:
    """What the trials of one kind saw."""

    kind: str
    trials: int = 0
    stopped_mid_run: int = 0
    partial_left: int = 0
    running_left: int = 0
    delays: list[float] = field(default_factory=list)
    exit_codes: Counter[int] = field(default_factory=Counter)
    messages: Counter[str] = field(default_factory=Counter)
    """The last stderr lines of the stopped runs, numbers and paths left out: what an operator saw."""
    landed_at_exit: int = 0
    landed_before_run: int = 0
    """Signals that landed while the CLI loaded, before the run wrote anything: it ended silently."""
    """Signals that found the run finished and the process exiting: it died of the signal, silently."""
    failures: list[Failure] = field(default_factory=list)

    def summary(self) -> str:
        median = statistics.median(self.delays) if self.delays else float("nan")
        codes = ", ".join(f"{code}: {count}" for code, count in sorted(self.exit_codes.items()))
        return (
            f"{self.kind:>17}: {self.trials} trials, stopped mid-run {self.stopped_mid_run}, "
            f"left partial {self.partial_left}, left running {self.running_left}, "
            f"median delay {median:.2f} s, exit codes {{{codes}}}"
            + (f" ({self.landed_at_exit} as it exited after finishing)" if self.landed_at_exit else "")
            + (f" ({self.landed_before_run} before the run began)" if self.landed_before_run else "")
            + f", failures {len(self.failures)}"
        )


def _child_signals() -> None:
    # SIGINT as a terminal leaves it, even when this script runs where SIGINT is ignored.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _prepare(dialect: str, folder: Path) -> Database:
    write_migrations(folder / "migrations", dialect)
    database = Database(dialect, folder)
    (folder / "crash_config.py").write_text(database.config_source())
    database.create()
    return database


def _sqlspec(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_child_signals,
    )


def calibrate(dialect: str, folder: Path) -> Window:
    """Time one uncut upgrade, and when its migrations and its non-transactional one run."""
    database = _prepare(dialect, folder)
    try:
        wall_start, started = time.time(), time.monotonic()
        done = _sqlspec(folder)
        full = time.monotonic() - started
        assert done.returncode == 0, done.stderr
        state = database.state()
    finally:
        database.drop()
        database.close()
    first = state.rows[1]
    nt = state.rows[NON_TRANSACTIONAL]
    first_start = first.applied_at.timestamp() - first.execution_ms / 1000 - wall_start
    nt_start = nt.applied_at.timestamp() - wall_start  # its row is written as it starts
    return Window(full, max(first_start, 0.0), (nt_start, nt_start + nt.execution_ms / 1000))


def _check_exit(kind: str, returncode: int, stdout: str, stderr: str, state: State) -> str | None:
    """The command's exit: one ``Error:`` line as its last (or a completed run), never a traceback.

    Returns ``"after"`` when the signal found the run finished and the process exiting, or
    ``"before"`` when it landed before the run wrote anything, while the CLI loaded; either way the
    process ended silently (by the signal itself, or exit 130 from typer) and the database is whole.
    """
    assert "Traceback" not in stderr, "a traceback on stderr"
    lines = [line for line in stderr.splitlines() if line.strip()]
    if returncode == 0:
        assert "Applied" in stdout or "Nothing to apply" in stdout, f"exit 0 but stdout says {stdout!r}"
        return None
    silent = kind in SIGNALS and not lines and returncode in (-SIGNALS[kind], INTERRUPTED_EXIT.get(kind))
    if silent and state.unfinished() is None and len(state.rows) == MIGRATIONS:
        return "after"
    if silent and not state.rows and not state.tables:
        return "before"
    assert kind != "kill", "unreachable"
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1, f"expected one Error: line, got {lines}"
    assert lines[-1] == errors[0], f"the Error: line is not the last: {lines}"
    if kind in INTERRUPTED_EXIT:
        assert returncode == INTERRUPTED_EXIT[kind], f"exit {returncode}, expected {INTERRUPTED_EXIT[kind]}"
        assert errors[0].startswith("Error: interrupted"), f"the error line is {errors[0]!r}"
    else:
        assert returncode == 1, f"exit {returncode} after terminating the backend, expected 1"
    return None


def _check_message(stderr: str, state: State) -> None:
    """What the ``Error: interrupted`` line says was left is what the database holds."""
    line = ([text for text in stderr.splitlines() if text.strip()] or [""])[-1]
    nt = state.rows.get(NON_TRANSACTIONAL)
    if found := re.search(r"upgrade of (\d{4}) was interrupted and rolled back", line):
        revision = int(found[1])
        assert revision not in state.rows, f"the error says {revision:04d} was rolled back; it is recorded"
    elif found := re.search(r"interrupted after statement (\d+) of \d+ completed", line):
        said = (nt.status, nt.progress) if nt else None
        assert said == ("partial", int(found[1])), f"the error says statement {found[1]} completed: {said}"
    elif found := re.search(r"the database stopped statement (\d+) of \d+ before it took effect", line):
        said = (nt.status, nt.progress) if nt else None
        assert said == ("partial", int(found[1]) - 1), f"the error says statement {found[1]} stopped: {said}"


def _recover(database: Database, state: State) -> State:
    """Re-run as an operator would: plain upgrade, refused for an unfinished row, then --resume."""
    arguments: list[str] = []
    if (row := state.unfinished()) is not None:
        refused = _sqlspec(database.folder)
        lines = [line for line in refused.stderr.splitlines() if line.strip()]
        assert refused.returncode != 0, f"upgrade over a {row.status} row did not refuse: {refused.stdout}"
        assert len(lines) == 1, f"the refusal is not one line: {lines}"
        assert lines[0].startswith("Error:"), lines[0]
        if row.status == "running":
            assert "was interrupted" in lines[0], lines[0]
            assert "--resume --interrupted" in lines[0], lines[0]
            ran = in_flight_took_effect(state, row, database.dialect)
            arguments = ["--resume", "--interrupted", "ran" if ran else "not-ran"]
        else:
            assert "--resume" in lines[0], lines[0]
            arguments = ["--resume"]
    rerun = _sqlspec(database.folder, *arguments)
    assert rerun.returncode == 0, f"re-run {arguments} failed: {rerun.stderr.strip()}"
    after = database.state()
    check_consistent(after, database.dialect)
    pending = [
        n for n in range(1, MIGRATIONS + 1) if n not in after.rows or after.rows[n].status != "applied"
    ]
    assert not pending, f"after the re-run, not applied: {pending}"
    expected = {
        thing.partition(":")[2]
        for n in range(1, MIGRATIONS + 1)
        if n != NON_TRANSACTIONAL
        for thing in transactional_objects(n, database.dialect)
        if thing.startswith("mark:")
    }
    expected |= {
        thing.partition(":")[2]
        for _, thing in non_transactional_statements(database.dialect)
        if thing and thing.startswith("mark:")
    }
    assert set(after.marks) == expected, f"markers after the re-run: {sorted(after.marks)}"
    return after


def _trial(
    kind: str, trial: int, delay: float, folder: Path, dialect: str, outcome: Outcome
) -> tuple[Database, Failure | None]:
    database = _prepare(dialect, folder)
    admin = database.admin_connection() if kind == "terminate-backend" else None
    stage = "stopping the run"
    process: subprocess.Popen[str] | None = None
    stdout = stderr = ""
    state: State | None = None
    try:
        process = subprocess.Popen(
            COMMAND,
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_child_signals,
        )
        time.sleep(delay)
        if admin is not None:
            stopped = database.terminate_migrator(admin, process)
        else:
            stopped = process.poll() is None
            process.send_signal(SIGNALS[kind])
        try:
            stdout, stderr = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
            raise AssertionError("the stopped process did not exit within 60 s") from None
        outcome.delays.append(delay)
        outcome.stopped_mid_run += stopped
        outcome.exit_codes[process.returncode] += 1
        if last := [line for line in stderr.splitlines() if line.strip()][-1:]:
            outcome.messages[re.sub(r"\(/[^)]*\)|\d+(\.\d+)?", "N", last[0])[:300]] += 1
        stage = "the database after the stop"
        state = database.state()
        check_consistent(state, dialect)
        finished = state.unfinished() is None and len(state.rows) == MIGRATIONS
        if kind != "kill":
            stage = "the exit"
            silently = _check_exit(kind, process.returncode, stdout, stderr, state)
            outcome.landed_at_exit += silently == "after"
            outcome.landed_before_run += silently == "before"
            stage = "the database after the stop"
        if (row := state.unfinished()) is not None:
            outcome.partial_left += row.status == "partial"
            outcome.running_left += row.status == "running"
            if kind in INTERRUPTED_EXIT:
                assert row.status != "running", "a SIGTERM/SIGINT run left its row running, not settled"
            if kind == "terminate-backend" and row.status == "running" and in_flight_object(row, dialect):
                # The row cannot be written on a terminated connection; then the one error line
                # must name the statement's fate, which the server did report. (A statement with
                # nothing to see, such as a bare pg_sleep, may have finished just before: either
                # answer is right for it.)
                took_effect = in_flight_took_effect(state, row, dialect)
                assert took_effect or "--interrupted not-ran" in stderr, (
                    "the terminated backend's statement got an error from the server, so it took no "
                    "effect, yet the row says running (not partial) and the error does not say "
                    "`--interrupted not-ran`"
                )
            advised = set(re.findall(r"--interrupted (ran|not-ran)\b", stderr))
            if len(advised) == 1 and row.status == "running" and in_flight_object(row, dialect):
                took_effect = in_flight_took_effect(state, row, dialect)
                assert advised == {"ran" if took_effect else "not-ran"}, (
                    f"the error advises --interrupted {advised.pop()}, but statement "
                    f"{(row.progress or 0) + 1} {'took effect' if took_effect else 'took no effect'}"
                )
        if process.returncode == 0:
            assert finished, "exit 0 but not all applied"
        if kind in INTERRUPTED_EXIT and process.returncode == INTERRUPTED_EXIT[kind]:
            _check_message(stderr, state)
        stage = "the re-run"
        state = _recover(database, state)
    except Exception as error:  # an assertion, or anything else that stopped the trial
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        if not isinstance(error, AssertionError):
            error = AssertionError(f"{type(error).__name__}: {error}")
        if state is None:
            try:
                state = database.state()
            except Exception as reading:
                details = f"(cannot read it: {reading})"
            else:
                details = state.describe()
        else:
            details = state.describe()
        return database, Failure(
            trial,
            delay,
            database.label,
            f"{stage}: {error}",
            None if process is None else process.returncode,
            stdout,
            stderr,
            details,
        )
    finally:
        if admin is not None:
            database.close_admin(admin)
    return database, None


def run_trials(
    dialect: str,
    kinds: list[str],
    trials: int,
    folder: Path,
    seed: int | None = None,
    progress: bool = False,
) -> dict[str, Outcome]:
    """``trials`` stop-and-recover cycles of each kind; failing trials keep their scratch database."""
    chooser = random.Random(seed)
    window = calibrate(dialect, folder / "calibration")
    shutil.rmtree(folder / "calibration", ignore_errors=True)
    if progress:
        print(
            f"{dialect}: an uncut run takes {window.full:.2f} s; migrations from "
            f"{window.migrations_start:.2f} s, the non-transactional one "
            f"{window.non_transactional[0]:.2f}-{window.non_transactional[1]:.2f} s",
            flush=True,
        )
    outcomes: dict[str, Outcome] = {}
    for kind in kinds:
        outcome = outcomes[kind] = Outcome(kind)
        for trial in range(trials):
            # Half aim at the non-transactional migration, half anywhere its migrations run.
            low, high = window.non_transactional if trial % 2 else (window.migrations_start, window.full)
            delay = chooser.uniform(low, high)
            trial_folder = folder / f"{kind}{trial}"
            database, failure = _trial(kind, trial, delay, trial_folder, dialect, outcome)
            try:
                if failure is None:
                    database.drop()
                    shutil.rmtree(trial_folder, ignore_errors=True)
                else:
                    outcome.failures.append(failure)
                    if progress:
                        print(f"FAILED {dialect} {kind} {failure}", flush=True)
            finally:
                database.close()
            outcome.trials += 1
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=50, help="trials of each kind per database")
    parser.add_argument("--signal", choices=[*KINDS, "all"], default="all", dest="kind")
    parser.add_argument(
        "--dialect",
        choices=[*DIALECTS, "all", "both"],
        default="all",
        help="one database, or all (both: all)",
    )
    parser.add_argument("--seed", type=int, default=None)
    options = parser.parse_args()
    kinds = list(KINDS) if options.kind == "all" else [options.kind]
    started = time.monotonic()
    failed = 0
    root = Path(tempfile.mkdtemp(prefix="sqlspec-crash-"))
    for dialect in DIALECTS if options.dialect in ("all", "both") else [options.dialect]:
        dialect_kinds = [k for k in kinds if k != "terminate-backend" or dialect in BACKEND_KINDS]
        if not dialect_kinds:
            continue
        dialect_started = time.monotonic()
        outcomes = run_trials(dialect, dialect_kinds, options.trials, root / dialect, options.seed, True)
        print(f"{dialect} ({time.monotonic() - dialect_started:.0f} s):")
        for outcome in outcomes.values():
            print("  " + outcome.summary())
            for message, count in outcome.messages.most_common():
                print(f"      {count:3d} x {message}")
            for failure in outcome.failures:
                print("    " + str(failure).replace("\n", "\n    "))
            failed += len(outcome.failures)
    if failed:
        print(f"{failed} trial(s) failed; their scratch databases and folders are kept (under {root})")
    else:
        shutil.rmtree(root, ignore_errors=True)
    print(f"total {time.monotonic() - started:.0f} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
