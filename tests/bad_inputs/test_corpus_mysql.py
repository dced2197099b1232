"""The CLI bad-input corpus on MySQL/MariaDB (``mysql`` marker, ``mysql_dsn`` fixture).

The same contract as :mod:`tests.bad_inputs.test_corpus` (exit code, one ``Error: ...`` line with
the case's words, no traceback, database and migration folder unchanged), through the real CLI and
``AsyncmyConfig``, on a scratch MariaDB database per case:

- every corpus case that runs on PostgreSQL and is not about PostgreSQL itself (its DSN, roles,
  advisory lock, syntax) runs here too, but for the few whose outcome differs on MySQL by design
  (:data:`NOT_ON_MYSQL` says why; Python migrations that run DDL are refused with MySQL's own words,
  :data:`MYSQL_WORDS`);
- the cases only MySQL has: an unreachable server, a user that does not exist and a wrong password
  (the login refused), a database that does not exist, a data-only migration that fails part-way
  (rolled back: data unchanged), a DDL migration whose first statement fails (schema and data
  unchanged; the only change is the ``partial`` version row that ``upgrade --resume`` needs, as
  docs/mysql.md says), and the run lock (``GET_LOCK``) held by another connection past
  ``lock_timeout``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import asyncmy
import pytest

from sqlspec.adapters.asyncmy import AsyncmyConfig
from sqlspec.dialects.mysql import lock_name
from tests.bad_inputs.corpus import CASES
from tests.bad_inputs.harness import (
    MIGRATIONS,
    OMIT,
    Case,
    Dialect,
    Snapshot,
    Workspace,
    _files,
    dsn_with,
    held_elsewhere,
    mysql_snapshot,
    one_line_error,
)
from tests.bad_inputs.test_corpus import _assert_refused, _context, run_case

pytestmark = pytest.mark.mysql

MYSQL = cast(Dialect, "mysql")
_TEMPLATE = (
    "from sqlspec.adapters.asyncmy import AsyncmyConfig\n\n"
    "config = AsyncmyConfig(connection_config={connection}, migration_config={migration})\n"
)


class MysqlWorkspace(Workspace):
    """The corpus' project folder, with a MySQL/MariaDB database (``target`` is its DSN)."""

    def connection(self) -> dict[str, Any]:
        return {"dsn": self.target}

    def render_config(
        self,
        *,
        connection: dict[str, Any] | None = None,
        migration: Any = None,
        template: str = _TEMPLATE,
    ) -> str:
        settings: dict[str, object] = {"script_location": MIGRATIONS}
        for key, value in (migration or {}).items():
            if value is OMIT:
                settings.pop(key, None)
            else:
                settings[key] = value
        return template.format(
            module="sqlspec.adapters.asyncmy",
            adapter="AsyncmyConfig",
            connection=repr(connection if connection is not None else self.connection()),
            migration=repr(settings),
        )

    def _config(self) -> AsyncmyConfig:
        return AsyncmyConfig(connection_config={"dsn": self.target})

    def snapshot(self) -> Snapshot:
        return {"database": asyncio.run(mysql_snapshot(self._config())), "files": _files(self.migrations)}

    def execute(self, *statements: str) -> None:
        async def run() -> None:
            async with self._config().provide_driver() as driver:
                for statement in statements:
                    await driver.execute(statement)

        asyncio.run(run())

    def version_rows(self, table: str = "sqlspec_version") -> list[tuple[str, str]]:
        async def run() -> list[tuple[str, str]]:
            async with self._config().provide_driver() as driver:
                rows = await driver.select(
                    f"SELECT version_num, checksum FROM `{table}` ORDER BY install_order"
                )
            return [(str(row["version_num"]), str(row["checksum"])) for row in rows]

        return asyncio.run(run())


@contextmanager
def hold_get_lock(dsn: str) -> Iterator[None]:
    """Hold sqlspec's ``GET_LOCK`` for this database's version table on another connection."""
    database = dsn.rpartition("/")[2]

    async def hold(wait: Callable[[], Awaitable[None]]) -> None:
        parts = dsn_with(dsn)  # normalised: user@host:port/database
        host_port = parts.split("@", 1)[1].split("/", 1)[0]
        host, _, port = host_port.partition(":")
        user = parts.split("://", 1)[1].split("@", 1)[0].split(":", 1)[0]
        connection = await asyncmy.connect(host=host, port=int(port), user=user, database=database)
        try:
            async with connection.cursor() as cursor:
                await cursor.execute("SELECT GET_LOCK(%s, 0)", (lock_name(database, "sqlspec_version"),))
                await wait()
        finally:
            connection.close()

    with held_elsewhere(hold, "get-lock-holder"):
        yield


