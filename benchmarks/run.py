"""Run the plan: every tool, database and N, repetitions interleaved, figures kept as records.

Within a repetition each tool runs once on each database, and the order of the tools rotates from
one repetition to the next, so no tool always runs first (or always right after a slow one). Each
run gets a fresh database: the in-process scenarios (S1, S2, S3) in one fresh worker process
(:mod:`benchmarks.worker`), then, on another fresh database, S1 and S2 as whole commands. S4 times
``--help`` and ``--version`` of each command.

A command's time is the wall-clock time from spawning it to reaping it, and its peak memory the
``ru_maxrss`` that ``wait4`` reports for it alone.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

from benchmarks import databases
from benchmarks.tools import TOOLS, Tool
from benchmarks.worker import Request

__all__ = ("PLANS", "Plan", "Record", "run")

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Plan:
    """What to run, and how often."""

    sizes: tuple[int, ...]
    repetitions: dict[int, int]
    """Repetitions per N."""
    cli_sizes: tuple[int, ...]
    """The N at which S1 and S2 also run as whole commands."""
    dialects: tuple[str, ...] = ("sqlite", "postgres")
    tools: tuple[str, ...] = ("raw", "sqlspec", "alembic", "yoyo")
    skip: tuple[tuple[str, int], ...] = ()
    """(tool, N) pairs left out, to keep a plan within its time."""
    help_repetitions: int = 10
    s2_budget_seconds: float = 0.5


PLANS: dict[str, Plan] = {
    # `make bench`: about 12 minutes on the 2-core machine of docs/performance.md. yoyo at N=5,000
    # alone would add over 4 minutes (its rollback grows faster than N), so it stops at 1,000.
    "default": Plan(
        sizes=(100, 1000, 5000),
        repetitions={100: 5, 1000: 3, 5000: 1},
        cli_sizes=(100, 1000),
        skip=(("yoyo", 5000),),
    ),
    # Every tool and scenario at every N, 3 repetitions throughout: about 50 minutes.
    "full": Plan(
        sizes=(100, 1000, 5000), repetitions={100: 5, 1000: 3, 5000: 3}, cli_sizes=(100, 1000, 5000)
    ),
    # A smoke run of the harness: a minute.
    "quick": Plan(sizes=(20, 100), repetitions={20: 1, 100: 1}, cli_sizes=(20,), help_repetitions=2),
}


@dataclass
class Record:
    """One measured figure."""

    scenario: str
    """``S1``, ``S1-cli``, ``S1-peak-rss``, ``S2``, ``S2-cli``, ``S2-wire``, ``S3``, ``S4-help``, ..."""
    tool: str
    value: float
    unit: str
    dialect: str = ""
    n: int = 0
    rep: int = 0
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Measured:
    """A command's wall-clock seconds and peak resident set size."""

    seconds: float
    peak_rss_kib: int


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def time_command(argv: Sequence[str], cwd: Path) -> Measured:
    """Spawn a command, wait for it, and return its time and peak memory; raise if it failed."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            tail = errors.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(argv)} exited with {process.returncode}:\n{tail}")
    return Measured(seconds, usage.ru_maxrss)


def machine(server: databases.Server) -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        memory_kib = int(info.readline().split()[1])
    packages = ("sqlspec", "asyncpg", "aiosqlite", "alembic", "SQLAlchemy", "yoyo-migrations", "psycopg")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024**2, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": server.version(),
        "postgresql_settings": server.settings(),
        "packages": {name: version(name) for name in packages},
    }


def _rotated(tools: Sequence[str], rep: int) -> list[str]:
    shift = rep % len(tools)
    return [*tools[shift:], *tools[:shift]]


class _Session:
    """The state of one benchmark run: where it writes, what it has measured so far."""

    def __init__(self, plan: Plan, server: databases.Server, scratch: Path) -> None:
        self.plan = plan
        self.server = server
        self.scratch = scratch
        self.records: list[Record] = []

    def folder(self, tool: Tool, n: int) -> Path:
        folder = self.scratch / "migrations" / f"{tool.name}-{n}"
        if not folder.exists():
            tool.write(folder, n)
        return folder

    def add(self, record: Record) -> None:
        self.records.append(record)

    def in_process(self, tool: Tool, dialect: str, n: int, rep: int) -> str:
        target = databases.create(dialect, self.server, self.scratch)
        try:
            request = Request(
                tool.name, str(self.folder(tool, n)), n, target, budget_seconds=self.plan.s2_budget_seconds
            )
            done = subprocess.run(
                [sys.executable, "-m", "benchmarks.worker", request.to_json()],
                cwd=REPO,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(
                    f"worker for {tool.name} on {dialect} N={n} failed:\n{done.stderr[-3000:]}"
                )
            result = json.loads(done.stdout)
        finally:
            databases.drop(target, self.server)
        samples = result["s2_samples"]
        s2 = statistics.median(samples)
        at = (dialect, n, rep)
        self.add(Record("S1", tool.name, result["s1_seconds"], "s", *at))
        self.add(
            Record(
                "S1-peak-rss",
                tool.name,
                result["s1_peak_rss_kib"] / 1024,
                "MiB",
                *at,
                detail={"rss_before_mib": result["s1_rss_before_kib"] / 1024},
            )
        )
        self.add(Record("S2", tool.name, s2, "s", *at, detail={"calls": len(samples)}))
        self.add(
            Record(
                "S2-wire",
                tool.name,
                result["s2_round_trips"],
                "round trips",
                *at,
                detail={
                    "connections": result["s2_connections"],
                    "setup_round_trips": result["s2_setup_round_trips"],
                    "statements": result["s2_statements"],
                    "takes_lock": result["s2_takes_lock"],
                },
            )
        )
        self.add(Record("S3", tool.name, result["s3_seconds"], "s", *at))
        return f"S1 {result['s1_seconds']:.3f} s, S2 {s2 * 1000:.1f} ms, S3 {result['s3_seconds']:.3f} s"

    def commands(self, tool: Tool, dialect: str, n: int, rep: int) -> str:
        target = databases.create(dialect, self.server, self.scratch)
        workdir = Path(tempfile.mkdtemp(prefix=f"{tool.name}-", dir=self.scratch))
        try:
            folder = self.folder(tool, n)
            s1 = time_command(tool.command("upgrade", folder, target, workdir), workdir)
            if (tables := databases.count_tables(target)) != n:
                raise RuntimeError(f"`{tool.name}` upgrade left {tables} tables, not {n}")
            s2 = time_command(tool.command("check", folder, target, workdir), workdir)
        finally:
            databases.drop(target, self.server)
            shutil.rmtree(workdir, ignore_errors=True)
        for scenario, measured in (("S1-cli", s1), ("S2-cli", s2)):
            peak = {"peak_rss_mib": measured.peak_rss_kib / 1024}
            self.add(Record(scenario, tool.name, measured.seconds, "s", dialect, n, rep, detail=peak))
        return f"S1 command {s1.seconds:.3f} s, S2 command {s2.seconds:.3f} s"

    def help_and_version(self) -> None:
        flags: tuple[tuple[Literal["--help", "--version"], str], ...] = (
            ("--help", "S4-help"),
            ("--version", "S4-version"),
        )
        for rep in range(self.plan.help_repetitions):
            for name in _rotated(self.plan.tools, rep):
                for flag, scenario in flags:
                    argv = TOOLS[name].help_command(flag)
                    if argv is not None:
                        measured = time_command(argv, self.scratch)
                        self.add(Record(scenario, name, measured.seconds, "s", rep=rep))
            startup = time_command([sys.executable, "-c", "pass"], self.scratch)
            self.add(Record("python-startup", "python", startup.seconds, "s", rep=rep))


def run(plan: Plan, dsn: str, scratch: Path, progress: Callable[[str], None] = _log) -> dict[str, Any]:
    """Run ``plan`` and return the results document (records, machine, plan)."""
    server = databases.Server(dsn)
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    session = _Session(plan, server, scratch)
    started = time.perf_counter()
    progress("S4: --help and --version as whole processes")
    session.help_and_version()
    total = sum(
        plan.repetitions[n] * len(plan.dialects) * (2 if n in plan.cli_sizes else 1)
        for n in plan.sizes
        for tool in plan.tools
        if (tool, n) not in plan.skip
    )
    done = 0
    for n in plan.sizes:
        reps = plan.repetitions[n]
        for rep in range(reps):
            for dialect in plan.dialects:
                for name in _rotated(plan.tools, rep):
                    if (name, n) in plan.skip:
                        continue
                    tool = TOOLS[name]
                    steps = [session.in_process] + ([session.commands] if n in plan.cli_sizes else [])
                    for step in steps:
                        summary = step(tool, dialect, n, rep)
                        done += 1
                        elapsed = time.perf_counter() - started
                        progress(
                            f"[{done:>3}/{total}] {elapsed:5.0f} s  {dialect:<8} N={n:<5} "
                            f"rep {rep + 1}/{reps} {name:<8} {summary}"
                        )
    shutil.rmtree(scratch, ignore_errors=True)
    return {
        "machine": machine(server),
        "plan": asdict(plan),
        "duration_seconds": round(time.perf_counter() - started, 1),
        "records": [asdict(record) for record in session.records],
    }
