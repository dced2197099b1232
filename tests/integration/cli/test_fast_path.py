"""A plain ``sqlspec upgrade`` with nothing pending is answered before the command line loads.

What a deploy script sees must not depend on which path answered: the same line and exit code
when up to date, and every other case (pending work, other options, a broken config or an
unreachable database) handled by the full command line, with nothing applied by the check.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sqlspec.cli.fast_path import UP_TO_DATE, answer_if_up_to_date
from tests.integration.cli.conftest import Project
from tests.migration_files import sql_migration


def _write_two(project: Project) -> None:
    project.migrations.mkdir(exist_ok=True)
    sql_migration(project.migrations, "0001", "one", "CREATE TABLE one (id INTEGER)", "DROP TABLE one")
    two = "CREATE TABLE two (id INTEGER)"
    sql_migration(project.migrations, "0002", "two", two, "DROP TABLE two", down_revision="0001")


def _one_error_line(stderr: str) -> bool:
    lines = stderr.strip().splitlines()
    return len(lines) == 1 and lines[0].startswith("Error: ")


def _applied(project: Project) -> str:
    return project.cli("show-current-revision").stdout.strip()


def _use_stdlib_sqlite(project: Project) -> None:
    """The same database through the sync config, whose sqlite3 calls run in worker threads."""
    source = (project.root / project.package / "config.py").read_text()
    assert "AiosqliteConfig(" in source
    project.write_config(
        source.replace(
            "sqlspec.adapters.aiosqlite import AiosqliteConfig", "sqlspec.adapters.sqlite import SqliteConfig"
        ).replace("AiosqliteConfig(", "SqliteConfig(")
    )


def _answer_imports(project: Project) -> set[str]:
    """The modules the real executable imports to answer a no-op upgrade (whose folder is not
    importable by itself), after checking that the answer was the up-to-date line."""
    done = project.process("upgrade", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout == UP_TO_DATE + "\n"
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "sqlspec.cli.fast_path" in imported  # the import log is there
    return imported


_NOT_FOR_A_CHECK = {
    "typer",
    "sqlspec.cli.app",
    "sqlspec.migrations.runner",
    "sqlspec.migrations.sql",
    "anyio",
}


def test_up_to_date_answers_with_the_commands_line(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_two(project)
    assert project.cli("upgrade").exit_code == 0
    capsys.readouterr()

    plain = ["--config", project.reference, "upgrade"]
    for argv in (plain, [f"--config={project.reference}", "upgrade", "head"]):
        assert answer_if_up_to_date(argv) == 0
        assert capsys.readouterr().out == UP_TO_DATE + "\n"
    assert UP_TO_DATE in project.cli("upgrade").stdout  # the full command line says the same


def test_pending_work_is_left_to_the_command_line_and_nothing_is_applied(project: Project) -> None:
    _write_two(project)
    assert project.cli("upgrade", "+1").exit_code == 0

    assert answer_if_up_to_date(["--config", project.reference, "upgrade"]) is None
    assert "0001" in _applied(project)  # the check applied nothing

    done = project.process("upgrade")  # the real executable: the check, then the command line
    assert done.returncode == 0, done.stderr
    assert "applied 0002" in done.stdout
    assert "0002" in _applied(project)


@pytest.mark.parametrize(
    "argv",
    [
        ["upgrade", "+1"],
        ["upgrade", "--json"],
        ["upgrade", "--dry-run"],
        ["--bind-key", "x", "upgrade"],
        ["--debug", "upgrade"],
        ["downgrade"],
        ["upgrade", "head", "extra"],
        ["--config=", "upgrade"],
    ],
)
def test_any_other_command_line_is_not_answered_here(sqlite_project: Project, argv: list[str]) -> None:
    _write_two(sqlite_project)
    assert sqlite_project.cli("upgrade").exit_code == 0
    assert answer_if_up_to_date(["--config", sqlite_project.reference, *argv]) is None


def test_a_config_that_does_not_load_is_reported_by_the_command_line(sqlite_project: Project) -> None:
    sqlite_project.write_config("raise RuntimeError('broken config')\n")
    assert answer_if_up_to_date(["--config", sqlite_project.reference, "upgrade"]) is None
    done = sqlite_project.process("upgrade")
    assert done.returncode == 2
    assert _one_error_line(done.stderr)
    assert "broken config" in done.stderr


@pytest.mark.postgres
def test_an_unreachable_database_is_reported_once_by_the_command_line(sqlite_project: Project) -> None:
    sqlite_project.write_config(
        "from sqlspec.adapters.asyncpg import AsyncpgConfig\n\n"
        "config = AsyncpgConfig(connection_config={'dsn': 'postgresql://postgres@127.0.0.1:1/none'})\n"
    )
    _write_two(sqlite_project)
    done = sqlite_project.process("upgrade")
    assert done.returncode == 1
    assert _one_error_line(done.stderr), done.stderr


def test_the_answer_loads_neither_typer_nor_the_runner(project: Project) -> None:
    """What makes the no-op upgrade cheap: the command line, the migration runner, the SQL
    splitter and anyio (its event-loop backend alone is a fifth of the command's time) stay
    unloaded, on every database."""
    _write_two(project)
    assert project.cli("upgrade").exit_code == 0
    assert not _answer_imports(project) & _NOT_FOR_A_CHECK


def test_the_sync_sqlite_config_is_answered_as_cheaply(sqlite_project: Project) -> None:
    """``SqliteConfig`` runs each sqlite3 call in a worker thread; for the check, asyncio's own
    executor does, so anyio stays unloaded there too."""
    _write_two(sqlite_project)
    _use_stdlib_sqlite(sqlite_project)
    assert sqlite_project.cli("upgrade").exit_code == 0
    assert not _answer_imports(sqlite_project) & _NOT_FOR_A_CHECK


def test_a_config_factory_is_called_once(sqlite_project: Project) -> None:
    """A function returning the config is left to the command line, which calls it once (with work
    pending, a check that called it would hand over to a command line calling it again)."""
    _write_two(sqlite_project)
    marker = sqlite_project.root / "calls.txt"
    package = sqlite_project.root / sqlite_project.package
    (package / "factory.py").write_text(
        f"from {sqlite_project.reference} import config as _config\n\n\n"
        f"def make():\n    with open({str(marker)!r}, 'a') as f:\n        f.write('x')\n    return _config\n"
    )
    executable = Path(sys.executable).parent / "sqlspec"
    done = subprocess.run(
        [str(executable), "--config", f"{sqlite_project.package}.factory:make", "upgrade"],
        cwd=sqlite_project.root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "applied 0002" in done.stdout
    assert marker.read_text() == "x"


@pytest.mark.parametrize("stdlib", [False, True], ids=["aiosqlite", "sqlite3"])
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_the_check_stops_it_cleanly(
    sqlite_project: Project, signum: signal.Signals, code: int, stdlib: bool
) -> None:
    """The check waits for a database another process holds locked; the signal ends it with the
    documented exit code and one line, and nothing of the connection's thread is left to report
    (aiosqlite's thread, or the worker thread of the sync config's sqlite3 call)."""
    _write_two(sqlite_project)
    if stdlib:
        _use_stdlib_sqlite(sqlite_project)
    assert sqlite_project.cli("upgrade").exit_code == 0
    database = sqlite_project.root / "app.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            f"c = sqlite3.connect({str(database)!r}, isolation_level=None)\n"
            "c.execute('BEGIN EXCLUSIVE'); print('held', flush=True); time.sleep(30)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        executable = Path(sys.executable).parent / "sqlspec"
        checking = subprocess.Popen(
            [str(executable), "--config", sqlite_project.reference, "upgrade"],
            cwd=sqlite_project.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert checking.stderr is not None
        assert "waiting for SQLite database" in checking.stderr.readline()  # it is in the check
        checking.send_signal(signum)
        out, err = checking.communicate(timeout=30)
    finally:
        holder.kill()
        holder.communicate()  # waits, and closes its pipe
    assert checking.returncode == code
    assert out == ""
    assert err.strip() == "Error: interrupted; nothing was changed"


_STOPPED_WHILE_CONNECTING = """\
import asyncio
import os
import signal
from contextlib import asynccontextmanager
from pathlib import Path

from sqlspec.adapters.aiosqlite import AiosqliteConfig


class StoppedWhileConnecting(AiosqliteConfig):
    @asynccontextmanager
    async def provide_driver(self):
        first = Path(__file__).with_name("connected-once")
        if not first.exists():  # the check's connect: the signal lands in it
            first.touch()
            os.kill(os.getpid(), signal.{signal})
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                pass  # a connect waited for to its end (the sync config's thread is)
            if {fails}:
                raise OSError("connection refused")
        async with super().provide_driver() as driver:
            yield driver


config = StoppedWhileConnecting(connection_config={{"database": {database!r}}})
"""


@pytest.mark.parametrize("fails", [True, False], ids=["connect-then-fails", "connect-then-succeeds"])
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_the_checks_connect_stops_the_command(
    sqlite_project: Project, signum: signal.Signals, code: int, fails: bool
) -> None:
    """A connect that outlives the signal (waited for to its end) and then fails, or succeeds and
    finds work pending, must not hand over to the full command line: that would connect again, or
    apply the pending migration, after the user asked to stop."""
    _write_two(sqlite_project)
    assert sqlite_project.cli("upgrade", "+1").exit_code == 0  # 0002 pending
    sqlite_project.write_config(
        _STOPPED_WHILE_CONNECTING.format(
            signal=signum.name, fails=fails, database=str(sqlite_project.root / "app.db")
        )
    )
    done = sqlite_project.process("upgrade")
    assert done.returncode == code, done.stdout + done.stderr
    assert done.stdout == ""
    assert done.stderr.strip() == "Error: interrupted; nothing was changed"
    assert (sqlite_project.root / sqlite_project.package / "connected-once").exists()  # the check ran
    assert _applied(sqlite_project).split()[0] == "0001"  # 0002 still pending
