"""Squashed migrations: one file that replaces a range of old ones, safe on a database at any point.

A squash of ``0001`` to ``0040`` is the file ``0001-0040_<slug>.sql``. It has the revision of the
range's last migration, so whatever follows the range still follows it, and the first revision of
the range is in its name, so the engine knows what it replaces from file names alone.

Which of the two a database runs is decided by what it has applied (:func:`resolve`):

- **nothing of the range**: the squashed migration runs; the originals are skipped;
- **part of the range**: the remaining originals run while their files are present, and the database
  is told to restore them when they are gone; nothing is ever applied twice;
- **all of the range**: the squashed migration counts as applied. While the originals are all
  present, the database keeps their rows and shows them; once one is deleted, the next run
  (upgrade, downgrade or stamp, under the run lock and in one transaction) folds the range's rows
  into one row for the squashed file: that is :func:`fold_rows`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

import msgspec

from sqlspec.exceptions import MigrationStateError, TargetError
from sqlspec.migrations.revisions import revision_sort_key

if TYPE_CHECKING:
    from sqlspec.driver import AsyncDriver
    from sqlspec.migrations.files import Migration
    from sqlspec.migrations.folder import MigrationFile
    from sqlspec.migrations.store import AppliedMigration, VersionStore

__all__ = ("SquashView", "fold_rows", "in_squashed_range", "refuse_inside", "resolve")


def _key(revision: str) -> tuple[int, int]:
    return revision_sort_key(revision)


def _in_range(file: MigrationFile, squash: MigrationFile) -> bool:
    assert squash.replaces_from is not None
    return (
        not file.namespace
        and file.replaces_from is None
        and _key(squash.replaces_from) <= _key(file.revision) <= _key(squash.revision)
    )


class SquashView(msgspec.Struct, frozen=True):
    """The migrations a database runs, in run order, with each squash or its originals, not both."""

    files: tuple[MigrationFile, ...]
    covered: dict[str, MigrationFile]
    """Revisions of a range whose squash stands in for them: revision -> the squashed file."""
    originals: dict[str, tuple[MigrationFile, ...]]
    """For each squashed file in the folder (by name): the original files still beside it."""

    def runs_squash(self, name: str) -> bool:
        """Whether this database runs (or ran) the squashed file ``name`` rather than its originals."""
        return any(file.name == name for file in self.files)

    def fold_needed(self, applied: Sequence[AppliedMigration]) -> list[MigrationFile]:
        """The squashed files whose range still has rows of its own in the version table."""
        squashes = {squash.name: squash for squash in self.covered.values()}
        return [
            squash
            for squash in squashes.values()
            if any(row.version in self.covered and self.covered[row.version] is squash for row in applied)
        ]


def resolve(files: Sequence[MigrationFile], done: Collection[str]) -> SquashView:
    """Choose, for each squashed file, it or its originals, by what the database has applied.

    ``done``: the revisions applied in full. Raises :class:`MigrationStateError` when the database
    applied part of a range whose remaining originals are gone.
    """
    squashes = [file for file in files if file.replaces_from is not None]
    if not squashes:
        return SquashView(tuple(files), {}, {})
    hidden: set[str] = set()  # names of files left out of the run order
    covered: dict[str, MigrationFile] = {}
    originals: dict[str, tuple[MigrationFile, ...]] = {}
    for squash in squashes:
        assert squash.replaces_from is not None
        present = tuple(file for file in files if _in_range(file, squash))
        originals[squash.name] = present
        names = {file.revision for file in present}
        low, high = _key(squash.replaces_from), _key(squash.revision)
        applied = {revision for revision in done if low <= _key(revision) <= high}
        if applied and squash.revision not in applied:  # part of the range, through the originals
            missing = sorted(
                (revision for revision in _range_revisions(squash, present, done) if revision not in names),
                key=_key,
            )
            if missing or not present:
                raise MigrationStateError(
                    f"this database applied part of the range {squash.replaces_from}..{squash.revision} "
                    f"that {squash.name} replaces, and needs the original files after "
                    f"{max(applied, key=_key)} to finish it, which are gone; restore them "
                    f"(`git checkout <commit> -- {squash.directory.name}/`), run `sqlspec upgrade`, "
                    "then delete them again"
                )
            hidden.add(squash.name)
            continue
        if present and applied == names and len(applied) > 1:
            hidden.add(squash.name)  # applied through the originals, all still here: show them
            continue
        hidden.update(file.name for file in present)  # the squash runs, or stands for what ran
        for revision in applied - {squash.revision}:
            covered[revision] = squash
        for file in present:
            if file.revision != squash.revision:
                covered[file.revision] = squash
    view = tuple(file for file in files if file.name not in hidden)
    return SquashView(view, covered, originals)


def in_squashed_range(revision: str, files: Sequence[MigrationFile]) -> bool:
    """Whether ``revision`` falls in the range of one of the squashed files among ``files``."""
    return any(
        file.replaces_from is not None
        and not file.namespace
        and _key(file.replaces_from) <= _key(revision) <= _key(file.revision)
        for file in files
        if revision.isdigit()
    )


def _range_revisions(
    squash: MigrationFile, present: Sequence[MigrationFile], done: Collection[str]
) -> set[str]:
    """What the range holds, as far as can be known: its files still present and its applied rows."""
    assert squash.replaces_from is not None
    low, high = _key(squash.replaces_from), _key(squash.revision)
    return (
        {file.revision for file in present} | {r for r in done if low <= _key(r) <= high} | {squash.revision}
    )


def refuse_inside(view: SquashView, target: str, direction: str = "downgrade") -> None:
    """A target inside a squashed range this database runs as one migration cannot be stopped at."""
    squash = view.covered.get(target)
    if squash is None or target == squash.revision:
        return
    inside = (
        f"{target} is inside the range {squash.replaces_from}..{squash.revision} that {squash.name} "
        "replaces, which this database runs as one migration"
    )
    if direction == "upgrade":
        raise TargetError(f"{inside}; upgrade to {squash.revision} or beyond")
    raise TargetError(
        f"{inside}; downgrade to the revision before {squash.replaces_from} (or base), "
        f"or to {squash.revision}"
    )


async def fold_rows(
    driver: AsyncDriver,
    store: VersionStore,
    view: SquashView,
    applied: Sequence[AppliedMigration],
    parsed: dict[str, Migration],
) -> list[str]:
    """Fold each fully applied range whose originals are gone into one row for its squashed file.

    ``parsed``: the squashed files' parsed migrations, by revision. Runs in one transaction, under the
    run lock; returns the revisions whose rows were removed.
    """
    removed: list[str] = []
    folds = view.fold_needed(applied)
    if not folds:
        return removed
    async with driver.transaction():
        for squash in folds:
            migration = parsed[squash.revision]
            for row in applied:
                if view.covered.get(row.version) is squash:
                    await store.delete(driver, row.version)
                    removed.append(row.version)
            await store.adopt(driver, squash.revision, squash.name, migration.checksum, migration.description)
    return removed
