"""The chain rule: each sequential migration's ``down_revision`` names the one just before it.

Sequential revisions (``0001``, ``0002``, …) are what lands on the main branch, so they must form one
line: a fork (two files after the same revision) or a gap means two branches were merged without
``fix``. Timestamp revisions are made in development, where branches cross; they need only point at
a migration that exists. Extensions' migrations form chains of their own.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlspec.migrations.files import Migration, MigrationFile
from sqlspec.migrations.revisions import is_timestamp

__all__ = ("chain_error", "predecessors")


def predecessors(files: Sequence[MigrationFile]) -> dict[str, str | None]:
    """For each sequential file, the sequential revision before it in its chain (``None`` for the first)."""
    last: dict[str, str | None] = {}
    found: dict[str, str | None] = {}
    for file in files:
        if is_timestamp(file.revision.removeprefix(file.namespace)):
            continue
        found[file.revision] = last.get(file.namespace)
        last[file.namespace] = file.revision
    return found


def chain_error(
    migration: Migration,
    expected: dict[str, str | None],
    positions: dict[str, int],
    applied: Collection[str] = (),
) -> str | None:
    """Why ``migration``'s ``down_revision`` breaks the chain, or ``None`` when it fits.

    ``expected`` comes from :func:`predecessors` over every file; ``positions`` is every revision's
    place in run order; ``applied`` the revisions the database has (to tell a deleted file apart).
    """
    down = migration.down_revision
    if down is not None and down not in positions:
        if down in applied:
            return f"down_revision {down} is applied but its file is missing; restore the file"
        hint = (
            f"it should be {expected[migration.revision]}"
            if migration.revision in expected
            else "fix the header"
        )
        return f"down_revision {down} matches no migration file; {hint}"
    if migration.revision not in expected:  # a timestamp migration: any earlier revision will do
        if down is None or positions[down] < positions[migration.revision]:
            return None
        return f"down_revision {down} runs after this migration; it must name an earlier one"
    previous = expected[migration.revision]
    if down == previous:
        return None
    return (
        f"down_revision is {down} but the migration before it is {previous}; sequential migrations "
        "must form one chain (merged branches? renumber the newer file, or create timestamps and `fix`)"
    )
