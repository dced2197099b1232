"""An SVG of cost against N (log-log), one panel per scenario and database, drawn without dependencies."""

from __future__ import annotations

import math
from html import escape

from benchmarks.report import DIALECT_NAMES, GROWTH_SCENARIOS, Summary

__all__ = ("svg",)

COLOURS = {"raw": "#7f7f7f", "sqlspec": "#1f6fd1", "alembic": "#e07b00", "yoyo": "#2a9d3c"}
PANEL_WIDTH, PANEL_HEIGHT = 250, 190
LEFT, TOP, GAP_X, GAP_Y = 70, 60, 75, 70


def _tick_label(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:g} s"
    return f"{seconds * 1000:g} ms"


class _Panel:
    def __init__(self, x: float, y: float, sizes: list[int], low: float, high: float) -> None:
        self.x, self.y = x, y
        self.sizes = sizes
        self.decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
        if len(self.decades) < 2:
            self.decades = range(self.decades[0], self.decades[0] + 2)

    def px(self, n: int) -> float:
        small, large = math.log(self.sizes[0]), math.log(self.sizes[-1])
        return self.x + (math.log(n) - small) / (large - small) * PANEL_WIDTH

    def py(self, seconds: float) -> float:
        bottom, top = self.decades[0], self.decades[-1]
        return self.y + PANEL_HEIGHT - (math.log10(seconds) - bottom) / (top - bottom) * PANEL_HEIGHT

    def axes(self, title: str) -> list[str]:
        x, y, w, h = self.x, self.y, PANEL_WIDTH, PANEL_HEIGHT
        parts = [
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="none" stroke="#999"/>',
            f'<text x="{x + w / 2}" y="{y - 8}" text-anchor="middle" font-weight="bold">'
            f"{escape(title)}</text>",
        ]
        for decade in self.decades:
            ty = self.py(10.0**decade)
            parts.append(f'<line x1="{x}" x2="{x + w}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#e5e5e5"/>')
            parts.append(
                f'<text x="{x - 5}" y="{ty + 4:.1f}" text-anchor="end">{_tick_label(10.0**decade)}</text>'
            )
        for n in self.sizes:
            tx = self.px(n)
            parts.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{y}" y2="{y + h}" stroke="#e5e5e5"/>')
            parts.append(f'<text x="{tx:.1f}" y="{y + h + 15}" text-anchor="middle">{n:,}</text>')
        parts.append(f'<text x="{x + w / 2}" y="{y + h + 32}" text-anchor="middle">N migrations</text>')
        return parts

    def line(self, points: list[tuple[int, float]], colour: str) -> list[str]:
        path = " ".join(f"{self.px(n):.1f},{self.py(value):.1f}" for n, value in points)
        parts = [f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>']
        parts.extend(
            f'<circle cx="{self.px(n):.1f}" cy="{self.py(value):.1f}" r="3" fill="{colour}"/>'
            for n, value in points
        )
        return parts


def svg(summary: Summary) -> str:
    """Median seconds against N for S1, S2 and S3, a row per database and a line per tool."""
    columns = len(GROWTH_SCENARIOS)
    width = LEFT + columns * PANEL_WIDTH + (columns - 1) * GAP_X + 20
    height = TOP + len(summary.dialects) * (PANEL_HEIGHT + GAP_Y) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for i, tool in enumerate(summary.tools):
        lx = LEFT + i * 110
        colour = COLOURS.get(tool, "#000")
        parts.append(f'<line x1="{lx}" x2="{lx + 24}" y1="16" y2="16" stroke="{colour}" stroke-width="3"/>')
        parts.append(f'<text x="{lx + 30}" y="20">{escape(tool)}</text>')
    parts.append(f'<text x="{width - 20}" y="20" text-anchor="end">median seconds, log-log</text>')
    for row, dialect in enumerate(summary.dialects):
        for column, (scenario, label) in enumerate(GROWTH_SCENARIOS):
            series = {
                tool: [
                    (n, value)
                    for n in summary.sizes
                    if (value := summary.get(scenario, tool, dialect, n)) is not None and value > 0
                ]
                for tool in summary.tools
            }
            values = [value for points in series.values() for _, value in points]
            if not values:
                continue
            panel = _Panel(
                LEFT + column * (PANEL_WIDTH + GAP_X),
                TOP + row * (PANEL_HEIGHT + GAP_Y),
                summary.sizes,
                min(values),
                max(values),
            )
            parts.extend(panel.axes(f"{label}, {DIALECT_NAMES[dialect]}"))
            for tool, points in series.items():
                parts.extend(panel.line(points, COLOURS.get(tool, "#000")))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
