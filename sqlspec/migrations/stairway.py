"""The stairway test: every migration applied, reverted and applied again, with the schema compared.

For each migration in run order, on one connection that holds the run lock:

1. upgrade one step and take a snapshot of the schema;
2. downgrade one step: the schema must be the one from before the upgrade;
3. upgrade again: it must succeed and give the snapshot of step 1.

The first step that fails ends the test, since every later step would start from a wrong schema.
It runs on a database of its own (see :meth:`~sqlspec.config.DatabaseConfig.scratch_database`),
never on one that matters.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

import msgspec

from sqlspec.exceptions import MigrationError, TargetError
from sqlspec.schema import diff_snapshots

if TYPE_CHECKING:
    from sqlspec.migrations.engine import MigrationEngine, RunSession
    from sqlspec.migrations.files import Migration
    from sqlspec.schema import SchemaDifference, Snapshot

__all__ = ("StairwayStep", "run_stairway")

Stage = Literal["upgrade", "downgrade", "restore", "second upgrade", "reapply"]


class StairwayStep(msgspec.Struct, frozen=True, kw_only=True):
    """How one migration fared: ``passed``, or ``failed`` at ``stage`` with the reason."""

    revision: str
    path: str
    status: Literal["passed", "failed"]
    stage: Stage | None = None
    """``upgrade`` / ``downgrade`` / ``second upgrade``: that step raised; ``restore``: the downgrade
    left a schema other than the one before the upgrade; ``reapply``: the second upgrade gave a
    schema other than the first."""
    error: str | None = None
    differences: tuple[str, ...] = ()
    """Each differing object, described with its diff lines."""
    duration_ms: int = 0


def _described(differences: list[SchemaDifference], expected: str, actual: str) -> tuple[str, ...]:
    return tuple(difference.describe(expected, actual) for difference in differences)


async def run_stairway(
    engine: MigrationEngine,
    *,
    from_revision: str | None = None,
    on_step: Callable[[StairwayStep], None] | None = None,
) -> list[StairwayStep]:
    """Test each migration (after ``from_revision``, applied first untested) up, down and up again.

    Stops at the first failing step; the list ends with it. ``on_step`` hears of each step as it
    ends, for progress output.
    """
    if from_revision == "base":
        from_revision = None  # everything is tested
    known = {f.revision for f in engine.files()}
    if from_revision is not None and from_revision != "head" and from_revision not in known:
        raise TargetError(f"--from {from_revision}: no migration has that revision (or use head or base)")
    steps: list[StairwayStep] = []
    async with engine.session() as run:
        if from_revision is not None:
            await run.migrate_up(from_revision)
        before = await run.schema_snapshot()
        for migration in await run.pending_migrations("head"):  # all parsed before any runs
            step, before = await _climb(run, migration, before)  # passed: the schema after it
            steps.append(step)
            if on_step is not None:
                on_step(step)
            if step.status == "failed":
                break
    return steps


async def _climb(run: RunSession, migration: Migration, before: Snapshot) -> tuple[StairwayStep, Snapshot]:
    """Up, down, up for one migration from the schema ``before`` it; the step and the schema after."""
    started = time.perf_counter()

    def step(
        stage: Stage | None = None, error: str | None = None, found: tuple[str, ...] = ()
    ) -> StairwayStep:
        return StairwayStep(
            revision=migration.revision,
            path=str(migration.path),
            status="passed" if stage is None else "failed",
            stage=stage,
            error=error,
            differences=found,
            duration_ms=int((time.perf_counter() - started) * 1000),
        )

    stage: Stage = "upgrade"
    after = before
    try:
        await run.migrate_up("+1")
        after = await run.schema_snapshot()
        stage = "downgrade"
        await run.migrate_down("-1")
        if differences := diff_snapshots(before, await run.schema_snapshot()):
            found = _described(differences, "before the upgrade", "after the downgrade")
            return step("restore", "its downgrade does not restore the schema", found), after
        stage = "second upgrade"
        await run.migrate_up("+1")
    except MigrationError as error:
        return step(stage, str(error)), after
    if differences := diff_snapshots(after, await run.schema_snapshot()):
        found = _described(differences, "after the first upgrade", "after the second")
        return step("reapply", "a second upgrade after its downgrade gives another schema", found), after
    return step(), after
