"""Turn the records of a run into medians, ratios to the raw driver, growth in N and the targets.

The same tables serve the terminal (plain text) and ``docs/performance.md`` (Markdown).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ("Summary", "markdown_tables", "text_tables")

DIALECT_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
SCENARIOS = (
    ("S1", "S1 apply all, in-process"),
    ("S1-cli", "S1 apply all, command"),
    ("S1-peak-rss", "S1 peak memory (RSS)"),
    ("S2", "S2 up to date, per call"),
    ("S2-wire", "S2 round trips (statements)"),
    ("S2-cli", "S2 up to date, command"),
    ("S3", "S3 downgrade to base"),
)
GROWTH_SCENARIOS = (("S1", "S1 apply all"), ("S2", "S2 up to date"), ("S3", "S3 downgrade"))
Key = tuple[str, str, int, str]
"""(scenario, dialect, n, tool)"""


def _seconds(value: float) -> str:
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 0.1:
        return f"{value * 1000:.0f} ms"
    if value >= 0.01:
        return f"{value * 1000:.1f} ms"
    return f"{value * 1000:.2f} ms"


@dataclass(frozen=True)
class Target:
    """One target of the issue, and whether the run met it."""

    name: str
    measured: str
    met: bool | None
    """``None`` when the run did not measure it (e.g. the quick plan)."""


class Summary:
    """Medians over repetitions of every (scenario, database, N, tool)."""

    def __init__(self, results: dict[str, Any]) -> None:
        self.results = results
        self.plan: dict[str, Any] = results["plan"]
        self.tools: list[str] = list(self.plan["tools"])
        self.dialects: list[str] = list(self.plan["dialects"])
        self.sizes: list[int] = sorted(self.plan["sizes"])
        samples: dict[Key, list[float]] = defaultdict(list)
        self.wire: dict[Key, dict[str, Any]] = {}
        for record in results["records"]:
            key = (record["scenario"], record["dialect"], record["n"], record["tool"])
            samples[key].append(record["value"])
            if record["scenario"] == "S2-wire":
                self.wire[key] = {"round_trips": record["value"], **record["detail"]}
        self.median = {key: statistics.median(values) for key, values in samples.items()}
        self.count = {key: len(values) for key, values in samples.items()}

    def get(self, scenario: str, tool: str, dialect: str = "", n: int = 0) -> float | None:
        return self.median.get((scenario, dialect, n, tool))

    def ratio(self, scenario: str, tool: str, dialect: str = "", n: int = 0) -> float | None:
        value, base = self.get(scenario, tool, dialect, n), self.get(scenario, "raw", dialect, n)
        return None if value is None or not base else value / base

    def growth(self, scenario: str, tool: str, dialect: str) -> float | None:
        """k in cost ∝ N^k between the smallest and the largest N (1 is linear)."""
        small, large = self.sizes[0], self.sizes[-1]
        low, high = self.get(scenario, tool, dialect, small), self.get(scenario, tool, dialect, large)
        if low is None or high is None or small == large:
            return None
        return math.log(high / low) / math.log(large / small)

    # -- cells -----------------------------------------------------------------------------------

    def cell(self, scenario: str, tool: str, dialect: str, n: int) -> str:
        if scenario == "S2-wire":
            wire = self.wire.get((scenario, dialect, n, tool))
            if wire is None:
                return "-"
            lock = ", lock" if wire["takes_lock"] else ""
            return f"{wire['round_trips']:.0f} ({len(wire['statements'])}){lock}"
        value = self.get(scenario, tool, dialect, n)
        if value is None:
            return "-"
        text = f"{value:.0f} MiB" if scenario == "S1-peak-rss" else _seconds(value)
        ratio = self.ratio(scenario, tool, dialect, n)
        return text if tool == "raw" or ratio is None else f"{text} ({ratio:.2f}x)"

    def rows(self, dialect: str) -> list[list[str]]:
        rows = []
        for scenario, label in SCENARIOS:
            for n in self.sizes:
                cells = [self.cell(scenario, tool, dialect, n) for tool in self.tools]
                if any(cell != "-" for cell in cells):
                    rows.append([label, f"{n:,}", *cells])
        return rows

    def help_rows(self) -> list[list[str]]:
        rows = []
        for scenario, label in (("S4-help", "--help"), ("S4-version", "--version")):
            cells = []
            for tool in self.tools:
                value = self.get(scenario, tool)
                ratio = self.ratio(scenario, tool)
                if value is None:
                    cells.append("-")
                else:
                    cells.append(
                        _seconds(value)
                        if tool == "raw" or ratio is None
                        else f"{_seconds(value)} ({ratio:.2f}x)"
                    )
            rows.append([f"S4 {label}", *cells])
        return rows

    def growth_rows(self) -> list[list[str]]:
        rows = []
        for dialect in self.dialects:
            for scenario, label in GROWTH_SCENARIOS:
                cells = []
                for tool in self.tools:
                    k = self.growth(scenario, tool, dialect)
                    cells.append("-" if k is None else f"{k:.2f}")
                rows.append([DIALECT_NAMES[dialect], label, *cells])
        return rows

    # -- targets ---------------------------------------------------------------------------------

    def targets(self) -> list[Target]:
        found: list[Target] = []
        for dialect in self.dialects:
            name = DIALECT_NAMES[dialect]
            ratio = self.ratio("S1", "sqlspec", dialect, 1000)
            found.append(
                Target(
                    f"S1 at N=1,000 on {name}: at most 1.15x the raw driver",
                    "not measured" if ratio is None else f"{ratio:.2f}x",
                    None if ratio is None else ratio <= 1.15,
                )
            )
        for dialect in self.dialects:
            name = DIALECT_NAMES[dialect]
            wire = self.wire.get(("S2-wire", dialect, 1000, "sqlspec")) or self.wire.get(
                ("S2-wire", dialect, self.sizes[-1], "sqlspec")
            )
            raw = self.wire.get(("S2-wire", dialect, 1000, "raw")) or self.wire.get(
                ("S2-wire", dialect, self.sizes[-1], "raw")
            )
            if wire is None or raw is None:
                found.append(Target(f"S2 on {name}: one round trip, no lock", "not measured", None))
                continue
            statements = len(wire["statements"])
            found.append(
                Target(
                    f"S2 on {name}: one query, no lock (round trips no more than the raw driver's query)",
                    f"{statements} statement(s), {wire['round_trips']:.0f} round trip(s) (raw: "
                    f"{raw['round_trips']:.0f}), lock: {'yes' if wire['takes_lock'] else 'no'}",
                    statements == 1 and not wire["takes_lock"] and wire["round_trips"] <= raw["round_trips"],
                )
            )
        for dialect in self.dialects:
            value = self.get("S2", "sqlspec", dialect, 1000)
            found.append(
                Target(
                    f"S2 on {DIALECT_NAMES[dialect]}: under 5 ms per call with 1,000 migrations",
                    "not measured" if value is None else _seconds(value),
                    None if value is None else value < 0.005,
                )
            )
        value = self.get("S4-help", "sqlspec")
        found.append(
            Target(
                "S4: `sqlspec --help` under 0.15 s",
                "not measured" if value is None else _seconds(value),
                None if value is None else value < 0.15,
            )
        )
        for dialect in self.dialects:
            for n in self.sizes:
                ours, theirs = (
                    self.get("S2-cli", "sqlspec", dialect, n),
                    self.get("S2-cli", "alembic", dialect, n),
                )
                if ours is None or theirs is None:
                    continue
                found.append(
                    Target(
                        f"no-op `sqlspec upgrade` 2x faster than Alembic's on {DIALECT_NAMES[dialect]}, "
                        f"N={n:,}",
                        f"{theirs / ours:.2f}x faster ({_seconds(ours)} vs {_seconds(theirs)})",
                        theirs / ours >= 2,
                    )
                )
        for dialect in self.dialects:
            for scenario, label in GROWTH_SCENARIOS:
                k = self.growth(scenario, "sqlspec", dialect)
                floor = self.growth(scenario, "raw", dialect)
                found.append(
                    Target(
                        f"{label} linear or better in N on {DIALECT_NAMES[dialect]} "
                        f"(N^k from {self.sizes[0]:,} to {self.sizes[-1]:,}, k <= 1.1)",
                        "not measured"
                        if k is None or floor is None
                        else f"k = {k:.3f} (raw driver: {floor:.3f})",
                        None if k is None else k <= 1.1,
                    )
                )
        return found

    def target_rows(self) -> list[list[str]]:
        verdict = {True: "met", False: "MISSED", None: "-"}
        return [[target.name, target.measured, verdict[target.met]] for target in self.targets()]


def _text_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    rows = [list(header), *(list(row) for row in rows)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]], right_from: int = 1) -> str:
    align = ["---" if i < right_from else "---:" for i in range(len(header))]
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in lines)


def _sections(summary: Summary) -> list[tuple[str, list[str], list[list[str]], int]]:
    tools = summary.tools
    sections = [
        (
            f"{DIALECT_NAMES[dialect]}: medians (ratio to raw)",
            ["scenario", "N", *tools],
            summary.rows(dialect),
            2,
        )
        for dialect in summary.dialects
    ]
    sections.append(
        ("Start-up, whole processes: medians (ratio to raw)", ["scenario", *tools], summary.help_rows(), 1)
    )
    sections.append(
        (
            f"Growth: k in cost ∝ N^k from N={summary.sizes[0]:,} to {summary.sizes[-1]:,} (1 = linear)",
            ["database", "scenario", *tools],
            summary.growth_rows(),
            2,
        )
    )
    sections.append(("Targets", ["target", "measured", "verdict"], summary.target_rows(), 3))
    return sections


def text_tables(summary: Summary) -> str:
    """Every table, as plain text for the terminal."""
    return "\n\n".join(
        f"{title}\n{_text_table(header, rows)}" for title, header, rows, _ in _sections(summary)
    )


def markdown_tables(summary: Summary) -> str:
    """Every table, as Markdown for docs/performance.md."""
    return "\n\n".join(
        f"**{title}**\n\n{_markdown_table(header, rows, right)}"
        for title, header, rows, right in _sections(summary)
    )
