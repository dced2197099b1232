"""Run the plan: every tool, database and N, rounds interleaved, figures kept as records.

Within a round each tool runs once on each database, and the order of the tools rotates from one
round to the next, so no tool always runs first (or always right after a slow one). Each run gets
a fresh database and one fresh worker process (:mod:`benchmarks.worker`) for the in-process
scenarios and the no-op command. At the sizes in ``Plan.fill_once`` (N = 5,000 by default) each
tool's database is filled once (S1, timed but outside the tables) and then checked in ``rounds``
interleaved rounds of fresh workers (S2 only). On the RAM disk a round's S1 figure is the median
of ``Plan.s1_runs_on_ram_disk`` runs, each a fresh worker and database. S4 times ``--help`` and
``--version`` of each command. With ``Plan.cli_sizes`` S1 and S2 also run as whole commands on a
database of their own.

A command's time is the wall-clock time from spawning it to reaping it, its CPU time and peak
memory what ``wait4`` reports for it alone.
"""

from __future__ import annotations

import compileall
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
from dataclasses import asdict, dataclass, field, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

from benchmarks import databases
from benchmarks.tools import TOOLS, Target, Tool
from benchmarks.worker import Request, time_command

__all__ = ("PLANS", "Plan", "Record", "run")

REPO = Path(__file__).resolve().parent.parent
ANY = "*"


@dataclass(frozen=True)
class Plan:
    """What to run, and how often."""

    sizes: tuple[int, ...]
    rounds: int = 5
    """Interleaved rounds per cell (every tool, database and N)."""
    dialects: tuple[str, ...] = databases.DIALECTS
    tools: tuple[str, ...] = ("raw", "sqlspec", "alembic", "yoyo")
    skip: tuple[tuple[str, str, int], ...] = ()
    """(tool, dialect, N) left out (``*`` for any dialect or tool, 0 for any N), to keep a plan
    within its time."""
    fill_once: tuple[int, ...] = ()
    """The N at which each database is filled once and only S2 is measured in the rounds."""
    check_command_sizes: tuple[int, ...] = ()
    """The N at which the worker also times the no-op command (S2-cli)."""
    session_sizes: tuple[int, ...] = ()
    """The N at which S5 (the start-up check through an open pool / connection) runs."""
    steps: tuple[int, int] = (0, 0)
    """(N, calls): S6, the stairway of ``+1`` calls, at that N."""
    cli_sizes: tuple[int, ...] = ()
    """The N at which S1 and S2 also run as whole commands on a database of their own."""
    s1_runs_on_ram_disk: int = 3
    """S1 runs per round and tool on ``sqlite-ram``, each a fresh process and database; the round's
    figure is their median. There S1's CPU time is the per-migration overhead (point 4 of
    issue 15), and one run of the same work varies by a third between processes on a shared
    machine; a run costs a second or two there."""
    help_repetitions: int = 10
    s2_budget_seconds: float = 0.5

    def runs(self, tool: str, dialect: str, n: int) -> bool:
        return not any(t in (tool, ANY) and d in (dialect, ANY) and m in (n, 0) for t, d, m in self.skip)


