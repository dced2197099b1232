"""The commands that write migration files: ``init``, ``create-migration`` and ``fix``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sqlspec.cli import output
from sqlspec.cli.execution import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    DebugOption,
    Document,
    JsonOption,
    each_config,
    interactive,
    run_engine_call,
)

if TYPE_CHECKING:
    from sqlspec.config import DatabaseConfig

__all__ = ("create_migration", "fix", "init")


class MigrationFormat(StrEnum):
    """The kinds of migration file ``create-migration`` writes."""

    sql = "sql"
    py = "py"


def init(ctx: typer.Context, as_json: JsonOption = False, debug: DebugOption = False) -> None:
    """Create the migration folder and templates.

    Creates script_location, and template_directory (with the built-in templates) when it is set;
    never overwrites anything that exists.
    """

    def action(config: DatabaseConfig, document: Document) -> int:
        created: list[str] = []
        document.update(created=created, existing=[])
        folder = Path(config.migration_config.script_location)
        if folder.exists() and not folder.is_dir():
            output.error(f"{folder} exists and is not a folder; change script_location")
            document["error"] = {"type": "NotAFolder", "message": f"{folder} exists and is not a folder"}
            return EXIT_FAILED
        if folder.exists():
            output.echo(f"Exists: {folder}/ (left as it is)")
            document["existing"].append(f"{folder}/")
        else:
            folder.mkdir(parents=True)
            output.echo(f"Created: {folder}/")
            created.append(f"{folder}/")
        templates = config.migration_config.template_directory
        if templates is not None:
            from sqlspec.migrations.templates import write_builtin_templates

            for path in write_builtin_templates(Path(templates)):
                output.echo(f"Created: {path} (the built-in template, to edit)")
                created.append(str(path))
        return EXIT_OK

    each_config(ctx, "init", action, as_json=as_json, debug=debug)


def create_migration(
    ctx: typer.Context,
    message: Annotated[str, typer.Option("-m", "--message", help="What the migration does.")],
    fmt: Annotated[
        MigrationFormat, typer.Option("--format", help="sql (default) or py.")
    ] = MigrationFormat.sql,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Create a migration file (timestamp-named).

    The file is YYYYMMDDHHMMSS_<message>.sql (or .py), after the current last migration.
    """
    if not message.strip():
        raise typer.BadParameter('say what the migration does, e.g. -m "add users table"', param_hint="-m")

    def action(config: DatabaseConfig, document: Document) -> None:
        from sqlspec.migrations.templates import create_migration as create

        path = create(config.migration_config, message, fmt.value)
        document.update(path=str(path), revision=path.name.partition("_")[0], format=fmt.value)
        output.echo(f"Created: {path}")

    each_config(ctx, "create-migration", action, as_json=as_json, debug=debug)


def fix(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "--no-prompt", help="Convert without asking.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the conversions; change nothing.")] = False,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Convert timestamps to sequential (before merge)."""

    def action(config: DatabaseConfig, document: Document) -> int:
        from sqlspec.exceptions import DatabaseConnectionError
        from sqlspec.migrations.fix import apply_fix, plan_fix

        engine = config.migration_engine()
        conversions = plan_fix(engine.directory)
        document.update(
            dry_run=dry_run,
            conversions=[
                {
                    "old_revision": c.old_revision,
                    "new_revision": c.new_revision,
                    "old_path": str(c.old_path),
                    "new_path": str(c.new_path),
                }
                for c in conversions
            ],
            renamed=[],
        )
        if dry_run:
            for c in conversions:
                output.echo(f"Would convert {c.old_path} → {c.new_path.name}")
            output.echo("Nothing to convert" if not conversions else "Nothing was changed (--dry-run)")
            return EXIT_OK
        if conversions and not yes:
            if not interactive():
                output.error("fix renames files; pass --yes to run it without a terminal")
                document["conversions"] = []
                document["error"] = {"type": "NeedsYes", "message": "fix renames files; pass --yes"}
                return EXIT_USAGE
            for c in conversions:
                output.echo(f"  {c.old_path} → {c.new_path.name}")
            if not typer.confirm(f"Convert {len(conversions)} migration(s)?", err=as_json):
                output.echo("Nothing converted")
                document["conversions"] = []
                document["error"] = {
                    "type": "NotConfirmed",
                    "message": "not confirmed; nothing was converted",
                }
                return EXIT_FAILED
        apply_fix(conversions)
        for c in conversions:
            output.echo(f"✓ Converted {c.old_path} → {c.new_path.name}", "green")
        if not conversions:
            output.echo("Nothing to convert: every migration is sequential")
        table = config.migration_config.version_table
        try:
            renamed = run_engine_call(engine.reconcile)
        except DatabaseConnectionError as error:
            output.warn(f"{table} table not updated ({error}); `sqlspec upgrade` will update it")
            return EXIT_OK
        document["renamed"] = [{"old": old, "new": new} for old, new in renamed]
        if renamed:
            output.echo(f"✓ Updated {table} table ({len(renamed)} applied revision(s) renamed)", "green")
        elif conversions:
            output.echo(f"✓ {table} table needs no update (this database applied none of them)", "green")
        return EXIT_OK

    each_config(ctx, "fix", action, as_json=as_json, debug=debug)
