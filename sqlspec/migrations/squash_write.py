"""``sqlspec squash START END``: write the one migration that replaces a range, and prove it does.

The squashed file runs exactly the statements of the range, in order, as one migration, and its
downgrade runs the range's downgrades in reverse. Only what can be folded is: SQL migrations that
run in one transaction. A Python migration builds its SQL at run time, a non-transactional one
cannot run inside a transaction with the others, and an extension's migrations are not the app's
to rewrite, so a range holding one is refused, naming it.

Before the file is written, :func:`verify_squash` applies the range on one scratch database and
the squash on another and compares the schema snapshots, then reverts the squash and compares
again (``--no-verify`` skips it, for a user who may not create databases).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from sqlspec.exceptions import MigrationSourceError, TargetError
from sqlspec.migrations.files import parse
from sqlspec.migrations.folder import MigrationFile
from sqlspec.migrations.revisions import is_timestamp, revision_sort_key
from sqlspec.schema import diff_snapshots

if TYPE_CHECKING:
    from sqlspec.config import DatabaseConfig
    from sqlspec.migrations.engine import MigrationEngine

__all__ = ("SquashPlan", "plan_squash", "verify_squash")


class SquashPlan(msgspec.Struct, frozen=True, kw_only=True):
    """The squashed migration to write: where, what, and what it replaces."""

    path: Path
    text: str
    replaces: tuple[str, ...]
    """The replaced files' names, in run order."""
    revision: str
    down_revision: str | None
    without_downgrade: tuple[str, ...] = ()
    """Replaced files that have no downgrade: the squash has none either."""


def _slug(message: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in message.lower()).split()
    return "_".join(words)[:60] or "squashed"


def plan_squash(engine: MigrationEngine, start: str, end: str, message: str) -> SquashPlan:
    """The squash of the app's migrations ``start``..``end``; raises for a range that cannot be folded."""
    files = [file for file in engine.files() if not file.namespace]
    by_revision = {file.revision: file for file in files if file.replaces_from is None}
    for revision in (start, end):
        if revision not in by_revision:
            raise TargetError(f"{revision}: no migration file of the app has that revision")
    if revision_sort_key(start) >= revision_sort_key(end):
        raise TargetError(
            f"squash takes the first revision of the range, then the last: {start} is not before {end}"
        )
    low, high = revision_sort_key(start), revision_sort_key(end)
    for file in files:
        if file.replaces_from is not None and not (
            revision_sort_key(file.revision) < low or revision_sort_key(file.replaces_from) > high
        ):
            raise TargetError(f"{file.name} already squashes part of {start}..{end}; squash around it")
    chosen = [
        file
        for file in files
        if file.replaces_from is None and low <= revision_sort_key(file.revision) <= high
    ]
    for file in chosen:
        _refuse_unfoldable(file, engine)
    migrations = [parse(file) for file in chosen]
    for migration in migrations:
        if not migration.transactional:
            raise MigrationSourceError(
                migration.path,
                "runs outside a transaction (transactional: false), so it cannot be folded into one "
                "migration; squash the ranges before and after it instead",
            )
    ups = [
        _section(file, engine.statements(m, "upgrade")) for file, m in zip(chosen, migrations, strict=True)
    ]
    lacking = tuple(m.path.name for m in migrations if not m.has_downgrade)
    downs = [
        _section(file, engine.statements(m, "downgrade"))
        for file, m in reversed(list(zip(chosen, migrations, strict=True)))
    ]
    first = migrations[0]
    header = [
        f"-- revision: {end}",
        f"-- down_revision: {first.down_revision or 'None'}",
        f"-- description: {message}",
        f"-- squashes {len(chosen)} migrations, {start} to {end}:",
        *(f"--   {file.name}" for file in chosen),
    ]
    text = "\n".join(header) + "\n\n-- upgrade --\n" + "\n\n".join(ups) + "\n"
    if not lacking:
        text += "\n-- downgrade --\n" + "\n\n".join(downs) + "\n"
    return SquashPlan(
        path=engine.directory / f"{start}-{end}_{_slug(message)}.sql",
        text=text,
        replaces=tuple(file.name for file in chosen),
        revision=end,
        down_revision=first.down_revision,
        without_downgrade=lacking,
    )


def _refuse_unfoldable(file: MigrationFile, engine: MigrationEngine) -> None:
    if is_timestamp(file.revision):
        raise MigrationSourceError(
            file.path, "has a timestamp revision; run `sqlspec fix` first, squash sequential migrations only"
        )
    if file.kind == "py":
        raise MigrationSourceError(
            file.path,
            "is a Python migration, whose SQL is made when it runs, so it cannot be folded; "
            "squash the ranges before and after it instead",
        )


def _section(file: MigrationFile, statements: Sequence[str]) -> str:
    body = "\n".join(f"{statement.strip()};" for statement in statements) or "-- (nothing)"
    return f"-- {file.name}\n{body}"


async def verify_squash(config: DatabaseConfig, plan: SquashPlan) -> list[str]:
    """Differences between the range and the squash, applied on two scratch databases; ``[]`` if none.

    Also reverts the squash and compares with the schema from before it.
    """
    engine = config.migration_engine()
    before_range = plan.down_revision
    with tempfile.TemporaryDirectory(prefix="sqlspec-squash-") as work:
        squashed = Path(work) / "migrations"
        squashed.mkdir()
        end_key = revision_sort_key(plan.revision)
        for file in engine.files():
            if file.namespace or revision_sort_key(file.revision) > end_key:
                continue
            if file.name not in plan.replaces:
                shutil.copy2(file.path, squashed / file.name)
        (squashed / plan.path.name).write_text(plan.text)
        settings = msgspec.structs.replace(config.migration_config, script_location=str(squashed))
        async with config.scratch_database() as originals, config.scratch_database() as folded:
            await originals.migration_engine().migrate_up(plan.revision)
            expected = await originals.migration_engine().schema_snapshot()
            folded_config = type(folded)(
                connection_config=folded.connection_config,
                migration_config=settings,
                bind_key=folded.bind_key,
            )
            async with folded_config.migration_engine().session() as run:  # it creates the database
                if before_range is not None:
                    await run.migrate_up(before_range)
                start = await run.schema_snapshot()
                await run.migrate_up(plan.revision)
                found = [
                    d.describe("after the originals", "after the squash")
                    for d in diff_snapshots(expected, await run.schema_snapshot())
                ]
                if not plan.without_downgrade:
                    await run.migrate_down("-1")
                    found += [
                        d.describe("before the squash", "after its downgrade")
                        for d in diff_snapshots(start, await run.schema_snapshot())
                    ]
    return found