PLANS: dict[str, Plan] = {
    # `make bench`: about 15 minutes on the 2-core machine of docs/performance.md. raw and sqlspec
    # run everywhere; Alembic and yoyo where they finish in time (yoyo's rollback grows faster
    # than N); at N = 5,000 each database (SQLite on the RAM disk, where filling is quick, and
    # PostgreSQL) is filled once, then checked in 5 rounds.
    "default": Plan(
        sizes=(100, 1000, 5000),
        skip=(
            ("alembic", "sqlite-ram", 0),
            ("yoyo", "sqlite-ram", 0),
            ("yoyo", ANY, 1000),
            ("yoyo", "mysql", 0),
            ("alembic", "postgres", 1000),
            ("alembic", "mysql", 1000),
            ("alembic", ANY, 5000),
            ("yoyo", ANY, 5000),
            (ANY, "mysql", 5000),
            (ANY, "sqlite", 5000),
        ),
        fill_once=(5000,),
        check_command_sizes=(100, 1000),
        session_sizes=(1000,),
        steps=(100, 20),
    ),
    # Every tool and scenario at every N, S1 and S3 at 5,000 too, and the commands: over an hour.
    "full": Plan(
        sizes=(100, 1000, 5000),
        check_command_sizes=(100, 1000, 5000),
        session_sizes=(1000, 5000),
        steps=(100, 20),
        cli_sizes=(100, 1000),
    ),
    # A smoke run of the harness: a few minutes.
    "quick": Plan(
        sizes=(20, 100),
        rounds=2,
        fill_once=(100,),
        check_command_sizes=(20,),
        session_sizes=(20,),
        steps=(20, 5),
        s1_runs_on_ram_disk=2,
        help_repetitions=2,
    ),
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


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine(servers: databases.Servers, dialects: Sequence[str]) -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        memory_kib = int(info.readline().split()[1])
    packages = (
        "sqlspec-migrations",
        "asyncpg",
        "aiosqlite",
        "asyncmy",
        "alembic",
        "SQLAlchemy",
        "yoyo-migrations",
        "psycopg",
        "PyMySQL",
    )
    found: dict[str, Any] = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024**2, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": {name: version(name) for name in packages},
        "sqlspec_source": _sqlspec_source(),
        "date": time.strftime("%Y-%m-%d"),
    }
    if "postgres" in dialects:
        found["postgresql"] = servers.postgres.version()
        found["postgresql_settings"] = servers.postgres.settings()
    if "mysql" in dialects:
        found["mysql"] = servers.mysql.version()
        found["mysql_settings"] = servers.mysql.settings()
    return found


def _sqlspec_source() -> str:
    """Which sqlspec was measured: the working tree (and whether it had changes) or an export."""
    import sqlspec

    source = Path(sqlspec.__file__).resolve().parent.parent
    if (marker := source / "SOURCE").is_file():  # an export: `git archive` of a commit, see the docs
        return marker.read_text().strip()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout.strip()
    if source == REPO:
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "sqlspec", "sqlspec_litestar"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        return f"the working tree at {commit}" + (" with uncommitted changes" if dirty else "")
    return f"{source} (exported from commit {commit})"


def _rotated(tools: Sequence[str], rep: int) -> list[str]:
    shift = rep % len(tools)
    return [*tools[shift:], *tools[:shift]]


def _median(values: Sequence[float]) -> float:
    return statistics.median(values)


