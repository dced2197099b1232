"""The commands that change the version table: ``upgrade``, ``downgrade`` and ``stamp``.

Each reports every migration it ran (revision, direction, status, duration) as a progress line and,
with ``--json``, in its document; a failure adds the failed migration and the error, with the exit
code unchanged.
"""

import time
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from sqlspec.cli import output
from sqlspec.cli.execution import (
    EXIT_FAILED,
    EXIT_OK,
    DebugOption,
    Document,
    JsonOption,
    each_target,
    interactive,
    run_engine_call,
)

if TYPE_CHECKING:
    from sqlspec.fleet import Target
    from sqlspec.migrations.engine import Interrupted, MigrationEngine, MigrationRun
    from sqlspec.migrations.files import Migration
    from sqlspec.migrations.runner import Direction

__all__ = ("downgrade", "stamp", "upgrade")


class InterruptedOutcome(StrEnum):
    """The operator's word on a statement cut off mid-run (``upgrade --resume --interrupted``)."""

    ran = "ran"
    not_ran = "not-ran"


DryRun = Annotated[bool, typer.Option("--dry-run", help="Print the plan and its SQL; change nothing.")]


def _refuse_options(ctx: typer.Context, revision: str) -> None:
    """Unknown options reach upgrade/downgrade as their target (``-1`` must); name them as options."""
    if revision.startswith("-") and not revision[1:].isdigit():
        ctx.fail(f"No such option: {revision}")


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


class _RunLog:
    """Prints each migration as it finishes and keeps it for the JSON document."""

    def __init__(self, document: Document) -> None:
        self.entries: list[Document] = document.setdefault("migrations", [])

    def __call__(self, run: "MigrationRun") -> None:
        verb = "applied" if run.direction == "upgrade" else "reverted"
        output.progress(f"  ✓ {verb} {run.revision} {run.description} ({run.duration_ms:.1f} ms)", "green")
        self.entries.append(
            {
                "revision": run.revision,
                "description": run.description,
                "direction": run.direction,
                "status": verb,
                "duration_ms": round(run.duration_ms, 1),
                "path": str(run.path),
            }
        )

    def failed(self, engine: "MigrationEngine", error: Exception, direction: "Direction") -> None:
        """Add the migration ``error`` stopped at, with the statement it failed on when known."""
        from sqlspec.exceptions import MigrationExecutionError

        if not isinstance(error, MigrationExecutionError):
            return
        entry: Document = {
            "revision": error.revision,
            "description": None,
            "direction": direction,
            "status": "failed",
            "duration_ms": None,
            "path": str(error.path),
            "statement": error.statement,
        }
        migration = _parsed(engine, error.revision)
        if migration is not None:
            entry["description"] = migration.description
            statements = engine.statements(migration, direction)
            if error.statement is not None and error.statement <= len(statements):
                entry["sql"] = statements[error.statement - 1]
        self.entries.append(entry)


def _parsed(engine: "MigrationEngine", revision: str) -> "Migration | None":
    from sqlspec.exceptions import MigrationError
    from sqlspec.migrations.files import parse

    try:
        return next((parse(f) for f in engine.files() if f.revision == revision), None)
    except MigrationError:
        return None


def _plan(
    engine: "MigrationEngine", migrations: Sequence["Migration"], direction: "Direction", document: Document
) -> None:
    """``--dry-run``: the migrations and statements a run would execute; nothing is changed."""
    verb = "apply" if direction == "upgrade" else "revert"
    entries: list[Document] = document.setdefault("migrations", [])
    if not migrations:
        output.echo(f"Nothing to {verb}; nothing was changed")
    else:
        output.echo(f"Would {verb} {len(migrations)} migration(s); nothing was changed:")
    for migration in migrations:
        output.echo(f"-- {migration.revision} {migration.description} ({migration.path})", "bold")
        statements = engine.statements(migration, direction)
        if migration.kind == "py":
            output.echo(f"-- Python {direction}(driver); its statements are known only when it runs")
        for statement in statements:
            output.echo(f"{statement};")
        entries.append(
            {
                "revision": migration.revision,
                "description": migration.description,
                "direction": direction,
                "status": "planned",
                "duration_ms": None,
                "path": str(migration.path),
                "statements": None if migration.kind == "py" else list(statements),
            }
        )


def upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="head, +N or a revision.")] = "head",
    dry_run: DryRun = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue a partly applied migration from its failed statement.")
    ] = False,
    interrupted: Annotated[
        InterruptedOutcome | None,
        typer.Option(
            "--interrupted",
            help="With --resume, for a migration whose run ended mid-statement: did that statement "
            "take effect (ran) or not (not-ran)?",
        ),
    ] = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Apply pending migrations (all of them by default)."""
    _refuse_options(ctx, revision)

    async def action(target: "Target", document: Document) -> int:
        document.update(target=revision, dry_run=dry_run, migrations=[], reconciled=[], duration_ms=None)
        log = _RunLog(document)
        engine = target.engine(reporter=log)
        started = time.perf_counter()
        if dry_run:
            _plan(engine, await engine.pending_migrations(revision), "upgrade", document)
            return EXIT_OK
        settled: Interrupted | None = None if interrupted is None else interrupted.value
        try:
            runs = await engine.migrate_up(revision, resume=resume, interrupted=settled)
        except Exception as error:
            log.failed(engine, error, "upgrade")
            raise
        finally:
            document["duration_ms"] = _elapsed_ms(started)
            _report_reconciled(engine, document)
        if runs:
            output.echo(f"Applied {len(runs)} migration(s) in {document['duration_ms']:.0f} ms", "bold green")
        elif revision == "head":
            output.echo("Nothing to apply: the database is up to date")
        else:
            output.echo(f"Nothing to apply: {revision} is already applied")
        return EXIT_OK

    each_target(ctx, "upgrade", action, as_json=as_json, debug=debug)


def _report_reconciled(engine: "MigrationEngine", document: Document) -> None:
    """Name the version rows upgrade renamed because a teammate's ``fix`` made their files sequential."""
    table = engine.settings.version_table
    for old, new in engine.reconciled:
        output.progress(f"  ✓ renamed {old} -> {new} in {table} (its file was renumbered by `sqlspec fix`)")
        document["reconciled"].append({"old": old, "new": new})


def downgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="-N, base or a revision to keep.")] = "-1",
    dry_run: DryRun = False,
    no_prompt: Annotated[bool, typer.Option("--no-prompt", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Revert migrations (the last one by default)."""
    _refuse_options(ctx, revision)

    def prepare(target: "Target", document: Document) -> int | None:
        """In turn, on a terminal: show what would be reverted and ask, for each target."""
        if dry_run or no_prompt or not interactive():
            return None
        document.update(target=revision, dry_run=dry_run, migrations=[], duration_ms=None)
        engine = target.engine()
        plan = run_engine_call(engine.migrations_to_revert, revision)
        if not plan:
            _plan(engine, plan, "downgrade", document)
            return EXIT_OK
        names = ", ".join(m.revision for m in plan)
        if not typer.confirm(f"Revert {len(plan)} migration(s) ({names})?", err=as_json):
            output.echo("Nothing reverted")
            document["error"] = {"type": "NotConfirmed", "message": "not confirmed; nothing was reverted"}
            return EXIT_FAILED
        return None

    def confirm_fleet(count: int) -> bool:
        """Concurrently, on a terminal: one question for the whole fleet."""
        if dry_run or no_prompt or not interactive():
            return True
        return typer.confirm(f"Downgrade ({revision}) {count} targets?", err=as_json)

    async def action(target: "Target", document: Document) -> int:
        document.update(target=revision, dry_run=dry_run, migrations=[], duration_ms=None)
        log = _RunLog(document)
        engine = target.engine(reporter=log)
        if dry_run:
            _plan(engine, await engine.migrations_to_revert(revision), "downgrade", document)
            return EXIT_OK
        started = time.perf_counter()
        try:
            runs = await engine.migrate_down(revision)
        except Exception as error:
            log.failed(engine, error, "downgrade")
            raise
        finally:
            document["duration_ms"] = _elapsed_ms(started)
        if runs:
            output.echo(f"Reverted {len(runs)} migration(s) in {document['duration_ms']:.0f} ms", "bold")
        else:
            output.echo("Nothing to revert", "bold")
        return EXIT_OK

    each_target(
        ctx, "downgrade", action, as_json=as_json, debug=debug, prepare=prepare, confirm_fleet=confirm_fleet
    )


def stamp(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="head or a revision.")] = "head",
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Mark migrations applied without running them.

    Records migrations up to REVISION as applied, to adopt an existing database; adds rows only.
    """

    async def action(target: "Target", document: Document) -> None:
        document.update(target=revision, stamped=[])
        document["stamped"] = stamped = await target.engine().stamp(revision)
        output.echo(f"Stamped {', '.join(stamped)} (no SQL ran)" if stamped else "Nothing to stamp")

    each_target(ctx, "stamp", action, as_json=as_json, debug=debug)
