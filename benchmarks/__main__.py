"""``python -m benchmarks [run|report|profile]``; ``make bench`` runs ``run`` with the default plan.

- ``run``: run a plan (``--plan default|full|quick``), print the tables and write the results
  (records, medians, ratios, targets and the machine) as JSON to ``--out``.
- ``report RESULTS``: print the tables of a results file again; ``--docs`` also writes them into
  ``docs/performance.md`` (between its ``bench:`` markers), draws ``docs/performance.svg`` and
  copies the results to ``docs/performance.json``.
- ``profile``: pyinstrument on one tool's call (see :mod:`benchmarks.profile`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from benchmarks import databases, plot
from benchmarks.report import Summary, markdown_tables, text_tables
from benchmarks.run import PLANS, REPO, run

DOCS_PAGE = REPO / "docs" / "performance.md"
DOCS_PLOT = REPO / "docs" / "performance.svg"
DOCS_DATA = REPO / "docs" / "performance.json"
_MARKED = re.compile(r"(<!-- bench:(?P<name>[a-z]+) -->\n)(?:.*?\n)?(<!-- /bench:(?P=name) -->)", re.DOTALL)


def _summary_document(summary: Summary) -> dict[str, Any]:
    cells = [
        {
            "scenario": scenario,
            "dialect": dialect,
            "n": n,
            "tool": tool,
            "min": spread.low,
            "median": spread.median,
            "max": spread.high,
            "rounds": spread.count,
            "ratio_to_raw": summary.ratio(scenario, tool, dialect, n),
        }
        for (scenario, dialect, n, tool), spread in sorted(summary.spread.items())
    ]
    return {"cells": cells, "targets": [asdict(target) for target in summary.targets()]}


def _settings(values: dict[str, str]) -> str:
    return ", ".join(f"{name}={value}" for name, value in values.items())


def _machine_lines(results: dict[str, Any], summary: Summary) -> str:
    machine = results["machine"]
    packages = ", ".join(f"{name} {version}" for name, version in machine["packages"].items())
    startup = summary.get("python-startup", "python")
    plan = results["plan"]
    servers = []
    if "postgresql" in machine:
        servers.append(f"PostgreSQL {machine['postgresql']} ({_settings(machine['postgresql_settings'])})")
    if "mysql" in machine:
        servers.append(f"MariaDB/MySQL {machine['mysql']} ({_settings(machine['mysql_settings'])})")
    fill = ", ".join(f"{n:,}" for n in plan["fill_once"])
    lines = [
        f"- Date: {machine.get('date', 'not recorded')}",
        f"- CPU: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB",
        f"- OS: {machine['os']}",
        f"- Python {machine['python']}"
        + (f" (interpreter start-up, `python -c pass`: {startup * 1000:.0f} ms)" if startup else ""),
        f"- {'; '.join(servers)} on the same machine; SQLite {machine['sqlite']} (on disk, and on the "
        "RAM disk `/dev/shm`)",
        f"- {packages}",
        f"- sqlspec measured: {machine.get('sqlspec_source', 'the working tree')}",
        f"- {plan['rounds']} interleaved rounds per cell"
        + (f" (at N = {fill}: each database filled once, then 5 rounds of S2)" if fill else "")
        + f"; S4: {plan['help_repetitions']} rounds. Whole run: {results['duration_seconds'] / 60:.1f} "
        "minutes.",
    ]
    return "\n".join(lines)


def _write_docs(results: dict[str, Any], summary: Summary) -> None:
    page = DOCS_PAGE.read_text()
    blocks = {"machine": _machine_lines(results, summary), "tables": markdown_tables(summary)}

    def fill(match: re.Match[str]) -> str:
        return f"{match.group(1)}{blocks[match.group('name')]}\n{match.group(3)}"

    DOCS_PAGE.write_text(_MARKED.sub(fill, page))
    DOCS_PLOT.write_text(plot.svg(summary))
    DOCS_DATA.write_text(json.dumps(results, indent=1) + "\n")  # the page links every measurement
    written = ", ".join(str(path.relative_to(REPO)) for path in (DOCS_PAGE, DOCS_PLOT, DOCS_DATA))
    print(f"wrote {written}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    running = commands.add_parser("run", help="run a plan and write the results")
    running.add_argument("--plan", choices=sorted(PLANS), default="default")
    running.add_argument("--dsn", default=databases.DEFAULT_DSN, help="admin DSN of the PostgreSQL server")
    running.add_argument(
        "--mysql-dsn", default=databases.DEFAULT_MYSQL_DSN, help="admin DSN of the MySQL/MariaDB server"
    )
    running.add_argument(
        "--dialects",
        help=f"comma-separated subset of {','.join(databases.DIALECTS)} (default: the plan's)",
    )
    running.add_argument("--out", type=Path, default=REPO / "build" / "bench" / "results.json")
    running.add_argument("--scratch", type=Path, default=REPO / "build" / "bench" / "scratch")
    running.add_argument("--docs", action="store_true", help="also update docs/performance.md and its plot")
    reporting = commands.add_parser(
        "report", help="print (or write into the docs) the tables of a results file"
    )
    reporting.add_argument("results", type=Path)
    reporting.add_argument("--docs", action="store_true", help="update docs/performance.md and its plot")
    commands.add_parser("profile", help="profile one call with pyinstrument", add_help=False)
    args, rest = parser.parse_known_args(argv)

    if args.command == "profile":
        from benchmarks.profile import main as profile

        profile(rest)
        return
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "run":
        # Through JSON and back, so a fresh run reads exactly like a results file (string keys).
        plan = PLANS[args.plan]
        if args.dialects:
            plan = replace(plan, dialects=tuple(args.dialects.split(",")))
        servers = databases.Servers(args.dsn, args.mysql_dsn)
        results = json.loads(json.dumps(run(plan, servers, args.scratch.resolve())))
        summary = Summary(results)
        results["summary"] = _summary_document(summary)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1) + "\n")
        print(text_tables(summary))
        print(f"\nResults: {args.out}")
    else:
        results = json.loads(args.results.read_text())
        summary = Summary(results)
        print(text_tables(summary))
    if args.docs:
        _write_docs(results, summary)


if __name__ == "__main__":
    main()