class _Session:
    """The state of one benchmark run: where it writes, what it has measured so far."""

    def __init__(self, plan: Plan, servers: databases.Servers, scratch: Path) -> None:
        self.plan = plan
        self.servers = servers
        self.scratch = scratch
        self.records: list[Record] = []
        self.filled: dict[tuple[str, str], Target] = {}

    def folder(self, tool: Tool, n: int, dialect: str) -> Path:
        mysql = dialect == "mysql"
        folder = self.scratch / "migrations" / f"{tool.name}-{n}{'-mysql' if mysql else ''}"
        if not folder.exists():
            tool.write(folder, n, mysql)
        return folder

    def add(self, record: Record) -> None:
        self.records.append(record)

    def _worker(self, request: Request, dialect: str) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.worker", request.to_json()],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"worker for {request.tool} on {dialect} N={request.count} failed:\n{done.stderr[-3000:]}"
            )
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    def in_process(self, tool: Tool, dialect: str, n: int, rep: int) -> str:
        """One round of one tool on a fresh database (or, at a fill-once N, on its filled one)."""
        fill_once = n in self.plan.fill_once
        fresh = (tool.name, dialect) not in self.filled
        target = self.filled.get((tool.name, dialect))
        if target is None:
            target = databases.create(dialect, self.servers, self.scratch)
        workdir = Path(tempfile.mkdtemp(prefix=f"{tool.name}-", dir=self.scratch))
        steps_n, steps = self.plan.steps
        try:
            request = Request(
                tool.name,
                str(self.folder(tool, n, dialect)),
                n,
                target,
                apply=fresh,
                revert=not fill_once,
                check_command=n in self.plan.check_command_sizes,
                session_checks=n in self.plan.session_sizes,
                steps=steps if n == steps_n and not fill_once else 0,
                workdir=str(workdir),
                budget_seconds=self.plan.s2_budget_seconds,
            )
            result = self._worker(request, dialect)
            if fill_once:
                self.filled[(tool.name, dialect)] = target
        except BaseException:
            databases.drop(target, self.servers)
            raise
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        if not fill_once:
            databases.drop(target, self.servers)
        if fresh and not fill_once and dialect == "sqlite-ram" and self.plan.s1_runs_on_ram_disk > 1:
            self._more_s1_runs(request, dialect, result)
        return self._record(tool, dialect, n, rep, result, fill_once)

    def _more_s1_runs(self, request: Request, dialect: str, result: dict[str, Any]) -> None:
        """Run S1 again on fresh databases, in fresh workers; the figures become their medians."""
        walls, cpus = [result["s1_seconds"]], [result["s1_cpu"]]
        for _ in range(self.plan.s1_runs_on_ram_disk - 1):
            target = databases.create(dialect, self.servers, self.scratch)
            try:
                again = self._worker(replace(request, target=target, only_apply=True), dialect)
            finally:
                databases.drop(target, self.servers)
            walls.append(again["s1_seconds"])
            cpus.append(again["s1_cpu"])
        result["s1_seconds"], result["s1_cpu"] = _median(walls), _median(cpus)
        result["s1_samples"] = {"seconds": walls, "cpu_seconds": cpus}

    def _record(
        self, tool: Tool, dialect: str, n: int, rep: int, result: dict[str, Any], fill_once: bool
    ) -> str:
        at = (dialect, n, rep)
        name = tool.name
        said: list[str] = []
        if "s1_seconds" in result:
            scenario = "S1-fill" if fill_once else "S1"
            runs = result.get("s1_samples", {})
            self.add(
                Record(scenario, name, result["s1_seconds"], "s", *at, detail={"runs": runs.get("seconds")})
            )
            self.add(
                Record(
                    f"{scenario}-cpu",
                    name,
                    result["s1_cpu"],
                    "s",
                    *at,
                    detail={"runs": runs.get("cpu_seconds")},
                )
            )
            self.add(
                Record(
                    "S1-fill-peak-rss" if fill_once else "S1-peak-rss",
                    name,
                    result["s1_peak_rss_kib"] / 1024,
                    "MiB",
                    *at,
                    detail={"rss_before_mib": result["s1_rss_before_kib"] / 1024},
                )
            )
            said.append(f"S1 {result['s1_seconds']:.3f} s (CPU {result['s1_cpu']:.3f} s)")
        samples = result["s2_samples"]
        s2 = _median(samples)
        self.add(Record("S2", name, s2, "s", *at, detail={"calls": len(samples), "samples": samples}))
        self.add(Record("S2-cpu", name, _median(result["s2_cpu_samples"]), "s", *at))
        wire = result["s2_wire"]
        self.add(Record("S2-wire", name, wire["round_trips"], "round trips", *at, detail=wire))
        said.append(f"S2 {s2 * 1000:.2f} ms")
        if "s2_cli" in result:
            cli = result["s2_cli"]
            detail = {"peak_rss_mib": cli["peak_rss_kib"] / 1024, "samples": result["s2_cli_samples"]}
            self.add(Record("S2-cli", name, cli["seconds"], "s", *at, detail=detail))
            self.add(Record("S2-cli-cpu", name, cli["cpu_seconds"], "s", *at))
            said.append(f"S2 command {cli['seconds'] * 1000:.0f} ms")
        for key, scenario in (("s5", "S5"), ("s6", "S6")):
            if f"{key}_samples" in result:
                walls = result[f"{key}_samples"]
                self.add(Record(scenario, name, _median(walls), "s", *at, detail={"samples": walls}))
                self.add(Record(f"{scenario}-cpu", name, _median(result[f"{key}_cpu_samples"]), "s", *at))
                said.append(f"{scenario} {_median(walls) * 1000:.2f} ms")
        if "s3_seconds" in result:
            self.add(Record("S3", name, result["s3_seconds"], "s", *at))
            self.add(Record("S3-cpu", name, result["s3_cpu"], "s", *at))
            said.append(f"S3 {result['s3_seconds']:.3f} s")
        return ", ".join(said)

    def drop_filled(self) -> None:
        for target in self.filled.values():
            databases.drop(target, self.servers)
        self.filled.clear()

    def commands(self, tool: Tool, dialect: str, n: int, rep: int) -> str:
        target = databases.create(dialect, self.servers, self.scratch)
        workdir = Path(tempfile.mkdtemp(prefix=f"{tool.name}-", dir=self.scratch))
        try:
            folder = self.folder(tool, n, dialect)
            s1 = time_command(tool.command("upgrade", folder, target, workdir), workdir)
            if (tables := databases.count_tables(target)) != n:
                raise RuntimeError(f"`{tool.name}` upgrade left {tables} tables, not {n}")
        finally:
            databases.drop(target, self.servers)
            shutil.rmtree(workdir, ignore_errors=True)
        peak = {"peak_rss_mib": s1.peak_rss_kib / 1024}
        self.add(Record("S1-cli", tool.name, s1.seconds, "s", dialect, n, rep, detail=peak))
        self.add(Record("S1-cli-cpu", tool.name, s1.cpu_seconds, "s", dialect, n, rep))
        return f"S1 command {s1.seconds:.3f} s"

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
                        self.add(Record(f"{scenario}-cpu", name, measured.cpu_seconds, "s", rep=rep))
            startup = time_command([sys.executable, "-c", "pass"], self.scratch)
            self.add(Record("python-startup", "python", startup.seconds, "s", rep=rep))


