"""Kill migrating processes with SIGKILL at random moments, then check nothing is half-done.

After every kill: the version table agrees with the schema (every applied migration's table
exists, no pending one's does, a partly applied migration's finished statements are done), no lock
is left held, and a re-run completes. Run ``python -m stress.crash --trials 50`` (or
``make crash``); the test suite runs a few trials of each dialect.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

MIGRATIONS = 20
NON_TRANSACTIONAL = 10  # this revision runs statement by statement, outside a transaction
DSN = os.environ.get("SQLSPEC_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
SQLSPEC = str(Path(sys.executable).parent / "sqlspec")


@dataclass
class Outcome:
    """What the trials saw."""

    trials: int = 0
    killed_mid_run: int = 0
    partial_seen: int = 0
    kill_delays: list[float] = field(default_factory=list)


ROWS = 20_000  # work per migration, so that kills land inside migrations and not only between them


def write_migrations(folder: Path, dialect: str) -> None:
    """20 migrations, each creating and filling a table; one of them non-transactional."""
    folder.mkdir(parents=True)
    for n in range(1, MIGRATIONS + 1):
        down = "None" if n == 1 else f"{n - 1:04d}"
        header = f"-- revision: {n:04d}\n-- down_revision: {down}\n-- description: m{n}\n"
        if n == NON_TRANSACTIONAL:
            header += "-- transactional: false\n"
            body = "\n".join(f"CREATE TABLE IF NOT EXISTS t{n}_{part} (id INTEGER);" for part in "abc")
        else:
            fill = (
                f"INSERT INTO t{n} (id) SELECT generate_series(1, {ROWS});"
                if dialect == "postgres"
                else f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT {ROWS}) "
                f"INSERT INTO t{n} (id) SELECT x FROM c;"
            )
            body = f"CREATE TABLE t{n} (id INTEGER);\n{fill}"
        (folder / f"{n:04d}_m{n}.sql").write_text(f"{header}\n-- upgrade --\n{body}\n")


class Database:
    """A scratch database of one dialect, and plain-SQL views of it."""

    def __init__(self, dialect: str, folder: Path) -> None:
        self.dialect = dialect
        self.folder = folder
        self.name = f"sqlspec_crash_{uuid.uuid4().hex[:10]}"
        self.path = folder / "crash.db"

    def config_source(self) -> str:
        migrations = str(self.folder / "migrations")
        if self.dialect == "postgres":
            dsn = DSN.rpartition("/")[0] + "/" + self.name
            return (
                "from sqlspec.adapters.asyncpg import AsyncpgConfig\n"
                f"config = AsyncpgConfig(connection_config={{'dsn': {dsn!r}}}, "
                f"migration_config={{'script_location': {migrations!r}, 'lock_timeout': 20}})\n"
            )
        return (
            "from sqlspec.adapters.aiosqlite import AiosqliteConfig\n"
            f"config = AiosqliteConfig(connection_config={{'database': {str(self.path)!r}}}, "
            f"migration_config={{'script_location': {migrations!r}, 'lock_timeout': 20}})\n"
        )

    async def _admin(self, sql: str) -> None:
        connection = await asyncpg.connect(DSN)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    def create(self) -> None:
        if self.dialect == "postgres":
            asyncio.run(self._admin(f'CREATE DATABASE "{self.name}"'))

    def drop(self) -> None:
        if self.dialect == "postgres":
            asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))

    def state(self) -> tuple[set[str], dict[str, tuple[str, int | None]]]:
        """(tables, version rows as version -> (status, progress))."""
        if self.dialect == "postgres":
            return asyncio.run(self._postgres_state())
        import sqlite3

        with sqlite3.connect(self.path, timeout=0.5) as connection:
            tables = {
                row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            rows = (
                connection.execute("SELECT version_num, status, progress FROM sqlspec_version").fetchall()
                if "sqlspec_version" in tables
                else []
            )
            connection.execute("BEGIN IMMEDIATE")  # no lock left: a writer gets in at once
            connection.execute("ROLLBACK")
        return tables, {row[0]: (row[1], row[2]) for row in rows}

    async def _postgres_state(self) -> tuple[set[str], dict[str, tuple[str, int | None]]]:
        connection = await asyncpg.connect(DSN.rpartition("/")[0] + "/" + self.name)
        try:
            deadline = time.monotonic() + 10
            while await connection.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"):
                if time.monotonic() > deadline:
                    raise AssertionError("an advisory lock outlived the killed migrator")
                await asyncio.sleep(0.05)  # the server notices the dead connection shortly
            tables = {
                r["tablename"]
                for r in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")
            }
            rows = (
                await connection.fetch("SELECT version_num, status, progress FROM sqlspec_version")
                if "sqlspec_version" in tables
                else []
            )
        finally:
            await connection.close()
        return tables, {row["version_num"]: (row["status"], row["progress"]) for row in rows}


def check_consistent(tables: set[str], rows: dict[str, tuple[str, int | None]]) -> bool:
    """Assert the version table agrees with the schema; return whether a partial row was seen."""
    partial = False
    for n in range(1, MIGRATIONS + 1):
        revision = f"{n:04d}"
        status, progress = rows.get(revision, ("pending", None))
        if n == NON_TRANSACTIONAL:
            parts = [f"t{n}_{part}" for part in "abc"]
            if status == "applied":
                assert set(parts) <= tables, (revision, "applied but not all its tables exist")
            elif status == "partial":
                partial = True
                assert set(parts[: progress or 0]) <= tables, (revision, "recorded progress not in schema")
            continue
        exists = f"t{n}" in tables
        assert exists == (status == "applied"), (revision, status, "version table and schema disagree")
    return partial


def _prepare(dialect: str, folder: Path) -> Database:
    write_migrations(folder / "migrations", dialect)
    database = Database(dialect, folder)
    (folder / "crash_config.py").write_text(database.config_source())
    database.create()
    return database


COMMAND = [SQLSPEC, "--config", "crash_config.config", "upgrade"]


def _full_run_seconds(dialect: str, folder: Path) -> float:
    """How long one uncut upgrade takes here, process start included: the window kills aim at."""
    database = _prepare(dialect, folder)
    try:
        started = time.monotonic()
        subprocess.run(COMMAND, cwd=folder, capture_output=True, check=True, timeout=120)
        return time.monotonic() - started
    finally:
        database.drop()


def run_trials(dialect: str, trials: int, folder: Path, seed: int | None = None) -> Outcome:
    """Run ``trials`` kill-and-recover cycles; raises AssertionError on the first inconsistency."""
    chooser = random.Random(seed)
    outcome = Outcome()
    full = _full_run_seconds(dialect, folder / "calibration")
    for trial in range(trials):
        trial_folder = folder / f"trial{trial}"
        database = _prepare(dialect, trial_folder)
        try:
            command = COMMAND
            process = subprocess.Popen(
                command, cwd=trial_folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            delay = chooser.uniform(0.5 * full, full)
            time.sleep(delay)
            finished = process.poll() is not None
            process.send_signal(signal.SIGKILL)
            process.wait()
            outcome.kill_delays.append(delay)
            outcome.killed_mid_run += not finished
            tables, rows = database.state()
            outcome.partial_seen += check_consistent(tables, rows)
            rerun = subprocess.run(
                [*command, "--resume"], cwd=trial_folder, capture_output=True, text=True, timeout=120
            )
            assert rerun.returncode == 0, f"re-run failed: {rerun.stderr}"
            tables, rows = database.state()
            check_consistent(tables, rows)
            assert len(rows) == MIGRATIONS, rows
            assert all(status == "applied" for status, _ in rows.values()), rows
            outcome.trials += 1
        finally:
            database.drop()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--dialect", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seed", type=int, default=None)
    options = parser.parse_args()
    import tempfile

    for dialect in ["sqlite", "postgres"] if options.dialect == "both" else [options.dialect]:
        with tempfile.TemporaryDirectory() as folder:
            started = time.monotonic()
            outcome = run_trials(dialect, options.trials, Path(folder), options.seed)
            print(
                f"{dialect}: {outcome.trials} trials passed in {time.monotonic() - started:.0f} s; "
                f"killed mid-run {outcome.killed_mid_run}, "
                f"partly applied migration seen {outcome.partial_seen}, "
                f"median kill at {statistics.median(outcome.kill_delays):.2f} s"
            )


if __name__ == "__main__":
    main()
