"""``history``: the version table's rows and the pending files, as one list a person can read."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import msgspec

from sqlspec.exceptions import MigrationSourceError
from sqlspec.migrations.files import parse
from sqlspec.migrations.folder import MigrationFile
from sqlspec.migrations.squash import SquashView
from sqlspec.migrations.store import AppliedMigration

__all__ = ("HistoryEntry", "history_entries")


class HistoryEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A migration as ``history`` shows it."""

    revision: str
    description: str
    type: str
    status: Literal["applied", "partial", "running", "pending", "missing", "squashed"]
    """``missing``: applied, but its file is gone; ``squashed``: applied, now inside a squashed
    migration (the next run folds its row into the squash's); ``partial``: stopped part-way, see
    ``--resume``; ``running``: a non-transactional migration being applied now, or interrupted
    mid-statement."""
    applied_at: str | None = None
    execution_ms: int | None = None
    path: Path | None = None


def history_entries(view: SquashView, applied: Sequence[AppliedMigration]) -> list[HistoryEntry]:
    """Applied migrations in the order applied, then pending ones in run order."""
    by_revision = {f.revision: f for f in view.files} | dict(view.covered)
    entries = [
        HistoryEntry(
            revision=row.version,
            description=row.description,
            type=row.type,
            status=_status(row, view, by_revision),
            applied_at=row.applied_at.isoformat(),
            execution_ms=row.execution_ms,
            path=by_revision[row.version].path if row.version in by_revision else None,
        )
        for row in applied
    ]
    recorded = {row.version for row in applied}
    entries.extend(
        HistoryEntry(
            revision=pending.revision,
            description=_describe(pending),
            type=pending.kind,
            status="pending",
            path=pending.path,
        )
        for pending in view.files
        if pending.revision not in recorded
    )
    return entries


def _status(
    row: AppliedMigration, view: SquashView, files: dict[str, MigrationFile]
) -> Literal["applied", "partial", "running", "missing", "squashed"]:
    if row.is_interrupted:
        return "running"
    if row.is_partial:
        return "partial"
    if row.version in view.covered:
        return "squashed"
    return "applied" if row.version in files else "missing"


def _describe(file: MigrationFile) -> str:
    """A pending file's description; a file that does not parse is for ``check`` to report."""
    try:
        return parse(file).description
    except MigrationSourceError:
        return file.slug.replace("_", " ")
