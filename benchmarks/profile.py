"""Profile one tool's call with pyinstrument, to see where a slow figure comes from.

``python -m benchmarks profile --tool sqlspec --dialect sqlite -n 1000 --operation check`` makes a
scratch database, brings it to the state the operation starts from (empty for ``upgrade``, at head
for ``check`` and ``downgrade``), then runs the call ``--repeat`` times under the profiler in this
process and prints pyinstrument's text report.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import cast

from benchmarks import databases
from benchmarks.tools import TOOLS, Operation, Tool

__all__ = ("main",)


def _run(tool: Tool, call: Callable[[], object], times: int) -> None:
    if not tool.is_async:
        for _ in range(times):
            call()
        return

    async def run() -> None:
        for _ in range(times):
            await cast(Callable[[], Awaitable[object]], call)()

    asyncio.run(run())


def main(argv: list[str] | None = None) -> None:
    from pyinstrument import Profiler  # type: ignore[import-not-found, unused-ignore]

    parser = argparse.ArgumentParser(prog="python -m benchmarks profile", description=__doc__)
    parser.add_argument("--tool", choices=sorted(TOOLS), default="sqlspec")
    parser.add_argument("--dialect", choices=databases.DIALECTS, default="sqlite")
    parser.add_argument("-n", type=int, default=1000, help="migrations on disk")
    parser.add_argument("--operation", choices=("upgrade", "check", "downgrade"), default="check")
    parser.add_argument("--repeat", type=int, default=1, help="calls to profile (check: try 100)")
    parser.add_argument("--dsn", default=databases.DEFAULT_DSN, help="admin DSN of the PostgreSQL server")
    parser.add_argument("--mysql-dsn", default=databases.DEFAULT_MYSQL_DSN, help="admin DSN of MySQL/MariaDB")
    parser.add_argument("--scratch", type=Path, default=Path("build/bench/profile"))
    args = parser.parse_args(argv)

    operation = cast(Operation, args.operation)
    tool = TOOLS[args.tool]
    scratch = args.scratch.resolve()
    scratch.mkdir(parents=True, exist_ok=True)
    mysql = args.dialect == "mysql"
    folder = scratch / f"{tool.name}-{args.n}{'-mysql' if mysql else ''}"
    if not folder.exists():
        tool.write(folder, args.n, mysql)
    server = databases.Servers(args.dsn, args.mysql_dsn)
    target = databases.create(args.dialect, server, scratch)
    try:
        if operation != "upgrade":
            _run(tool, tool.call("upgrade", folder, target), 1)
        call = tool.call(operation, folder, target)
        if operation == "check":
            _run(tool, call, 1)  # warm-up, as the benchmark does
        profiler = Profiler(interval=0.0005, async_mode="enabled")
        profiler.start()
        _run(tool, call, args.repeat)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    finally:
        databases.drop(target, server)
