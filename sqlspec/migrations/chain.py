"""The chain rule: each sequential migration's ``down_revision`` names the one just before it.

Sequential revisions (``0001``, ``0002``, …) are what lands on the main branch, so they must form one
line: a fork (two files after the same revision) or a gap means two branches were merged without
``fix``. Timestamp revisions are made in development, where branches cross; they need only point at
a migration that exists. Extensions' migrations form chains of their own.

:func:`chain_problems` is the rule as ``upgrade`` and ``check`` both apply it, so that one never runs
what the other rejects.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Literal

import msgspec

from sqlspec.exceptions import MigrationSourceError
from sqlspec.migrations.files import Migration, parse
from sqlspec.migrations.folder import MigrationFile
from sqlspec.migrations.revisions import TIMESTAMP_DIGITS
from sqlspec.migrations.store import AppliedMigration

__all__ = ("ChainProblem", "chain_error", "chain_problems", "predecessors")


class ChainProblem(msgspec.Struct, frozen=True, kw_only=True):
    """A broken link in the chain, told at the file to change to mend it."""

    revision: str
    path: Path
    code: Literal["chain", "fork"]
    """``fork``: two migrations follow the same one (merged branches); ``chain``: any other break."""
    message: str
    """Why, without the path (the error and ``check`` put it in front)."""

    def error(self) -> MigrationSourceError:
        """The problem as ``upgrade`` raises it."""
        return MigrationSourceError(self.path, self.message)


def predecessors(files: Sequence[MigrationFile]) -> dict[str, str | None]:
    """For each sequential file, the sequential revision before it in its chain (``None`` for the first)."""
    last: dict[str, str | None] = {}
    found: dict[str, str | None] = {}
    for file in files:  # (is_timestamp inlined: this runs over every file at each upgrade)
        revision, namespace = file.revision, file.namespace
        own = revision.removeprefix(namespace)
        if len(own) == TIMESTAMP_DIGITS and own.isdigit():
            continue
        found[revision] = last.get(namespace)
        last[namespace] = revision
    return found


def chain_problems(
    files: Sequence[MigrationFile], applied: Sequence[AppliedMigration], migrations: Iterable[Migration]
) -> list[ChainProblem]:
    """Every break in the chain that touches one of ``migrations``, in run order.

    ``upgrade`` passes what it is about to run, ``check`` every file that parses; both pass every file
    in run order and the version table as ``upgrade`` sees it (renamed rows renamed). A migration is
    judged by its own ``down_revision`` and, while pending, by the ``down_revision`` of the applied
    sequential migration after it (read from its file): a teammate's ``0002`` that arrives after
    ``0003`` ran, both following ``0001``, must be renumbered, not run out of order. The verdict on a
    migration depends on nothing else, so ``upgrade`` refuses exactly the files ``check`` reports.
    """
    done = {row.version for row in applied if not row.is_partial}
    expected = predecessors(files)
    positions = {file.revision: n for n, file in enumerate(files)}
    by_revision = {file.revision: file for file in files}
    after = {before: revision for revision, before in expected.items() if before is not None}
    judged = {migration.revision: migration for migration in migrations}
    found: list[ChainProblem] = []
    for migration in judged.values():
        previous = expected.get(migration.revision)
        pending_before = previous is not None and previous not in done
        if migration.revision in done and pending_before and migration.down_revision != previous:
            continue  # the pending migration before it is at fault: told below, when it is judged
        if problem := chain_error(migration, expected, positions, done):
            found.append(
                ChainProblem(
                    revision=migration.revision,
                    path=migration.path,
                    code="fork" if _skips_back(migration, previous, by_revision, positions) else "chain",
                    message=problem,
                )
            )
        following = after.get(migration.revision)
        if following is not None and migration.revision not in done and following in done:
            successor = judged.get(following) or _parsed(by_revision[following])
            if successor is not None and (overtaken := _overtaken(migration, successor, after)):
                found.append(overtaken)
    return sorted(found, key=lambda problem: positions[problem.revision])


def _overtaken(migration: Migration, successor: Migration, after: dict[str, str]) -> ChainProblem | None:
    """A pending migration whose applied successor does not follow it: numbered on another branch."""
    if successor.down_revision == migration.revision:
        return None  # the chain is whole; only the order it was applied in differs (renumbered)
    last = successor.revision
    while last in after:
        last = after[last]
    return ChainProblem(
        revision=migration.revision,
        path=migration.path,
        code="fork" if successor.down_revision == migration.down_revision else "chain",
        message=(
            f"{successor.path.name}, after it, is already applied and follows "
            f"{successor.down_revision or 'base'}, not {migration.revision}: two branches were merged; "
            f"renumber this file to come after {last}, with down_revision {last}"
        ),
    )


def _skips_back(
    migration: Migration, previous: str | None, files: dict[str, MigrationFile], positions: dict[str, int]
) -> bool:
    """Whether a sequential migration follows one its predecessor already follows: a fork."""
    down = migration.down_revision
    if previous is None:
        return False
    if down is None:
        return True
    return (
        down in files
        and files[down].namespace == files[migration.revision].namespace
        and positions[down] < positions[previous]
    )


def _parsed(file: MigrationFile) -> Migration | None:
    """The file parsed, or ``None`` when it does not parse (``check`` reports that on its own)."""
    try:
        return parse(file)
    except MigrationSourceError:
        return None


def chain_error(
    migration: Migration,
    expected: dict[str, str | None],
    positions: dict[str, int],
    applied: Collection[str] = (),
) -> str | None:
    """Why ``migration``'s own ``down_revision`` breaks the chain, or ``None`` when it fits.

    One part of :func:`chain_problems`, which callers should use: it also catches a pending migration
    numbered before an applied one that does not follow it. ``expected`` comes from
    :func:`predecessors` over every file; ``positions`` is every revision's place in run order;
    ``applied`` the revisions the database has (to tell a deleted file apart).
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
