"""Turn the records of a run into spreads (min / median / max over rounds), ratios and verdicts.

The same tables serve the terminal (plain text) and ``docs/performance.md`` (Markdown). A cell reads
``median (min-max)``, then the ratio of its median to the raw driver's. A target is judged on every
round: rounds are interleaved, so round *r* of sqlspec and of the raw driver ran side by side, and
a ratio (or difference) target is computed per round from that pair. The verdict is **met** only
when the target holds in every round (the worst round, the max, satisfies it); **not met (median
meets)** when it holds for the median round only; **not met** otherwise.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ("Spread", "Summary", "markdown_tables", "text_tables")

DIALECT_NAMES = {
    "sqlite": "SQLite",
    "sqlite-ram": "SQLite on a RAM disk",
    "postgres": "PostgreSQL",
    "mysql": "MariaDB",
}
SCENARIOS = (
    ("S1", "S1 apply all, in-process"),
    ("S1-cpu", "S1 CPU time"),
    ("S1-cli", "S1 apply all, command"),
    ("S1-peak-rss", "S1 peak memory (RSS)"),
    ("S2", "S2 up to date, per call"),
    ("S2-cpu", "S2 CPU time per call"),
    ("S2-wire", "S2 round trips (statements)"),
    ("S2-cli", "S2 up to date, command"),
    ("S2-cli-cpu", "S2 command CPU time"),
    ("S5", "S5 start-up check, pool open"),
    ("S6", "S6 one `+1` call, session open"),
    ("S6-cpu", "S6 CPU time per call"),
    ("S3", "S3 downgrade to base"),
    ("S3-cpu", "S3 CPU time"),
)
GROWTH_SCENARIOS = (("S1", "S1 apply all"), ("S2", "S2 up to date"), ("S3", "S3 downgrade"))
Key = tuple[str, str, int, str]
DASH = "\u2013"
"""(scenario, dialect, n, tool)"""


def _seconds(value: float) -> str:
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 0.1:
        return f"{value * 1000:.0f} ms"
    if value >= 0.01:
        return f"{value * 1000:.1f} ms"
    return f"{value * 1000:.2f} ms"


def _bare(value: float) -> str:
    """A spread's bound: the number without its unit when it shares the median's."""
    return _seconds(value).split()[0]


@dataclass(frozen=True)
class Spread:
    """Min, median and max over rounds."""

    low: float
    median: float
    high: float
    count: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(min(values), statistics.median(values), max(values), len(values))

    def text(self, show: Callable[[float], str] = _seconds) -> str:
        if self.count == 1:
            return show(self.median)
        unit = show(self.median).split()[-1]
        same = all(show(value).split()[-1] == unit for value in (self.low, self.high))
        low, high = (
            (_bare(self.low), _bare(self.high))
            if same and show is _seconds
            else (
                show(self.low),
                show(self.high),
            )
        )
        return f"{show(self.median)} ({low}{DASH}{high})"


@dataclass(frozen=True)
class Target:
    """One target of the issue, and whether the run met it."""

    name: str
    measured: str
    met: bool | None
    """``None`` when the run did not measure it (e.g. the quick plan), or a figure with no target."""
    verdict: str


def _ratios(spread: Spread) -> str:
    return f"{spread.median:.2f}x ({spread.low:.2f}{DASH}{spread.high:.2f}x over {spread.count} rounds)"


def _verdict(values: Sequence[float] | None, holds: Callable[[float], bool]) -> tuple[bool | None, str]:
    if not values:
        return None, "not measured"
    if holds(max(values)):
        return True, "met"
    if holds(statistics.median(values)):
        return False, "not met (median meets)"
    return False, "not met"


class Summary:
    """Spreads over rounds of every (scenario, database, N, tool)."""

    def __init__(self, results: dict[str, Any]) -> None:
        self.results = results
        self.plan: dict[str, Any] = results["plan"]
        self.tools: list[str] = list(self.plan["tools"])
        self.dialects: list[str] = list(self.plan["dialects"])
        self.sizes: list[int] = sorted(self.plan["sizes"])
        self.rounds: dict[Key, dict[int, float]] = defaultdict(dict)
        self.wire: dict[Key, dict[str, Any]] = {}
        for record in results["records"]:
            key = (record["scenario"], record["dialect"], record["n"], record["tool"])
            self.rounds[key][record["rep"]] = record["value"]
            if record["scenario"] == "S2-wire":
                self.wire[key] = {"round_trips": record["value"], **record["detail"]}
        self.spread = {key: Spread.of(list(values.values())) for key, values in self.rounds.items()}

    def get(self, scenario: str, tool: str, dialect: str = "", n: int = 0) -> float | None:
        spread = self.spread.get((scenario, dialect, n, tool))
        return None if spread is None else spread.median

    def ratio(self, scenario: str, tool: str, dialect: str = "", n: int = 0) -> float | None:
        value, base = self.get(scenario, tool, dialect, n), self.get(scenario, "raw", dialect, n)
        return None if value is None or not base else value / base

    def paired(
        self, scenario: str, dialect: str, n: int, combine: Callable[[float, float], float]
    ) -> list[float]:
        """Per round: ``combine(sqlspec, raw)`` of the two tools' figures in that round."""
        ours = self.rounds.get((scenario, dialect, n, "sqlspec"), {})
        theirs = self.rounds.get((scenario, dialect, n, "raw"), {})
        return [combine(ours[rep], theirs[rep]) for rep in sorted(ours) if rep in theirs]

    def values(self, scenario: str, tool: str, dialect: str = "", n: int = 0) -> list[float]:
        return list(self.rounds.get((scenario, dialect, n, tool), {}).values())

    def growth(self, scenario: str, tool: str, dialect: str) -> float | None:
        """k in cost ∝ N^k between the smallest and the largest N measured (1 is linear)."""
        sizes = [n for n in self.sizes if self.get(scenario, tool, dialect, n) is not None]
        if len(sizes) < 2:
            return None
        small, large = sizes[0], sizes[-1]
        low, high = self.get(scenario, tool, dialect, small), self.get(scenario, tool, dialect, large)
        assert low is not None
        assert high is not None
        return math.log(high / low) / math.log(large / small)

    # -- cells -----------------------------------------------------------------------------------

    def cell(self, scenario: str, tool: str, dialect: str, n: int) -> str:
        if scenario == "S2-wire":
            wire = self.wire.get((scenario, dialect, n, tool))
            if wire is None:
                return "-"
            lock = ", lock" if wire["takes_lock"] else ""
            return f"{wire['round_trips']:.0f} ({len(wire['statements'])}){lock}"
        spread = self.spread.get((scenario, dialect, n, tool))
        if spread is None:
            return "-"
        text = f"{spread.median:.0f} MiB" if scenario == "S1-peak-rss" else spread.text()
        ratio = self.ratio(scenario, tool, dialect, n)
        return text if tool == "raw" or ratio is None else f"{text} {ratio:.2f}x"

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
        for scenario, label in (
            ("S4-help", "--help"),
            ("S4-help-cpu", "--help, CPU time"),
            ("S4-version", "--version"),
        ):
            cells = []
            for tool in self.tools:
                spread = self.spread.get((scenario, "", 0, tool))
                ratio = self.ratio(scenario, tool)
                if spread is None:
                    cells.append("-")
                else:
                    text = spread.text()
                    cells.append(text if tool == "raw" or ratio is None else f"{text} {ratio:.2f}x")
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
                if any(cell != "-" for cell in cells):
                    rows.append([DIALECT_NAMES[dialect], label, *cells])
        return rows

    # -- targets ---------------------------------------------------------------------------------

    def _ratio_target(self, name: str, scenario: str, dialect: str, n: int, limit: float) -> Target:
        ratios = self.paired(scenario, dialect, n, lambda ours, raw: ours / raw)
        met, verdict = _verdict(ratios, lambda ratio: ratio <= limit)
        measured = "not measured"
        if ratios:
            spread = Spread.of(ratios)
            ours, raw = (
                self.spread[(scenario, dialect, n, "sqlspec")],
                self.spread[(scenario, dialect, n, "raw")],
            )
            measured = f"{_ratios(spread)}: {ours.text()} vs {raw.text()}"
        return Target(name, measured, met, verdict)

    def _absolute_target(self, name: str, values: list[float], limit: float) -> Target:
        met, verdict = _verdict(values, lambda value: value < limit)
        measured = Spread.of(values).text() + f" over {len(values)} rounds" if values else "not measured"
        return Target(name, measured, met, verdict)

    def targets(self) -> list[Target]:
        found: list[Target] = []
        dialects = [d for d in ("sqlite", "sqlite-ram", "postgres", "mysql") if d in self.dialects]
        names = DIALECT_NAMES
        # 4. per-migration overhead: CPU time of S1 on the RAM disk
        found.append(
            self._ratio_target(
                "4. S1 CPU time at N=1,000, SQLite on a RAM disk: ≤ 1.15x raw",
                "S1-cpu",
                "sqlite-ram",
                1000,
                1.15,
            )
        )
        # 5. the up-to-date check
        for dialect in dialects:
            for n in self.sizes:
                if self.get("S2", "sqlspec", dialect, n) is None:
                    continue
                if dialect == "sqlite-ram" and self.get("S2", "sqlspec", "sqlite", n) is not None:
                    continue  # judged on disk where both ran; on the RAM disk where only it ran
                found.append(
                    self._ratio_target(
                        f"5. S2 up-to-date check at N={n:,}, {names[dialect]}: ≤ 1.2x raw",
                        "S2",
                        dialect,
                        n,
                        1.2,
                    )
                )
        # 6. start-up with a pool open
        for dialect in dialects:
            for n in self.sizes:
                values = self.values("S5", "sqlspec", dialect, n)
                if values and n >= 1000:
                    found.append(
                        self._absolute_target(
                            f"6. S5 start-up check, pool open, N={n:,}, {names[dialect]}: < 2 ms",
                            values,
                            0.002,
                        )
                    )
        # 7. per applying call
        for dialect in dialects:
            for n in self.sizes:
                above = self.paired("S6", dialect, n, lambda ours, raw: ours - raw)
                if not above:
                    continue
                met, verdict = _verdict(above, lambda value: value <= 0.005)
                spread = Spread.of(above)
                found.append(
                    Target(
                        f"7. S6 one applying `+1` call, session open, {names[dialect]}: ≤ 5 ms above raw",
                        f"{spread.median * 1000:+.1f} ms ({spread.low * 1000:+.1f} to "
                        f"{spread.high * 1000:+.1f}): {self.spread[('S6', dialect, n, 'sqlspec')].text()} "
                        f"vs {self.spread[('S6', dialect, n, 'raw')].text()}",
                        met,
                        verdict,
                    )
                )
        # 8. the no-op command, and --help
        for dialect in dialects:
            for n in self.sizes:
                if self.get("S2-cli", "sqlspec", dialect, n) is None:
                    continue
                found.append(
                    self._ratio_target(
                        f"8. no-op `sqlspec upgrade` as a process, N={n:,}, {names[dialect]}: "
                        "≤ 1.3x the bare script (`raw.py upgrade`)",
                        "S2-cli",
                        dialect,
                        n,
                        1.3,
                    )
                )
        found.append(
            self._absolute_target("8. `sqlspec --help`: < 0.15 s", self.values("S4-help", "sqlspec"), 0.15)
        )
        # issue 12: the MySQL figure (no target)
        ratios = self.paired("S1", "mysql", 1000, lambda ours, raw: ours / raw)
        cpu = self.paired("S1-cpu", "mysql", 1000, lambda ours, raw: ours / raw)
        if ratios:
            measured = f"wall {_ratios(Spread.of(ratios))}"
            if cpu:
                measured += f"; CPU {_ratios(Spread.of(cpu))}"
            found.append(
                Target(
                    "issue 12: S1 apply at N=1,000 on MariaDB, sqlspec / raw asyncmy (a figure, no target)",
                    measured,
                    None,
                    "-",
                )
            )
        return found

    def target_rows(self) -> list[list[str]]:
        return [[target.name, target.measured, target.verdict] for target in self.targets()]


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
        ("Targets (issue 15, points 4-8)", ["target", "measured", "verdict"], summary.target_rows(), 3)
    ]
    sections.extend(
        (
            f"{DIALECT_NAMES[dialect]}: median (min-max over rounds), ratio of medians to raw",
            ["scenario", "N", *tools],
            summary.rows(dialect),
            2,
        )
        for dialect in summary.dialects
    )
    sections.append(
        (
            "Start-up, whole processes: median (min-max), ratio to raw",
            ["scenario", *tools],
            summary.help_rows(),
            1,
        )
    )
    sections.append(
        (
            "Growth: k in cost ∝ N^k between the smallest and largest N measured (1 = linear)",
            ["database", "scenario", *tools],
            summary.growth_rows(),
            2,
        )
    )
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
