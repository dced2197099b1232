"""The in-process measurements of one tool on one fresh database, in a fresh interpreter.

``python -m benchmarks.worker REQUEST_JSON`` prints one line of JSON. A fresh process per run keeps
the tools apart (no shared imports, caches or memory high-water mark). The tool's modules are
imported before any clock starts: these figures are the cost of the calls, not of importing the
tool (the command-line figures and S4 show that). In order, on an empty database:

1. **S1**: apply all N migrations; its seconds, the resident set size before the call and the
   process's peak (``ru_maxrss``) right after it, in KiB.
2. **S2**: the same call with nothing pending: one untimed warm-up call, then timed calls until
   ``max_calls`` or ``budget_seconds`` (at least ``min_calls``); then one more under the wire counter
   (:mod:`benchmarks.wire`), whose round trips, statements and locks are reported.
3. **S3**: revert everything (to base); its seconds.

After S1 and S3 the worker counts the ``bench_N`` tables (untimed), so a tool that did nothing
cannot look fast.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

from benchmarks.databases import count_tables
from benchmarks.tools import TOOLS, Target, Tool
from benchmarks.wire import PostgresProxy, WireCount, trace_sqlite

__all__ = ("Request", "main", "measure")


@dataclass(frozen=True)
class Request:
    """What the parent asks a worker to measure."""

    tool: str
    folder: str
    count: int
    target: Target
    min_calls: int = 3
    max_calls: int = 25
    budget_seconds: float = 0.5

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Request:
        data = json.loads(text)
        data["target"] = Target(**data["target"])
        return cls(**data)


class WrongStateError(RuntimeError):
    """A tool left the database with the wrong number of tables."""


def _rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


class _Caller:
    """Runs a tool's calls and times them: sync calls directly, async ones on one long-lived loop."""

    def __init__(self, tool: Tool) -> None:
        self._runner = asyncio.Runner() if tool.is_async else None

    def timed(self, call: Callable[[], object]) -> float:
        if self._runner is None:
            started = time.perf_counter()
            call()
            return time.perf_counter() - started

        async def run() -> float:
            started = time.perf_counter()
            await cast(Callable[[], Awaitable[object]], call)()
            return time.perf_counter() - started

        return self._runner.run(run())

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()


def _counted(caller: _Caller, tool: Tool, folder: Path, target: Target) -> WireCount:
    if target.dialect == "sqlite":
        with trace_sqlite(WireCount()) as count:
            caller.timed(tool.call("check", folder, target))
        return count
    proxy = PostgresProxy(target.host, target.port)
    try:
        count = proxy.measure()
        caller.timed(tool.call("check", folder, target.via(proxy.port)))
        time.sleep(0.05)  # let the relay threads see the connection close
        return count
    finally:
        proxy.close()


def measure(request: Request) -> dict[str, Any]:
    """Run S1, S2 and S3 in this process and return their figures."""
    tool = TOOLS[request.tool]
    folder = Path(request.folder)
    target = request.target
    caller = _Caller(tool)
    try:
        upgrade = tool.call("upgrade", folder, target)
        rss_before = _rss_kib()
        s1 = caller.timed(upgrade)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if count_tables(target) != request.count:
            raise WrongStateError(f"{tool.name} did not create {request.count} tables in S1")

        check = tool.call("check", folder, target)
        caller.timed(check)  # warm-up: first-call costs belong to S1 and to the command-line figures
        samples: list[float] = []
        started = time.perf_counter()
        while len(samples) < request.max_calls and (
            len(samples) < request.min_calls or time.perf_counter() - started < request.budget_seconds
        ):
            samples.append(caller.timed(check))
        wire = _counted(caller, tool, folder, target)

        s3 = caller.timed(tool.call("downgrade", folder, target))
        if count_tables(target) != 0:
            raise WrongStateError(f"{tool.name} left tables behind in S3")
        return {
            "s1_seconds": s1,
            "s1_rss_before_kib": rss_before,
            "s1_peak_rss_kib": peak,
            "s2_samples": samples,
            "s2_connections": wire.connections,
            "s2_setup_round_trips": wire.setup_round_trips,
            "s2_round_trips": wire.round_trips,
            "s2_statements": wire.statements,
            "s2_takes_lock": wire.takes_lock,
            "s3_seconds": s3,
        }
    finally:
        caller.close()


def main() -> None:
    print(json.dumps(measure(Request.from_json(sys.argv[1]))))


if __name__ == "__main__":
    main()
