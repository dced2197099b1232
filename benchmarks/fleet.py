"""Fleets at scale: ``python -m benchmarks.fleet [--rounds N] [--tenants N] [--files N]``.

Two fleets, each x 10 migrations, at concurrency 1, 4 and 16, through :func:`sqlspec.fleet.migrate_fleet`:

- PostgreSQL: 1,000 tenant schemas of one database (``tenant_schemas``);
- SQLite: 200 database files.

One target in the middle fails (its third migration meets a table already there): the run must
finish every other target, and after the table is dropped a rerun must apply only that target's
eight remaining migrations. Each (fleet, concurrency, round) runs in a fresh process, so peak memory
(``ru_maxrss``) is that run's own. Reported: wall and CPU time of the run and of the rerun, peak
memory, and the most connections held at once: for PostgreSQL, sessions on the database as
``pg_stat_activity`` lists them (polled every 10 ms from a side connection, not counted); for SQLite,
open database files (``/proc/self/fd``, polled alike). Neither may exceed the concurrency: the run
lock is taken on the run's own connection, so it adds none.

``$SQLSPEC_BENCH_POSTGRES_DSN`` names the server (default: the local one with trust auth).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

POSTGRES_DSN = os.environ.get("SQLSPEC_BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
MIGRATIONS = 10
CONCURRENCIES = (1, 4, 16)
POLL_SECONDS = 0.01


def _write_migrations(folder: Path) -> None:
    folder.mkdir(parents=True)
    for number in range(1, MIGRATIONS + 1):
        revision = f"{number:04d}"
        down = "None" if number == 1 else f"{number - 1:04d}"
        if number == 1:
            upgrade, downgrade = "CREATE TABLE seed (n INTEGER NOT NULL);", "DROP TABLE seed;"
        elif number == 3:
            upgrade, downgrade = "CREATE TABLE widgets (id INTEGER PRIMARY KEY);", "DROP TABLE widgets;"
        else:
            upgrade = f"CREATE TABLE t{number} (id INTEGER PRIMARY KEY, seed INTEGER);\n"
            upgrade += f"INSERT INTO seed (n) VALUES ({number});"
            downgrade = f"DROP TABLE t{number};"
        (folder / f"{revision}_m{number}.sql").write_text(
            f"-- revision: {revision}\n-- down_revision: {down}\n-- description: m{number}\n\n"
            f"-- upgrade --\n{upgrade}\n\n-- downgrade --\n{downgrade}\n"
        )


def _with_database(dsn: str, name: str) -> str:
    return f"{dsn.rpartition('/')[0]}/{name}"


async def _postgres_round(count: int, concurrency: int, folder: Path) -> dict[str, Any]:
    import asyncpg

    from sqlspec.adapters.asyncpg import AsyncpgConfig

    name = f"sqlspec_bench_fleet_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(POSTGRES_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = _with_database(POSTGRES_DSN, name)
    schemas = [f"tenant_{index:04d}" for index in range(count)]
    broken = schemas[count // 2]
    side = await asyncpg.connect(dsn)
    try:
        await side.execute(";".join(f"CREATE SCHEMA {schema}" for schema in schemas))
        await side.execute(f"CREATE TABLE {broken}.widgets (id INTEGER)")
        config = AsyncpgConfig(
            connection_config={"dsn": dsn},
            migration_config={"script_location": str(folder), "tenant_schemas": schemas},
        )

        async def held() -> int:
            sessions = "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()"
            return int(await side.fetchval(sessions, name))

        figures = await _measured([config], concurrency, held, broken, count)
        await side.execute(f"DROP TABLE {broken}.widgets")
        figures |= await _rerun([config], concurrency, broken)
        counts = await side.fetch(
            "SELECT count(*) AS n FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
            "WHERE c.relname = 'sqlspec_version' AND n.nspname LIKE 'tenant_%'"
        )
        figures["version_tables"] = counts[0]["n"]
    finally:
        await side.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    return figures


async def _sqlite_round(count: int, concurrency: int, folder: Path) -> dict[str, Any]:
    from sqlspec.adapters.aiosqlite import AiosqliteConfig

    where = Path(tempfile.mkdtemp(prefix="sqlspec_bench_fleet_"))
    keys = [f"db{index:04d}" for index in range(count)]
    broken = keys[count // 2]
    try:
        with closing(sqlite3.connect(where / f"{broken}.db")) as connection:
            connection.execute("CREATE TABLE widgets (id INTEGER)")
        configs = [
            AiosqliteConfig(
                connection_config={"database": str(where / f"{key}.db")},
                migration_config={"script_location": str(folder)},
                bind_key=key,
            )
            for key in keys
        ]

        async def held() -> int:
            opened = 0
            for fd in os.listdir("/proc/self/fd"):
                try:
                    opened += os.readlink(f"/proc/self/fd/{fd}").endswith(".db")
                except OSError:
                    continue
            return opened

        figures = await _measured(configs, concurrency, held, broken, count)
        with closing(sqlite3.connect(where / f"{broken}.db")) as connection:
            connection.execute("DROP TABLE widgets")
        figures |= await _rerun(configs, concurrency, broken)
    finally:
        shutil.rmtree(where, ignore_errors=True)
    return figures


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _measured(
    configs: list[Any], concurrency: int, held: Any, broken: str, count: int
) -> dict[str, Any]:
    import anyio

    from sqlspec.fleet import migrate_fleet

    peak = 0
    done = anyio.Event()

    async def poll() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, await held())
            with anyio.move_on_after(POLL_SECONDS):
                await done.wait()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(poll)
        cpu, started = _cpu(), time.perf_counter()
        results = await migrate_fleet(configs, concurrency=concurrency)
        wall, cpu = time.perf_counter() - started, _cpu() - cpu
        done.set()
    failed = [r.label for r in results if r.status == "failed"]
    short = [r.label for r in results if r.status == "ok" and r.applied != MIGRATIONS]
    if failed != [broken] or short or len(results) != count:
        raise SystemExit(f"wrong outcome: failed {failed}, short {short[:5]}, {len(results)} results")
    return {"wall_s": wall, "cpu_s": cpu, "max_connections": peak, "failed": failed}


async def _rerun(configs: list[Any], concurrency: int, broken: str) -> dict[str, Any]:
    from sqlspec.fleet import migrate_fleet

    cpu, started = _cpu(), time.perf_counter()
    results = await migrate_fleet(configs, concurrency=concurrency)
    wall, cpu = time.perf_counter() - started, _cpu() - cpu
    applied = {r.label: r.applied for r in results if r.applied}
    if applied != {broken: MIGRATIONS - 2} or any(r.status != "ok" for r in results):
        raise SystemExit(f"the rerun did not finish only what was left: {applied}")
    return {"rerun_wall_s": wall, "rerun_cpu_s": cpu}


def _worker(fleet: str, count: int, concurrency: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="sqlspec_bench_fleet_migrations_")) / "migrations"
    _write_migrations(folder)
    run = _postgres_round if fleet == "postgres" else _sqlite_round
    try:
        figures = asyncio.run(run(count, concurrency, folder))
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps(figures))


def _spread(values: list[float], unit: str, digits: int = 2) -> str:
    if len(values) == 1:
        return f"{values[0]:.{digits}f} {unit}"
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{mid:.{digits}f} {unit} ({low:.{digits}f}-{high:.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fleet", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="rounds per cell (min/median/max when > 1)")
    parser.add_argument("--tenants", type=int, default=1000, help="PostgreSQL tenant schemas")
    parser.add_argument("--files", type=int, default=200, help="SQLite files")
    parser.add_argument("--only", choices=("postgres", "sqlite"), help="one fleet only")
    parser.add_argument(
        "--worker", nargs=3, metavar=("FLEET", "COUNT", "CONCURRENCY"), help=argparse.SUPPRESS
    )
    arguments = parser.parse_args()
    if arguments.worker:
        fleet, count, concurrency = arguments.worker
        _worker(fleet, int(count), int(concurrency))
        return
    fleets = [("postgres", arguments.tenants), ("sqlite", arguments.files)]
    header = (
        f"{'fleet':<28} {'conc':>4}  {'wall':>20}  {'cpu':>20}  {'rerun wall':>20}  "
        f"{'peak RSS':>22}  {'max conn':>8}"
    )
    rounds_said = f"{arguments.rounds} round(s)"
    print(f"{MIGRATIONS} migrations per target, one failing target in the middle; {rounds_said}")
    print(header)
    for fleet, count in fleets:
        if arguments.only and fleet != arguments.only:
            continue
        label = f"{fleet} {count} {'schemas' if fleet == 'postgres' else 'files'}"
        for concurrency in CONCURRENCIES:
            rounds = []
            for _ in range(arguments.rounds):
                cell = [fleet, str(count), str(concurrency)]
                worker = [sys.executable, "-m", "benchmarks.fleet", "--worker", *cell]
                done = subprocess.run(worker, capture_output=True, text=True, check=False)
                if done.returncode:
                    said = f"{done.stderr}{done.stdout}"
                    raise SystemExit(f"{label} at concurrency {concurrency} failed:\n{said}")
                rounds.append(json.loads(done.stdout.strip().splitlines()[-1]))
            most = max(r["max_connections"] for r in rounds)
            if most > concurrency:
                raise SystemExit(f"{label}: {most} connections held at concurrency {concurrency}")
            print(
                f"{label:<28} {concurrency:>4}  {_spread([r['wall_s'] for r in rounds], 's'):>20}  "
                f"{_spread([r['cpu_s'] for r in rounds], 's'):>20}  "
                f"{_spread([r['rerun_wall_s'] for r in rounds], 's'):>20}  "
                f"{_spread([r['peak_rss_mb'] for r in rounds], 'MiB', 1):>22}  {most:>8}",
                flush=True,
            )


if __name__ == "__main__":
    main()