def _mysql_lock(ws: Workspace) -> AbstractContextManager[object]:
    return hold_get_lock(ws.target)


def _unreachable(connection: dict[str, Any]) -> dict[str, Any]:
    return {"dsn": dsn_with(str(connection["dsn"]), port=1)}


def _no_such_user(connection: dict[str, Any]) -> dict[str, Any]:
    return {"dsn": dsn_with(str(connection["dsn"]), user="sqlspec_no_such_user")}


def _wrong_password(connection: dict[str, Any]) -> dict[str, Any]:
    return {"dsn": dsn_with(str(connection["dsn"]), user="root:sqlspec-wrong-password")}


def _no_such_database(connection: dict[str, Any]) -> dict[str, Any]:
    return {"dsn": dsn_with(str(connection["dsn"]), database="sqlspec_no_such_database")}


_SEED_DUPLICATE = (
    "-- revision: 0002\n-- down_revision: 0001\n-- description: seed\n\n-- upgrade --\n"
    "INSERT INTO items (id, name) VALUES (10, 'fig');\n"
    "INSERT INTO items (id, name) VALUES (1, 'duplicate of the baseline row');\n\n"
    "-- downgrade --\nDELETE FROM items WHERE id = 10;\n"
)
_DDL_FIRST_FAILS = (
    "-- revision: 0002\n-- down_revision: 0001\n-- description: ddl\n\n-- upgrade --\n"
    "ALTER TABLE no_such_table ADD COLUMN extra INTEGER;\n"
    "CREATE TABLE t2 (id INTEGER);\n\n"
    "-- downgrade --\nDROP TABLE t2;\n"
)

MYSQL_CASES: tuple[Case, ...] = (
    Case(
        name="mysql-unreachable",
        topic="connection",
        connection=_unreachable,
        exit_code=1,
        words=("cannot connect to MySQL",),
    ),
    Case(
        name="mysql-user-does-not-exist",
        topic="login",
        connection=_no_such_user,
        exit_code=1,
        words=("cannot connect to MySQL", "Access denied", "sqlspec_no_such_user"),
    ),
    Case(
        name="mysql-wrong-password",
        topic="login",
        connection=_wrong_password,
        exit_code=1,
        words=("cannot connect to MySQL", "Access denied"),
    ),
    Case(
        name="mysql-database-does-not-exist",
        topic="missing-database",
        connection=_no_such_database,
        exit_code=1,
        words=("cannot connect to MySQL", "sqlspec_no_such_database"),
    ),
    Case(
        name="mysql-data-migration-fails-part-way",
        topic="migration-fails",
        files={"0002_seed.sql": _SEED_DUPLICATE},
        exit_code=1,
        words=("upgrade of 0002 failed", "statement 2", "Duplicate entry", "rolled back"),
    ),
    Case(
        name="mysql-ddl-migration-first-statement-fails",
        topic="migration-fails",
        files={"0002_ddl.sql": _DDL_FIRST_FAILS},
        exit_code=1,
        words=("upgrade of 0002 stopped at statement 1 of 2", "no_such_table", "nothing ran before it"),
    ),
    Case(
        name="mysql-lock-held-upgrade",
        topic="lock",
        files={"0002_next.sql": "-- revision: 0002\n-- down_revision: 0001\n\n-- upgrade --\nSELECT 1;\n"},
        migration={"lock_timeout": 0.5},
        hold=_mysql_lock,
        exit_code=1,
        words=("gave up waiting for the migration lock after 0.5s",),
    ),
    Case(
        name="mysql-lock-held-downgrade",
        topic="lock",
        argv=("downgrade", "-1", "--no-prompt"),
        migration={"lock_timeout": 0.5},
        hold=_mysql_lock,
        exit_code=1,
        words=("gave up waiting for the migration lock",),
    ),
)


