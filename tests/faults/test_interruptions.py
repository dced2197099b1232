"""A statement cut off mid-run is settled, never recorded as failed when it may have completed.

Every test ends by resuming and checking the account's balance: a statement applied twice shows as
102 instead of 101.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import anyio
import asyncpg
import pytest

from sqlspec.exceptions import MigrationExecutionError, OutcomeUnknownError
from tests.faults.conftest import Project, error_line, finish, query, version_rows
from tests.migration_files import sql_migration

NON_TRANSACTIONAL = "-- transactional: false\n"
SQLITE_SLOW = (
    "(SELECT max(x) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
    "WHERE x < 40000000) SELECT x FROM c)) > 0"
)


def _account(project: Project) -> None:
    sql_migration(
        project.migrations,
        "0001",
        "acct",
        "CREATE TABLE acct (id INTEGER PRIMARY KEY, bal INTEGER NOT NULL);\n"
        "INSERT INTO acct (id, bal) VALUES (1, 100);",
        "DROP TABLE acct;",
    )


def _slow_credit(project: Project, *, transactional: bool = False) -> None:
    """0002: a quick statement, then a credit that takes seconds (the issue's reproduction)."""
    if project.dialect == "postgres":
        credit = "UPDATE acct SET bal = bal + 1 FROM (SELECT pg_sleep(5)) s;"
    elif project.dialect == "mysql":
        credit = "UPDATE acct SET bal = bal + 1 WHERE SLEEP(5) = 0;"
    else:
        credit = f"UPDATE acct SET bal = bal + 1 WHERE {SQLITE_SLOW};"
    sql_migration(
        project.migrations,
        "0002",
        "credit",
        f"SELECT 1;\n{credit}",
        down_revision="0001",
        extra_header="" if transactional else NON_TRANSACTIONAL,
    )


async def _balance(project: Project) -> int:
    rows = await query(project, "SELECT bal FROM acct WHERE id = 1")
    return int(rows[0]["bal"])


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
async def test_a_signal_mid_statement_waits_for_the_database_then_records_where_it_stopped(
    project: Project, signum: int, code: int
) -> None:
    _account(project)
    await project.config().migrate_up()
    _slow_credit(project)
    running = project.start("upgrade")
    await anyio.sleep(1.5)
    running.send_signal(signum)
    stopped = finish(running)
    line = error_line(stopped)
    assert stopped.returncode == code
    assert line.startswith("Error: interrupted: upgrade of 0002")
    assert "the database stopped statement 2 of 2 before it took effect" in line
    assert await _balance(project) == 100
    assert (await version_rows(project))["0002"] == ("partial", 1)
    resumed = project.run("upgrade", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert await _balance(project) == 101  # ran once: the killed UPDATE was not re-run on top of itself


async def test_a_killed_process_leaves_the_statement_open_and_resume_asks_what_happened(
    project: Project,
) -> None:
    _account(project)
    await project.config().migrate_up()
    _slow_credit(project)
    running = project.start("upgrade")
    await anyio.sleep(1.5)
    running.kill()
    finish(running)
    assert (await version_rows(project))["0002"] == ("running", 1)
    checked = project.run("check")
    assert checked.returncode == 1
    assert "0002 (0002_credit.sql) is being applied, or its run ended mid-statement" in checked.stdout
    refused = project.run("upgrade")
    line = error_line(refused)
    assert refused.returncode == 1
    assert "migration 0002 (0002_credit.sql) was interrupted" in line
    assert "statement 2 was running when its run ended" in line
    assert "UPDATE acct SET bal = bal + 1" in line
    assert "--interrupted ran" in line
    assert "--interrupted not-ran" in line
    assert "--interrupted" in error_line(project.run("upgrade", "--resume"))
    # PostgreSQL stops a dead client's statement (client_connection_check_interval) and SQLite's
    # journal rolls it back; MySQL lets it finish. The operator looks at the data and says which.
    await anyio.sleep(1.5 if project.dialect == "postgres" else 6 if project.dialect == "mysql" else 0)
    balance = await _balance(project)
    assert balance == (101 if project.dialect == "mysql" else 100)
    said = "ran" if balance == 101 else "not-ran"
    settled = project.run("upgrade", "--resume", "--interrupted", said)
    assert settled.returncode == 0, settled.stderr
    assert await _balance(project) == 101
    assert (await version_rows(project))["0002"] == ("applied", None)


@pytest.mark.postgres
async def test_a_statement_that_took_effect_is_skipped_when_the_operator_says_it_ran(
    postgres_project: Project,
) -> None:
    _account(postgres_project)
    await postgres_project.config().migrate_up()
    sql_migration(
        postgres_project.migrations,
        "0002",
        "credit",
        "UPDATE acct SET bal = bal + 1;\nSELECT pg_sleep(5);\nUPDATE acct SET bal = bal + 10;",
        down_revision="0001",
        extra_header=NON_TRANSACTIONAL,
    )
    running = postgres_project.start("upgrade")
    await anyio.sleep(1.5)
    running.kill()
    finish(running)
    assert (await version_rows(postgres_project))["0002"] == ("running", 1)
    settled = postgres_project.run("upgrade", "--resume", "--interrupted", "ran")
    assert settled.returncode == 0, settled.stderr
    assert await _balance(postgres_project) == 111


async def test_interrupted_is_refused_where_nothing_was_interrupted(project: Project) -> None:
    _account(project)
    await project.config().migrate_up()
    result = project.run("upgrade", "--resume", "--interrupted", "ran")
    assert result.returncode == 0  # up to date: nothing to settle, nothing run
    _slow_credit(project)
    result = project.run("upgrade", "--resume", "--interrupted", "ran")
    assert result.returncode == 2
    assert "none did" in error_line(result)
    assert await _balance(project) == 100


async def test_a_cancelled_api_call_settles_the_statement_before_the_cancellation_goes_on(
    project: Project,
) -> None:
    _account(project)
    config = project.config()
    await config.migrate_up()
    _slow_credit(project)
    with anyio.move_on_after(1.5) as scope:
        await config.migrate_up()
    assert scope.cancelled_caught
    assert await _balance(project) == 100
    assert (await version_rows(project))["0002"] == ("partial", 1)
    await config.migrate_up(resume=True)
    assert await _balance(project) == 101


async def test_wait_for_on_a_transactional_migration_raises_timeout_and_rolls_back(project: Project) -> None:
    _account(project)
    config = project.config()
    await config.migrate_up()
    _slow_credit(project, transactional=True)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(config.migrate_up(), 1.5)
    assert await _balance(project) == 100
    assert set(await version_rows(project)) == {"0001"}


async def test_ctrl_c_during_a_transactional_statement_is_one_line_and_rolls_back(project: Project) -> None:
    _account(project)
    await project.config().migrate_up()
    _slow_credit(project, transactional=True)
    running = project.start("upgrade")
    await anyio.sleep(1.5)
    running.send_signal(signal.SIGINT)
    stopped = finish(running)
    assert stopped.returncode == 130
    assert error_line(stopped) == "Error: interrupted: upgrade of 0002 was interrupted and rolled back"
    assert await _balance(project) == 100
    assert set(await version_rows(project)) == {"0001"}


async def _terminate_backend_running(project: Project, fragment: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        rows = await query(
            project,
            "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity "
            f"WHERE datname = current_database() AND query LIKE '%{fragment}%' AND pid <> pg_backend_pid()",
        )
        if rows:
            return
        await anyio.sleep(0.1)
    raise AssertionError("no backend ran the statement")


@pytest.mark.postgres
async def test_a_terminated_backend_mid_statement_is_recorded_honestly(postgres_project: Project) -> None:
    _account(postgres_project)
    await postgres_project.config().migrate_up()
    _slow_credit(postgres_project)
    running = postgres_project.start("upgrade")
    await _terminate_backend_running(postgres_project, "pg_sleep(5)")
    stopped = finish(running)
    line = error_line(stopped)
    assert stopped.returncode == 1
    assert "terminating connection due to administrator command" in line
    assert "took no effect" in line
    assert "--interrupted not-ran" in line
    assert "InterfaceError" not in line
    settled = postgres_project.run("upgrade", "--resume", "--interrupted", "not-ran")
    assert settled.returncode == 0, settled.stderr
    assert await _balance(postgres_project) == 101


@pytest.mark.postgres
async def test_a_terminated_backend_in_a_transaction_reports_the_migration_not_the_rollback(
    postgres_project: Project,
) -> None:
    _account(postgres_project)
    config = postgres_project.config()
    await config.migrate_up()
    _slow_credit(postgres_project, transactional=True)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(_terminate_backend_running, postgres_project, "pg_sleep(5)")
        with pytest.raises(MigrationExecutionError) as caught:
            await config.migrate_up()
    message = str(caught.value)
    assert "terminating connection due to administrator command" in message
    assert "it was rolled back" in message
    assert "connection holding the migration lock was lost" in message
    assert "InterfaceError" not in message
    assert await _balance(postgres_project) == 100
    assert set(await version_rows(postgres_project)) == {"0001"}


@pytest.mark.postgres
async def test_an_idle_session_timeout_stops_the_run_before_anything_more_commits(
    postgres_project: Project, postgres_dsn: str
) -> None:
    sql_migration(postgres_project.migrations, "0001", "a", "CREATE TABLE a (x INTEGER);", "DROP TABLE a;")
    # A long statement keeps its connection busy, so the timeout cannot take the lock away.
    sql_migration(
        postgres_project.migrations,
        "0002",
        "long",
        "INSERT INTO a VALUES (1);\nSELECT pg_sleep(2);",
        down_revision="0001",
    )
    # A Python migration computing outside a transaction leaves its connection idle for longer
    # than the timeout (the heartbeat beats every second, so a timeout of a few seconds never fires).
    (postgres_project.migrations / "0003_idle.py").write_text(
        '"""idle\n\nRevision ID: 0003\nDown Revision: 0002\n"""\nimport time\n\ntransactional = False\n\n\n'
        "def upgrade(driver):\n    driver.execute('INSERT INTO a VALUES (3)')\n    time.sleep(2.5)\n"
        "    driver.execute('INSERT INTO a VALUES (4)')\n"
    )
    sql_migration(
        postgres_project.migrations,
        "0004",
        "after",
        "CREATE TABLE after_ (x INTEGER);",
        "",
        down_revision="0003",
    )
    admin = await asyncpg.connect(postgres_dsn)
    try:
        database = postgres_dsn.rpartition("/")[2]
        await admin.execute(f"ALTER DATABASE \"{database}\" SET idle_session_timeout = '500ms'")
    finally:
        await admin.close()
    with pytest.raises(OutcomeUnknownError) as caught:
        await postgres_project.config().migrate_up()
    assert "connection holding the migration lock was lost" in str(caught.value)
    assert "--interrupted" in str(caught.value)
    rows = await version_rows(postgres_project)
    assert rows["0001"] == ("applied", None)
    assert rows["0002"] == ("applied", None)
    assert rows["0003"] == ("running", None)  # what upgrade() did is for the operator to judge
    assert "0004" not in rows
    assert [row["x"] for row in await query(postgres_project, "SELECT x FROM a ORDER BY x")] == [1, 3]
    assert not await query(postgres_project, "SELECT 1 FROM pg_tables WHERE tablename = 'after_'")


def _slow_commit(project: Project) -> None:
    """0002: quick statements whose COMMIT takes 3 s (a deferred constraint trigger sleeps)."""
    sql_migration(
        project.migrations,
        "0002",
        "slow_commit",
        "CREATE TABLE slow (id INTEGER);\n"
        "CREATE FUNCTION slow_check() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN PERFORM pg_sleep(3); RETURN NULL; END $$;\n"
        "CREATE CONSTRAINT TRIGGER slow_at_commit AFTER INSERT ON slow DEFERRABLE INITIALLY DEFERRED\n"
        "FOR EACH ROW EXECUTE FUNCTION slow_check();\n"
        "INSERT INTO slow VALUES (1);",
        down_revision="0001",
    )


@pytest.mark.postgres
async def test_wait_for_during_the_commit_times_out_after_it_and_the_migration_is_applied(
    postgres_project: Project,
) -> None:
    """asyncio's own Task.cancel (wait_for) does not cut a COMMIT already sent either."""
    project = postgres_project
    _account(project)
    config = project.config()
    await config.migrate_up()
    _slow_commit(project)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(config.migrate_up(), 1.5)
    assert time.monotonic() - started > 2.5  # the wait outlasted the timeout: the COMMIT finished
    assert set(await version_rows(project)) == {"0001", "0002"}
    assert await query(project, "SELECT id FROM slow") == [{"id": 1}]


@pytest.mark.postgres
@pytest.mark.parametrize("times", [1, 2], ids=["once", "twice"])
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
async def test_a_signal_during_the_commit_waits_for_it_and_the_migration_is_applied(
    postgres_project: Project, signum: signal.Signals, code: int, times: int
) -> None:
    """A COMMIT already sent is waited for, not cut: the migration is applied whole, and the line
    does not claim a rollback. A second signal meanwhile changes nothing (it met SIGTERM's default
    action once, which ended the process with no line)."""
    project = postgres_project
    _account(project)
    await project.config().migrate_up()
    _slow_commit(project)
    running = project.start("upgrade")
    await _wait_for_the_commit(project)  # its statements ran at once; the COMMIT runs the trigger
    for _ in range(times):
        running.send_signal(signum)
        await anyio.sleep(0.3)
    stopped = finish(running)
    assert stopped.returncode == code
    assert error_line(stopped) == "Error: interrupted; what finished before stays done, see `sqlspec history`"
    assert set(await version_rows(project)) == {"0001", "0002"}
    assert await query(project, "SELECT id FROM slow") == [{"id": 1}]


def _refused_commit(project: Project) -> None:
    """0001: quick statements whose COMMIT takes 3 s and is then refused (a deferred trigger)."""
    sql_migration(
        project.migrations,
        "0001",
        "refused_commit",
        "CREATE TABLE refused (id INTEGER);\n"
        "CREATE FUNCTION refuse_late() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN PERFORM pg_sleep(3); RAISE EXCEPTION 'refused at commit'; END $$;\n"
        "CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON refused DEFERRABLE INITIALLY DEFERRED\n"
        "FOR EACH ROW EXECUTE FUNCTION refuse_late();\n"
        "INSERT INTO refused VALUES (1);",
    )


@pytest.mark.postgres
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
async def test_a_signal_stops_the_run_even_when_the_commit_it_waited_for_then_fails(
    postgres_project: Project, signum: signal.Signals, code: int
) -> None:
    """The COMMIT is waited for after the signal, and the server refuses it: that failure must not
    read as an ordinary one, after which the run goes on to its next target. It stops, with the
    signal's exit code and one line naming what happened; the next target is not touched."""
    project = postgres_project
    _refused_commit(project)
    second = project.root / "second.db"  # the next target: a SQLite file with the same folder
    (project.root / "faultcfg.py").write_text(
        "from sqlspec.adapters.aiosqlite import AiosqliteConfig\n"
        "from sqlspec.adapters.asyncpg import AsyncpgConfig\n"
        f"folder = {{'script_location': {str(project.migrations)!r}}}\n"
        "config = [\n"
        f"    AsyncpgConfig(connection_config={{'dsn': {project.target!r}}}, migration_config=folder,"
        " bind_key='a'),\n"
        f"    AiosqliteConfig(connection_config={{'database': {str(second)!r}}}, migration_config=folder,"
        " bind_key='b'),\n"
        "]\n"
    )
    running = project.start("--concurrency", "1", "upgrade")  # the two targets one after the other
    await _wait_for_the_commit(project)
    running.send_signal(signum)
    stopped = finish(running)
    assert stopped.returncode == code, stopped.stdout + stopped.stderr
    line = error_line(stopped)
    assert line.startswith("Error: interrupted: ")
    assert "refused at commit" in line
    assert "== b" not in stopped.stdout  # the next target was never started
    assert not second.exists()
    summary = {line.split()[0]: line.split()[1] for line in stopped.stdout.splitlines()[-2:]}
    assert summary == {"a": "interrupted", "b": "skipped"}
    assert await query(project, "SELECT 1 FROM pg_tables WHERE tablename = 'refused'") == []


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_outside_an_engine_call_is_one_line_with_its_exit_code(
    tmp_path: Path, signum: signal.Signals, code: int
) -> None:
    """Between engine calls (here: a config that is slow to load, as one fetching a secret is)
    SIGTERM stopped the process outright, with no line and no summary; it stops as Ctrl-C does."""
    project = Project("sqlite", tmp_path, str(tmp_path / "app.db"))
    project.migrations.mkdir()
    project.write_config()
    source = (tmp_path / "faultcfg.py").read_text()
    (tmp_path / "faultcfg.py").write_text(
        f"import time\nprint('loading', flush=True)\ntime.sleep(30)\n{source}"
    )
    running = project.start("history", "--json")
    assert running.stdout is not None
    assert running.stdout.readline().strip() == "loading"
    running.send_signal(signum)
    stopped = finish(running)
    assert stopped.returncode == code, stopped.stderr
    assert error_line(stopped) == "Error: interrupted; nothing was changed"
    document = json.loads(stopped.stdout)  # --json: still the one document
    assert document["exit_code"] == code
    assert document["error"]["type"] == ("Terminated" if signum == signal.SIGTERM else "Interrupted")


def _python(script: Path) -> subprocess.Popen[str]:
    """Start ``python script`` in its folder, as a user's script runs."""
    return subprocess.Popen(
        [sys.executable, script.name],
        cwd=script.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def _wait_for_the_commit(project: Project) -> None:
    """Until a backend of ``project``'s database runs a COMMIT (its deferred trigger)."""
    watcher = await asyncpg.connect(project.target)
    try:
        for _ in range(200):
            if await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'COMMIT%' AND state = 'active' "
                "AND datname = current_database() AND pid <> pg_backend_pid()"
            ):
                return
            await anyio.sleep(0.05)
        pytest.fail("the COMMIT was never seen running")
    finally:
        await watcher.close()


@pytest.mark.postgres
async def test_ctrl_c_stops_a_script_of_sync_calls_even_when_the_commit_then_fails(
    postgres_project: Project,
) -> None:
    """The sync API's Ctrl-C is a KeyboardInterrupt whatever the call did after it: a script that
    catches SQLSpecError and goes on to its next database must stop there, not apply it."""
    project = postgres_project
    _refused_commit(project)
    other = project.root / "other"
    other.mkdir()
    sql_migration(other, "0001", "plain", "CREATE TABLE plain (id INTEGER);")
    second = project.root / "second.db"
    (project.root / "script.py").write_text(
        "from sqlspec.adapters.asyncpg import AsyncpgSyncConfig\n"
        "from sqlspec.adapters.sqlite import SqliteConfig\n"
        "from sqlspec.exceptions import SQLSpecError\n"
        f"first = AsyncpgSyncConfig(connection_config={{'dsn': {project.target!r}}},"
        f" migration_config={{'script_location': {str(project.migrations)!r}}})\n"
        f"second = SqliteConfig(connection_config={{'database': {str(second)!r}}},"
        f" migration_config={{'script_location': {str(other)!r}}})\n"
        "for config in (first, second):\n"
        "    try:\n"
        "        config.migrate_up()\n"
        "    except SQLSpecError as error:\n"
        "        print('failed:', error, flush=True)\n"
        "print('done', flush=True)\n"
    )
    running = _python(project.root / "script.py")
    await _wait_for_the_commit(project)
    running.send_signal(signal.SIGINT)
    stopped = finish(running)
    assert stopped.returncode == -signal.SIGINT, stopped.stdout + stopped.stderr  # Python's own Ctrl-C exit
    assert stopped.stdout == ""  # neither "failed:" nor "done": the loop never went on
    assert "KeyboardInterrupt" in stopped.stderr
    assert "refused at commit" in stopped.stderr  # what the COMMIT did is in the traceback
    assert not second.exists()


@pytest.mark.postgres
def test_a_concurrent_fleet_stopped_while_a_commit_is_refused_reports_a_stop(
    postgres_project: Project,
) -> None:
    """As for one target: a failure that follows the signal is reported as the stop it is, with
    the signal's code in the target's document and the failure in its message."""
    project = postgres_project
    _refused_commit(project)
    other = project.root / "other"
    other.mkdir()
    sql_migration(other, "0001", "plain", "CREATE TABLE plain (id INTEGER);")
    (project.root / "faultcfg.py").write_text(
        "from sqlspec.adapters.aiosqlite import AiosqliteConfig\n"
        "from sqlspec.adapters.asyncpg import AsyncpgConfig\n"
        "config = [\n"
        f"    AsyncpgConfig(connection_config={{'dsn': {project.target!r}}},"
        f" migration_config={{'script_location': {str(project.migrations)!r}}}, bind_key='a'),\n"
        f"    AiosqliteConfig(connection_config={{'database': {str(project.root / 'b.db')!r}}},"
        f" migration_config={{'script_location': {str(other)!r}}}, bind_key='b'),\n"
        "]\n"
    )
    running = project.start("--concurrency", "2", "upgrade", "--json")
    anyio.run(_wait_for_the_commit, project)
    running.send_signal(signal.SIGTERM)
    stopped = finish(running)
    assert stopped.returncode == 143, stopped.stderr
    first = json.loads(stopped.stdout)["a"]
    assert first["exit_code"] == 143
    assert first["error"]["type"] == "Terminated"
    assert "refused at commit" in first["error"]["message"]
    assert "interrupted" in first["status"]
    assert "failed" not in stopped.stderr  # one line for the stop, none for the refusal
