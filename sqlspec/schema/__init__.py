"""Schema snapshots: the database's schema as a canonical text, and the differences between two.

A snapshot is a list of :class:`SchemaObject` blocks read from the catalog by the dialect (tables
with their columns, constraints, indexes and triggers; views, functions, sequences, types,
extensions), rendered sorted and without anything that varies between two databases migrated the
same way (OIDs, counters, owners). Two snapshots are compared block by block, so a difference is
named by the object it is in.

The same text serves ``sqlspec dump-schema`` (the file a project commits), ``check --schema``
(drift between that file and a live database) and ``sqlspec test`` (the schema before and after a
downgrade).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from sqlspec.dialects import Dialect
    from sqlspec.driver import AsyncDriver

__all__ = ("SchemaDifference", "SchemaObject", "Snapshot", "diff_snapshots", "read_snapshot")

_HEADER = "-- sqlspec schema snapshot ({dialect}); written by `sqlspec dump-schema`, do not edit"
_INDENT = "    "


class SchemaObject(msgspec.Struct, frozen=True):
    """One object of the schema: ``kind`` and qualified ``name`` head its block, ``lines`` describe it."""

    kind: str
    name: str
    lines: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return f"{self.kind} {self.name}"

    def render(self) -> str:
        body = [f"{_INDENT}{line}".rstrip() for text in self.lines for line in _continued(text)]
        return "\n".join([self.title, *body])


def _continued(text: str) -> list[str]:
    """A multi-line definition (a function body) with its continuation lines indented once more.

    Blank lines are dropped: a block ends at the next unindented line, and blank lines inside a
    body say nothing about the schema.
    """
    first, *rest = text.splitlines() or [""]
    return [first, *(f"{_INDENT}{line.rstrip()}" for line in rest if line.strip())]


class Snapshot(msgspec.Struct, frozen=True):
    """A database's schema, as :func:`read_snapshot` found it or a snapshot file holds it."""

    dialect: str
    blocks: tuple[tuple[str, str], ...]
    """``(title, rendered block)`` pairs, sorted by title."""

    @classmethod
    def of(cls, dialect: str, objects: Iterable[SchemaObject]) -> Snapshot:
        blocks = {obj.title: obj.render() for obj in objects}
        return cls(dialect, tuple(sorted(blocks.items())))

    def render(self) -> str:
        """The canonical text: byte-identical for two databases with the same schema."""
        parts = [_HEADER.format(dialect=self.dialect), *(block for _, block in self.blocks)]
        return "\n\n".join(parts) + "\n"

    @classmethod
    def parse(cls, text: str) -> Snapshot:
        """Read back what :meth:`render` wrote; raises ``ValueError`` for a file it did not write."""
        lines = text.splitlines()
        prefix = "-- sqlspec schema snapshot ("
        if not lines or not lines[0].startswith(prefix) or ")" not in lines[0]:
            raise ValueError("not a sqlspec schema snapshot (its first line is not the snapshot header)")
        dialect = lines[0][len(prefix) : lines[0].index(")")]
        blocks: dict[str, list[str]] = {}
        current: list[str] | None = None
        for line in lines[1:]:
            if not line:
                continue
            if line.startswith(" "):
                if current is None:
                    raise ValueError(f"snapshot line outside any object: {line.strip()!r}")
                current.append(line)
            else:
                current = blocks.setdefault(line, [line])
        return cls(dialect, tuple(sorted((title, "\n".join(body)) for title, body in blocks.items())))


class SchemaDifference(msgspec.Struct, frozen=True):
    """One object that differs: only in ``expected``, only in ``actual``, or changed (with a diff)."""

    title: str
    change: str
    """``missing`` (in the expected schema only), ``unexpected`` (in the actual only) or ``changed``."""
    diff: tuple[str, ...] = ()

    def describe(self, expected: str, actual: str) -> str:
        """One line, then the diff's lines; ``expected`` and ``actual`` say where each side is
        (``"in the snapshot"``, ``"after the downgrade"``)."""
        if self.change == "missing":
            return f"{self.title}: only {expected}"
        if self.change == "unexpected":
            return f"{self.title}: only {actual}"
        return "\n".join([f"{self.title}: differs (- {expected}, + {actual})", *self.diff])


def diff_snapshots(expected: Snapshot, actual: Snapshot) -> list[SchemaDifference]:
    """Each object that is not the same in both snapshots, sorted by its title."""
    before, after = dict(expected.blocks), dict(actual.blocks)
    differences: list[SchemaDifference] = []
    for title in sorted(before.keys() | after.keys()):
        if title not in after:
            differences.append(SchemaDifference(title, "missing"))
        elif title not in before:
            differences.append(SchemaDifference(title, "unexpected"))
        elif before[title] != after[title]:
            lines = difflib.unified_diff(
                before[title].splitlines(), after[title].splitlines(), lineterm="", n=1
            )
            body = [line for line in lines if not line.startswith(("---", "+++", "@@"))]
            differences.append(SchemaDifference(title, "changed", tuple(f"  {line}" for line in body)))
    return differences


async def read_snapshot(driver: AsyncDriver, dialect: Dialect, *, exclude: Sequence[str] = ()) -> Snapshot:
    """The schema of the database ``driver`` is connected to; tables named in ``exclude`` left out.

    ``exclude`` holds the version table (``name`` or ``schema.name``), so the snapshot describes the
    app's schema and not sqlspec's own bookkeeping.
    """
    objects = await dialect.read_schema(driver, frozenset(exclude))
    return Snapshot.of(dialect.name, objects)
