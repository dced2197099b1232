"""``make bench-safety``: what the safety tools cost, and what they save over doing it by hand.

- ``sqlspec test`` (the stairway: up, snapshot, down, snapshot, up, snapshot for each migration)
  over N migrations, on one connection holding the run lock, against the same steps through the
  public API call by call (each call opening its own connection and taking the lock), as a user
  without ``sqlspec test`` would script it. Both compare schemas the same way.
- ``sqlspec lint`` over 1,000 migration files, PostgreSQL (pglast) and SQLite rules.

Each figure is measured in interleaved rounds and shown as min / median / max of wall time and of
process CPU time (this is a shared 2-core machine: CPU time is the steadier of the two).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

import anyio

from benchmarks.generate import write_sqlspec
from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec.adapters.asyncpg import AsyncpgConfig
from sqlspec.config import AsyncDatabaseConfig
from sqlspec.dialects.postgres import POSTGRES
from sqlspec.dialects.sqlite import SQLITE
from sqlspec.lint import lint_migrations
from sqlspec.migrations.files import discover, parse
from sqlspec.migrations.stairway import run_stairway
from sqlspec.schema import diff_snapshots

POSTGRES_DSN = os.environ.get("SQLSPEC_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
Sample = tuple[float, float]  # wall seconds, CPU seconds


async def _timed(call: Callable[[], Awaitable[object]]) -> Sample:
    wall, cpu = time.perf_counter(), time.process_time()
    await call()
    return time.perf_counter() - wall, time.process_time() - cpu


async def _by_hand(config: AsyncDatabaseConfig, count: int) -> None:
    """The stairway through the public API, one call (and connection) per step."""
    async with config.provide_driver():
        pass  # the database exists before its first snapshot (a SQLite file is made on connect)
    before = await config.schema_snapshot()
    for _ in range(count):
        await config.migrate_up("+1")
        after = await config.schema_snapshot()
        await config.migrate_down("-1")
        if diff_snapshots(before, await config.schema_snapshot()):
            raise AssertionError("by hand: a downgrade did not restore the schema")
        await config.migrate_up("+1")
        if diff_snapshots(after, await config.schema_snapshot()):
            raise AssertionError("by hand: a second upgrade differs")
        before = after


def _config(dialect: str, folder: Path, scratch: Path) -> AsyncDatabaseConfig:
    settings = {"script_location": str(folder)}
    if dialect == "sqlite":
        return AiosqliteConfig(
            connection_config={"database": str(scratch / "bench.db")}, migration_config=settings
        )
    return AsyncpgConfig(connection_config={"dsn": POSTGRES_DSN}, migration_config=settings)


async def _stairway_round(config: AsyncDatabaseConfig, count: int) -> dict[str, Sample]:
    samples: dict[str, Sample] = {}
    for way in ("sqlspec test", "API call by call"):  # alternated by the caller's rounds
        async with config.scratch_database() as scratch:
            if way == "sqlspec test":

                async def tool(scratch: AsyncDatabaseConfig = scratch) -> None:
                    steps = await run_stairway(scratch.migration_engine())
                    if len(steps) != count or steps[-1].status != "passed":
                        raise AssertionError("sqlspec test did not pass every migration")

                samples[way] = await _timed(tool)
            else:
                samples[way] = await _timed(partial(_by_hand, scratch, count))
    return samples


def _spread(values: list[float], unit: float = 1000) -> str:
    ordered = sorted(v * unit for v in values)
    return f"{ordered[0]:8.0f} {statistics.median(ordered):8.0f} {ordered[-1]:8.0f}"


def _report(title: str, rows: dict[str, list[Sample]]) -> None:
    print(f"\n{title}")
    columns = f"{'min':>8} {'median':>8} {'max':>8}"
    print(f"  {'':22} wall ms: {columns}   CPU ms: {columns}")
    for name, samples in rows.items():
        wall = _spread([s[0] for s in samples])
        cpu = _spread([s[1] for s in samples])
        print(f"  {name:22}          {wall}           {cpu}")


async def bench_stairway(dialects: list[str], count: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "migrations"
        write_sqlspec(folder, count)
        for dialect in dialects:
            config = _config(dialect, folder, Path(work))
            rows: dict[str, list[Sample]] = {"sqlspec test": [], "API call by call": []}
            for _ in range(rounds):
                for way, sample in (await _stairway_round(config, count)).items():
                    rows[way].append(sample)
            _report(f"Stairway over {count} migrations on {dialect}, {rounds} rounds", rows)
            test, by_hand = (statistics.median(s[0] for s in rows[k]) for k in rows)
            print(f"  sqlspec test takes {test / by_hand:.2f}x the wall time of the call-by-call script")


def bench_lint(count: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "migrations"
        write_sqlspec(folder, count)
        migrations = [parse(file) for file in discover(folder)]
        rows: dict[str, list[Sample]] = {"postgres (pglast)": [], "sqlite": []}
        findings = {}
        for _ in range(rounds):
            for name, dialect in (("postgres (pglast)", POSTGRES), ("sqlite", SQLITE)):
                wall, cpu = time.perf_counter(), time.process_time()
                findings[name] = lint_migrations(migrations, dialect)
                rows[name].append((time.perf_counter() - wall, time.process_time() - cpu))
        _report(f"Lint of {count} migration files (parsed beforehand), {rounds} rounds", rows)
        for name, found in findings.items():
            print(f"  {name}: {len(found)} finding(s)")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.safety", description=__doc__)
    parser.add_argument("-n", type=int, default=100, help="migrations for the stairway (default 100)")
    parser.add_argument("--lint-files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dialect", action="append", choices=("sqlite", "postgres"))
    arguments = parser.parse_args()
    bench_lint(arguments.lint_files, arguments.rounds)
    anyio.run(bench_stairway, arguments.dialect or ["sqlite", "postgres"], arguments.n, arguments.rounds)


if __name__ == "__main__":
    main()
