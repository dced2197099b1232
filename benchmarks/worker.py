"""The in-process measurements of one tool on one database, in a fresh interpreter.

``python -m benchmarks.worker REQUEST_JSON`` prints one line of JSON. A fresh process per run keeps
the tools apart (no shared imports, caches or memory high-water mark). The tool's modules are
imported before any clock starts: these figures are the cost of the calls, not of importing the
tool (the command-line figures and S4 show that). Every timed call also records the process's CPU
time (``time.process_time()``: user + system time of all its threads, so aiosqlite's worker thread
counts), and every command the CPU time ``wait4`` reports for it. In order:

1. **S1** (unless the database was filled before, ``apply=False``): apply all N migrations to an
   empty database; its seconds and CPU seconds, the resident set size before the call and the
   process's peak (``ru_maxrss``) right after it, in KiB.
2. **S2**: the same call with nothing pending: one untimed warm-up call, then timed calls until
   ``max_calls`` or ``budget_seconds`` (at least ``min_calls``); then one more under the wire counter
   (:mod:`benchmarks.wire`), whose round trips, statements and locks are reported.
3. **S2-cli** (``check_command``): the tool's no-op upgrade command as a whole process, spawned
   :data:`COMMAND_SAMPLES` times: the median wall and CPU time, the highest peak memory. One
   spawn is at the mercy of the scheduler (single spawns of one command differ by a third on a
   busy machine), as S2's single calls would be; its median of several is what a round reports.
4. **S5** (``session_checks``): what a long-lived app's start-up check costs, with the tool's
   connection or pool already open (sqlspec: ``open_pool()`` then ``migrate_up("head")``, as the
   Litestar plugin does; raw: its query on an open connection).
5. **S3** (``revert``): revert everything (to base); its seconds and CPU seconds.
6. **S6** (``steps``): the stairway: that many ``migrate_up("+1")`` calls, each applying one
   migration, through the same long-lived session (raw: one open connection).

After S1, S3 and S6 the worker counts the ``bench_N`` tables (untimed), so a tool that did nothing
cannot look fast.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

from benchmarks.databases import count_tables
from benchmarks.tools import TOOLS, Session, Target, Tool
from benchmarks.wire import MysqlProxy, PostgresProxy, WireCount, trace_sqlite

__all__ = ("Measured", "Request", "main", "measure", "time_command")

COMMAND_SAMPLES = 5
"""Spawns of the no-op command per round (S2-cli); the round reports their median."""


@dataclass(frozen=True)
class Request:
    """What the parent asks a worker to measure."""

    tool: str
    folder: str
    count: int
    target: Target
    apply: bool = True
    only_apply: bool = False
    """S1 alone: a further run of it on a fresh database (see ``Plan.s1_runs_on_ram_disk``)."""
    revert: bool = True
    check_command: bool = False
    session_checks: bool = False
    steps: int = 0
    workdir: str = ""
    min_calls: int = 5
    max_calls: int = 100
    budget_seconds: float = 0.5

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Request:
        data = json.loads(text)
        data["target"] = Target(**data["target"])
        return cls(**data)


@dataclass
class Measured:
    """A command's wall-clock seconds, CPU seconds (user + system) and peak resident set size."""

    seconds: float
    cpu_seconds: float
    peak_rss_kib: int


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
    return Measured(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


class WrongStateError(RuntimeError):
    """A tool left the database with the wrong number of tables."""


def _rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


class _Caller:
    """Runs a tool's calls and times them: sync calls directly, async ones on one long-lived loop."""

    def __init__(self, tool: Tool) -> None:
        self._runner = asyncio.Runner() if tool.is_async else None

    def timed(self, call: Callable[[], object]) -> tuple[float, float]:
        """Wall-clock and CPU seconds of one call."""
        if self._runner is None:
            cpu, started = time.process_time(), time.perf_counter()
            call()
            return time.perf_counter() - started, time.process_time() - cpu

        async def run() -> tuple[float, float]:
            cpu, started = time.process_time(), time.perf_counter()
            await cast(Callable[[], Awaitable[object]], call)()
            return time.perf_counter() - started, time.process_time() - cpu

        return self._runner.run(run())

    def run(self, call: Callable[[], Awaitable[object]]) -> None:
        assert self._runner is not None
        self._runner.run(cast(Any, call()))

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()


def _counted(caller: _Caller, tool: Tool, folder: Path, target: Target) -> WireCount:
    if target.dialect == "sqlite":
        with trace_sqlite(WireCount()) as count:
            caller.timed(tool.call("check", folder, target))
        return count
    proxy = (MysqlProxy if target.mysql else PostgresProxy)(target.host, target.port)
    try:
        count = proxy.measure()
        caller.timed(tool.call("check", folder, target.via(proxy.port)))
        time.sleep(0.05)  # let the relay threads see the connection close
        return count
    finally:
        proxy.close()


def _samples(
    caller: _Caller, call: Callable[[], object], request: Request
) -> tuple[list[float], list[float]]:
    """One untimed warm-up call, then timed calls within the request's budget."""
    caller.timed(call)  # warm-up: first-call costs belong to S1 and to the command-line figures
    walls: list[float] = []
    cpus: list[float] = []
    started = time.perf_counter()
    while len(walls) < request.max_calls and (
        len(walls) < request.min_calls or time.perf_counter() - started < request.budget_seconds
    ):
        wall, cpu = caller.timed(call)
        walls.append(wall)
        cpus.append(cpu)
    return walls, cpus


def _session_samples(
    caller: _Caller, session: Session, request: Request, steps: int = 0
) -> tuple[list[float], list[float]]:
    caller.run(session.open)
    try:
        if steps:
            walls: list[float] = []
            cpus: list[float] = []
            for _ in range(steps):
                wall, cpu = caller.timed(session.step)
                walls.append(wall)
                cpus.append(cpu)
            return walls, cpus
        return _samples(caller, session.check, request)
    finally:
        caller.run(session.close)


def measure(request: Request) -> dict[str, Any]:
    """Run the requested scenarios in this process and return their figures."""
    tool = TOOLS[request.tool]
    folder = Path(request.folder)
    target = request.target
    caller = _Caller(tool)
    result: dict[str, Any] = {}
    try:
        if request.apply:
            upgrade = tool.call("upgrade", folder, target)
            result["s1_rss_before_kib"] = _rss_kib()
            result["s1_seconds"], result["s1_cpu"] = caller.timed(upgrade)
            result["s1_peak_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            if count_tables(target) != request.count:
                raise WrongStateError(f"{tool.name} did not create {request.count} tables in S1")
            if request.only_apply:
                return result

        result["s2_samples"], result["s2_cpu_samples"] = _samples(
            caller, tool.call("check", folder, target), request
        )
        wire = _counted(caller, tool, folder, target)
        result["s2_wire"] = {
            "connections": wire.connections,
            "setup_round_trips": wire.setup_round_trips,
            "round_trips": wire.round_trips,
            "statements": wire.statements,
            "takes_lock": wire.takes_lock,
        }
        if request.check_command:
            workdir = Path(request.workdir)
            argv = tool.command("check", folder, target, workdir)
            spawns = [time_command(argv, workdir) for _ in range(COMMAND_SAMPLES)]
            result["s2_cli"] = asdict(
                Measured(
                    statistics.median(spawn.seconds for spawn in spawns),
                    statistics.median(spawn.cpu_seconds for spawn in spawns),
                    max(spawn.peak_rss_kib for spawn in spawns),
                )
            )
            result["s2_cli_samples"] = [spawn.seconds for spawn in spawns]
        if request.session_checks and (session := tool.session(folder, target)) is not None:
            result["s5_samples"], result["s5_cpu_samples"] = _session_samples(caller, session, request)

        if request.revert:
            result["s3_seconds"], result["s3_cpu"] = caller.timed(tool.call("downgrade", folder, target))
            if count_tables(target) != 0:
                raise WrongStateError(f"{tool.name} left tables behind in S3")
            if request.steps and (session := tool.session(folder, target)) is not None:
                result["s6_samples"], result["s6_cpu_samples"] = _session_samples(
                    caller, session, request, steps=request.steps
                )
                if count_tables(target) != request.steps:
                    raise WrongStateError(f"{tool.name} did not apply {request.steps} migrations in S6")
        return result
    finally:
        caller.close()


def main() -> None:
    print(json.dumps(measure(Request.from_json(sys.argv[1]))))


if __name__ == "__main__":
    main()
