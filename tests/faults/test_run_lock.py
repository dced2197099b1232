"""The run lock under real faults: live holders are waited for, dead ones free it, stopped ones time out.

Each test starts real ``sqlspec`` processes against a real database and checks, afterwards, that
every migration ran exactly once and the version table says so.
"""

from __future__ import annotations

import signal
import sqlite3
import threading

import anyio
import asyncpg
import pytest

from sqlspec.dialects.postgres import advisory_key
from sqlspec.exceptions import LockTimeoutError
from tests.faults.conftest import Project, error_line, finish, query, version_rows
from tests.migration_files import py_migration, sql_migration

SLOW_PYTHON = """
import time

transactional = {transactional}


def upgrade(driver):
    driver.execute("INSERT INTO t (x) VALUES (1)")
    time.sleep({seconds})  # computing between queries: the connection sits idle meanwhile
    driver.execute("INSERT INTO t (x) VALUES (2)")
"""


def _base(project: Project) -> None:
    sql_migration(project.migrations, "0001", "t", "CREATE TABLE t (x INTEGER);", "DROP TABLE t;")


async def test_a_second_upgrade_waits_for_a_live_migrator_and_never_reruns_its_work(project: Project) -> None:
    # The reproduction: a non-transactional Python migration computing for longer than
    # lock_timeout plus the silence window; a second upgrade starts meanwhile.
    _base(project)
    await project.config().migrate_up()
    py_migration(
        project.migrations,
        "0002",
        "slow",
        SLOW_PYTHON.format(transactional=False, seconds=7),
        down_revision="0001",
    )
    project.write_config(lock_timeout=1)
    first = project.start("upgrade")
    await anyio.sleep(1.5)
    second = project.run("upgrade")
    first_result = finish(first)
    assert first_result.returncode == 0, first_result.stderr
    assert second.returncode == 0, second.stderr
    assert "--resume" not in second.stdout + second.stderr  # never for a migration that is running
    assert "Nothing to apply" in second.stdout
    assert "waiting for the migration lock" in second.stderr
    assert "which is alive" in second.stderr
    resumed = project.run("upgrade", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert [row["x"] for row in await query(project, "SELECT x FROM t ORDER BY x")] == [1, 2]
    assert await version_rows(project) == {"0001": ("applied", None), "0002": ("applied", None)}


async def test_a_stopped_holder_times_out_its_waiters_and_they_change_nothing(project: Project) -> None:
    _base(project)
    await project.config().migrate_up()
    py_migration(
        project.migrations,
        "0002",
        "slow",
        SLOW_PYTHON.format(transactional=True, seconds=3),
        down_revision="0001",
    )
    project.write_config(lock_timeout=1)
    holder = project.start("upgrade")
    await anyio.sleep(1.5)
    holder.send_signal(signal.SIGSTOP)  # alive to the kernel, silent to everyone else
    try:
        waiter = project.run("upgrade", timeout=60)
    finally:
        holder.send_signal(signal.SIGCONT)
    line = error_line(waiter)
    assert waiter.returncode == 1
    assert "gave up waiting for the migration lock after 1s: it is held by" in line
    assert "shows no sign of life" in waiter.stderr
    held = finish(holder)
    assert held.returncode == 0, held.stderr
    assert [row["x"] for row in await query(project, "SELECT x FROM t ORDER BY x")] == [1, 2]
    assert set(await version_rows(project)) == {"0001", "0002"}


async def test_a_killed_holder_frees_the_lock_at_once_even_mid_statement(project: Project) -> None:
    # The holder is killed while its migration sleeps (a long statement on PostgreSQL, a Python
    # migration on SQLite); the next upgrade gets the lock and applies it once, with no stale wait.
    marker = project.root / "slow-now"
    marker.write_text("")
    sql_migration(project.migrations, "0001", "t", "CREATE TABLE t (x INTEGER);", "DROP TABLE t;")
    if project.dialect == "postgres":
        await project.config().migrate_up()
        await query(project, "SELECT 1")
        sql_migration(
            project.migrations,
            "0002",
            "slow",
            "CREATE TABLE slow_switch (on_ INTEGER);\n"
            "INSERT INTO t (x) SELECT 1 FROM pg_sleep("
            "CASE WHEN EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'slow_now') THEN 600 ELSE 0 END);",
            down_revision="0001",
        )
        async with project.config().provide_driver() as driver:
            await driver.execute("CREATE TABLE slow_now (x INTEGER)")
    else:
        py_migration(
            project.migrations,
            "0002",
            "slow",
            "import os, time\n\n\ndef upgrade(driver):\n"
            "    driver.execute('INSERT INTO t (x) VALUES (1)')\n"
            f"    if os.path.exists({str(marker)!r}):\n        time.sleep(600)\n",
            down_revision="0001",
        )
        await project.config().migrate_up("0001")
    project.write_config(lock_timeout=1)
    holder = project.start("upgrade")
    await anyio.sleep(2)
    holder.kill()
    finish(holder)
    marker.unlink()
    if project.dialect == "postgres":
        async with project.config().provide_driver() as driver:
            await driver.execute("DROP TABLE slow_now")
    waiter = project.run("upgrade", timeout=60)  # a holder left alive on the server would hang this
    assert waiter.returncode == 0, waiter.stderr
    assert [row["x"] for row in await query(project, "SELECT x FROM t")] == [1]
    assert set(await version_rows(project)) == {"0001", "0002"}


async def test_reading_sqlite_while_another_process_writes_waits_instead_of_failing(
    sqlite_project: Project,
) -> None:
    _base(sqlite_project)
    await sqlite_project.config().migrate_up()
    writer = sqlite3.connect(sqlite_project.target, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN EXCLUSIVE")  # nobody can even read until it ends
    release = threading.Timer(2.5, lambda: writer.execute("COMMIT"))
    release.start()
    try:
        history = sqlite_project.run("history")
        upgrade = sqlite_project.run("upgrade")
    finally:
        release.join()
        writer.close()
    assert history.returncode == 0, history.stderr
    assert "0001" in history.stdout
    assert upgrade.returncode == 0, upgrade.stderr


@pytest.mark.postgres
async def test_the_lock_is_held_by_the_connection_that_runs_the_migration(postgres_project: Project) -> None:
    sql_migration(postgres_project.migrations, "0001", "sleep", "SELECT pg_sleep(2);", "")
    runner = postgres_project.start("upgrade")
    await anyio.sleep(1)
    holder = await query(
        postgres_project,
        "SELECT a.query FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()",
    )
    done = finish(runner)
    assert done.returncode == 0, done.stderr
    assert [row["query"] for row in holder] == ["SELECT pg_sleep(2)"]


@pytest.mark.postgres
async def test_the_holder_named_is_in_this_database_only(
    postgres_project: Project, postgres_dsn: str
) -> None:
    sql_migration(postgres_project.migrations, "0001", "t", "CREATE TABLE t (x INTEGER);", "DROP TABLE t;")
    key = advisory_key("sqlspec_version")
    elsewhere = await asyncpg.connect(postgres_dsn.rpartition("/")[0] + "/postgres")
    here = await asyncpg.connect(postgres_dsn, server_settings={"application_name": "the-real-holder"})
    try:
        await elsewhere.execute("SELECT pg_advisory_lock($1)", key)  # same key, another database
        await here.execute("SELECT pg_advisory_lock($1)", key)
        with pytest.raises(LockTimeoutError) as caught:
            await postgres_project.config(lock_timeout=0.5).migrate_up()
        assert f"pid {here.get_server_pid()} " in str(caught.value)
        assert "the-real-holder" in str(caught.value)
        assert f"pid {elsewhere.get_server_pid()} " not in str(caught.value)
    finally:
        await here.close()
        await elsewhere.close()