def compile_bytecode() -> None:
    """Write the bytecode of sqlspec and of the raw baseline, as an installed package has it.

    Alembic and yoyo come from wheels, byte-compiled when pip installed them; sqlspec is installed
    editable from this checkout, so where ``PYTHONDONTWRITEBYTECODE`` is set (it is on the machine
    of docs/performance.md) every sqlspec command timed would compile each module it imports from
    source first, about a quarter of a no-op command's time. The baseline runs as a module
    (``python -m benchmarks.raw``), so it too starts from bytecode.
    """
    for package in ("sqlspec", "sqlspec_litestar", "benchmarks"):
        if not compileall.compile_dir(REPO / package, quiet=1):
            raise RuntimeError(f"cannot byte-compile {package}")


def run(
    plan: Plan,
    servers: databases.Servers,
    scratch: Path,
    progress: Callable[[str], None] = _log,
) -> dict[str, Any]:
    """Run ``plan`` and return the results document (records, machine, plan)."""
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    session = _Session(plan, servers, scratch)
    compile_bytecode()
    started = time.perf_counter()
    progress("S4: --help and --version as whole processes")
    session.help_and_version()
    cells = [
        (n, dialect, tool)
        for n in plan.sizes
        for dialect in plan.dialects
        for tool in plan.tools
        if plan.runs(tool, dialect, n)
    ]
    total = plan.rounds * sum(2 if n in plan.cli_sizes else 1 for n, _, _ in cells)
    done = 0
    try:
        for n in plan.sizes:
            for rep in range(plan.rounds):
                for dialect in plan.dialects:
                    for name in _rotated(plan.tools, rep):
                        if not plan.runs(name, dialect, n):
                            continue
                        tool = TOOLS[name]
                        steps = [session.in_process] + ([session.commands] if n in plan.cli_sizes else [])
                        for step in steps:
                            summary = step(tool, dialect, n, rep)
                            done += 1
                            elapsed = time.perf_counter() - started
                            progress(
                                f"[{done:>3}/{total}] {elapsed:5.0f} s  {dialect:<10} N={n:<5} "
                                f"round {rep + 1}/{plan.rounds} {name:<8} {summary}"
                            )
            session.drop_filled()
    finally:
        session.drop_filled()
    shutil.rmtree(scratch, ignore_errors=True)
    return {
        "machine": machine(servers, plan.dialects),
        "plan": asdict(plan),
        "duration_seconds": round(time.perf_counter() - started, 1),
        "records": [asdict(record) for record in session.records],
    }
