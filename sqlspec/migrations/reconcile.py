"""Carry a database across renumbering: rows applied under a revision that its file no longer has.

A teammate's database may have applied ``20251115120000_add_users.sql`` before ``fix`` renamed it to
``0001_add_users.sql``; or two branches that both ran ``fix`` claimed ``0002`` and one file was
renumbered to ``0003`` when they merged. Such a row (its revision has no file, or a file with another
slug) is renamed only when exactly one not-yet-applied sequential file has the same slug, kind and
checksum, so two files with identical bodies can never be confused and nothing is ever applied twice.
Finding the rows compares names only; files are read only when such a row exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from sqlspec.exceptions import MigrationError
from sqlspec.migrations.files import Migration, parse
from sqlspec.migrations.folder import MigrationFile
from sqlspec.migrations.revisions import is_timestamp
from sqlspec.migrations.store import AppliedMigration

__all__ = ("renamed_rows",)


def _slug(script: str) -> str:
    return PurePath(script).stem.partition("_")[2]


def _renamed(file: MigrationFile, script: str) -> bool:
    """Whether a row's file name says another migration than ``file`` (same name: same slug)."""
    return script != file.name and file.slug != _slug(script)


def renamed_rows(
    applied: Sequence[AppliedMigration], files: Sequence[MigrationFile]
) -> list[tuple[AppliedMigration, Migration]]:
    """Pairs (applied row, the sequential migration it now is), or none.

    Raises :class:`MigrationError` when a row matches several files, or two rows one file.
    """
    by_revision = {f.revision: f for f in files}
    orphans = [
        row
        for row in applied
        if not row.is_partial
        and (row.version not in by_revision or _renamed(by_revision[row.version], row.script))
    ]
    if not orphans:
        return []
    done = {row.version for row in applied}
    renames: list[tuple[AppliedMigration, Migration]] = []
    for row in orphans:
        slug = _slug(row.script)
        candidates = [
            f
            for f in files
            if not is_timestamp(f.revision)
            and f.revision not in done
            and f.slug == slug
            and f.kind == row.type
        ]
        matches = [m for m in map(parse, candidates) if m.checksum == row.checksum]
        if len(matches) > 1:
            names = ", ".join(m.path.name for m in matches)
            raise MigrationError(
                f"applied revision {row.version} ({row.script}) matches several files ({names}); "
                "stamp the right one by hand"
            )
        if matches:
            renames.append((row, matches[0]))
    targets = [migration.revision for _, migration in renames]
    if len(set(targets)) != len(targets):
        raise MigrationError(
            "several applied timestamp revisions match the same sequential file; stamp the right one by hand"
        )
    return renames