_PY_DDL_REFUSED = "a transactional Python migration that runs DDL is refused on MySQL (MYSQL_WORDS)"
_STEPWISE = "a DDL statement runs first: on MySQL the migration runs statement by statement (docs/mysql.md)"
NOT_ON_MYSQL = {
    "sql-nul-byte-in-statement": "MariaDB stores a NUL byte in a string literal; PostgreSQL refuses it",
    "sql-failing-statement": _STEPWISE,
    "large-sql-failing-last-statement": _STEPWISE,
    "sql-downgrade-fails": _STEPWISE,
    "sql-unterminated-dollar-quote": "dollar quotes are PostgreSQL's",
    "sql-concurrently-in-transaction": "CREATE INDEX CONCURRENTLY is PostgreSQL's",
    "sql-vacuum-in-transaction": "VACUUM is PostgreSQL's and SQLite's",
    "bom-py": _PY_DDL_REFUSED,
    "crlf-py": _PY_DDL_REFUSED,
    "py-downgrade-raises": _PY_DDL_REFUSED + " (its baseline is such a migration)",
}
"""Shared cases whose outcome differs on MySQL by design, and why (MYSQL_CASES covers the topics)."""
_PY_DDL = ("commits the migration's transaction by itself on mysql", "transactional = False")
MYSQL_WORDS = dict.fromkeys(
    ("py-upgrade-raises", "py-async-upgrade-raises", "py-upgrade-bad-sql", "py-upgrade-calls-sys-exit"),
    _PY_DDL,
)
"""Python migrations that run DDL in a transaction are refused at that call on MySQL, before their error."""
RESUMABLE = {"mysql-ddl-migration-first-statement-fails"}
"""Cases that leave a ``partial`` version row (nothing else) for ``upgrade --resume``."""


def _shared(case: Case) -> bool:
    """A corpus case that runs on PostgreSQL and is not about PostgreSQL itself."""
    return (
        "postgres" in case.dialects
        and not case.name.startswith("postgres-")
        and case.hold is None
        and case.connection is None
        and case.name not in NOT_ON_MYSQL
    )


def _params() -> list[object]:
    params: list[object] = []
    shared = (replace(case, words=MYSQL_WORDS.get(case.name, case.words)) for case in CASES if _shared(case))
    for case in (*shared, *MYSQL_CASES):
        marks = [pytest.mark.xfail(reason=f"product bug: {case.bug}", strict=True)] if case.bug else []
        params.append(pytest.param(case, marks=marks, id=f"{case.name}-mysql"))
    return params


@pytest.mark.parametrize("case", _params())
def test_bad_input_on_mysql(
    case: Case, mysql_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if case.skip_reason is not None and (reason := case.skip_reason()):
        pytest.skip(reason)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("SQLSPEC_CONFIG", raising=False)
    refused = _assert_refused_resumable if case.name in RESUMABLE else _assert_refused
    run_case(MysqlWorkspace.create(tmp_path, MYSQL, mysql_dsn), case, _assert_worked, refused)


def _assert_worked(ws: Workspace, case: Case, result: Any, applied_before: list[str]) -> None:
    """Exit 0, no error output, the migrations applied and their tables made."""
    assert result.exit_code == 0, _context(result)
    assert result.stderr == "", _context(result)
    for word in case.words:
        assert word in result.stdout, _context(result)
    assert [version for version, _ in ws.version_rows()] == [*applied_before, *case.applies]
    tables = {name for name, _ in ws.snapshot()["database"]["tables"]}
    for table in case.creates:
        assert table in tables, f"{table} was not created: {tables}"


def _assert_refused_resumable(ws: Workspace, case: Case, result: Any, before: Snapshot) -> None:
    """Refused, schema and data unchanged; the version table gains the ``partial`` row, no more."""
    failed = ws.snapshot()
    before_rows = before["database"]["rows"].pop("sqlspec_version")
    after_rows = failed["database"]["rows"].pop("sqlspec_version")
    versions = ws.version_rows()
    assert result.exit_code == case.exit_code, _context(result)
    line = one_line_error(result)
    for word in case.words:
        assert word in line, f"{word!r} is not in {line!r}"
    assert failed == before, "the command changed the schema, the data or the migration folder"
    assert after_rows[: len(before_rows)] == before_rows
    assert len(after_rows) == len(before_rows) + 1
    assert "'partial', 0," in after_rows[-1], after_rows[-1]
    assert versions[-1][0] == "0002"


def test_the_mysql_corpus_covers_the_database_cases() -> None:
    topics = {case.topic for case in MYSQL_CASES}
    assert {"connection", "login", "missing-database", "migration-fails", "lock"} <= topics
    assert sum(1 for case in CASES if _shared(case)) >= 30
