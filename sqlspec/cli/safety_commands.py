"""The commands that check migrations before they reach a database that matters.

``test`` runs the stairway test (up, down, up, schema compared) on a scratch database;
``dump-schema`` writes the schema snapshot a project commits, which ``check --schema`` compares.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sqlspec.cli import output
from sqlspec.cli.execution import (
    EXIT_FAILED,
    EXIT_OK,
    DebugOption,
    Document,
    JsonOption,
    each_config,
    run_engine_call,
)

if TYPE_CHECKING:
    from sqlspec.config import DatabaseConfig
    from sqlspec.migrations.stairway import StairwayStep
    from sqlspec.schema import Snapshot

__all__ = ("dump_schema", "lint", "stairway")


def _print_step(step: "StairwayStep") -> None:
    if step.status == "passed":
        output.progress(
            f"  passed  {step.revision}  {Path(step.path).name}  ({step.duration_ms} ms)", "green"
        )
        return
    output.progress(
        f"  FAILED  {step.revision}  {Path(step.path).name}: {step.stage}: {step.error}", "bold red"
    )
    for difference in step.differences:
        output.progress("\n".join(f"          {line}" for line in difference.splitlines()), "red")


def stairway(
    ctx: typer.Context,
    from_revision: Annotated[
        str | None,
        typer.Option("--from", help="Apply migrations up to this revision untested, then test the rest."),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="Run on this existing, empty database (a SQLite path) instead of a scratch one "
            "made and dropped for the test.",
        ),
    ] = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Apply, revert and re-apply each migration on a scratch database, comparing the schema."""
    import msgspec

    from sqlspec.migrations.stairway import run_stairway

    async def climb(config: "DatabaseConfig") -> "list[StairwayStep]":
        if database is not None:
            target = config.for_database(database)
            engine = target.migration_engine()
            snapshot = None if target.is_empty() else await engine.schema_snapshot()
            if snapshot is not None and any(title.startswith("table ") for title, _ in snapshot.blocks):
                from sqlspec.exceptions import ImproperConfigurationError

                raise ImproperConfigurationError(
                    f"--database {database}: it has tables; sqlspec test applies and reverts every "
                    "migration, so it needs an empty database (or none: a scratch one is made)"
                )
            return await run_stairway(
                target.migration_engine(), from_revision=from_revision, on_step=_print_step
            )
        async with config.scratch_database() as scratch:
            return await run_stairway(
                scratch.migration_engine(), from_revision=from_revision, on_step=_print_step
            )

    def action(config: "DatabaseConfig", document: Document) -> int:
        output.echo(f"Testing migrations up, down and up again on {database or 'a scratch database'}")
        steps = run_engine_call(climb, config)
        failed = bool(steps) and steps[-1].status == "failed"
        document.update(passed=not failed, steps=msgspec.to_builtins(steps))
        if failed:
            output.echo(f"Failed at {steps[-1].revision}; the steps after it were not tested", "bold red")
            return EXIT_FAILED
        output.echo(f"{len(steps)} migration(s) passed up/down/up", "bold green")
        return EXIT_OK

    each_config(ctx, "test", action, as_json=as_json, debug=debug)


def dump_schema(
    ctx: typer.Context,
    to: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write it ('-' for stdout); default: migration_config's schema_file.",
        ),
    ] = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Write the database's schema as a canonical text file, for review and `check --schema`."""

    def action(config: "DatabaseConfig", document: Document) -> None:
        snapshot: Snapshot = run_engine_call(config.migration_engine().schema_snapshot)
        text = snapshot.render()
        document.update(objects=len(snapshot.blocks))
        if to == "-":
            document.update(path=None, schema=text)
            if not output.in_json_mode():
                output.echo(text.rstrip("\n"))
            return
        path = Path(to) if to is not None else config.migration_config.schema_path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        except OSError as error:
            from sqlspec.exceptions import ImproperConfigurationError

            raise ImproperConfigurationError(
                f"cannot write the schema snapshot to {path}: {error.strerror or error}"
            ) from None
        document.update(path=str(path))
        output.echo(f"Wrote {path} ({len(snapshot.blocks)} objects)", "green")

    def writes(config: "DatabaseConfig") -> Path | None:
        return None if to == "-" else Path(to) if to is not None else config.migration_config.schema_path

    each_config(ctx, "dump-schema", action, as_json=as_json, debug=debug, writes=writes)


def lint(
    ctx: typer.Context,
    revision: Annotated[
        str, typer.Option("--revision", help="Lint what `upgrade REVISION` would apply (default: head).")
    ] = "head",
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too.")] = False,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Find hazards for a live database in the migrations not applied yet (locks, rewrites, ...)."""
    import msgspec

    from sqlspec.lint import exit_code, format_finding, lint_pending

    def action(config: "DatabaseConfig", document: Document) -> int:
        findings = run_engine_call(lint_pending, config, revision)
        document.update(strict=strict, findings=msgspec.to_builtins(findings))
        for finding in findings:
            output.echo(format_finding(finding), "red" if finding.severity == "error" else "yellow")
        errors = sum(1 for finding in findings if finding.severity == "error")
        code = exit_code(findings, strict=strict)
        summary = (
            f"{errors} error(s), {len(findings) - errors} warning(s)" if findings else "No hazards found"
        )
        output.echo(summary, "bold red" if code else "bold green")
        return code

    each_config(ctx, "lint", action, as_json=as_json, debug=debug)
