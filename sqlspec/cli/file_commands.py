"""The commands that write migration files: ``init``, ``create-migration``, ``fix`` and ``squash``."""

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

__all__ = ("create_migration", "fix", "init", "squash")


class MigrationFormat(StrEnum):
    """The kinds of migration file ``create-migration`` writes."""

    sql = "sql"
    py = "py"


def init(ctx: typer.Context, as_json: JsonOption = False, debug: DebugOption = False) -> None:
    """Create the migration folder and templates.

    Creates script_location, and template_directory (with the built-in templates) when it is set;
    never overwrites anything that exists.
    """

    def action(config: "DatabaseConfig", document: Document) -> int:
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

    def action(config: "DatabaseConfig", document: Document) -> None:
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

    def action(config: "DatabaseConfig", document: Document) -> int:
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
        return _reconcile_tables(config, document, announce_none=bool(conversions))

    def reconcile_only(config: "DatabaseConfig", document: Document) -> int:
        """A config sharing the folder of one that converted it: its version tables only."""
        document.update(dry_run=dry_run, conversions=[], renamed=[])
        return EXIT_OK if dry_run else _reconcile_tables(config, document, announce_none=True)

    each_config(ctx, "fix", action, as_json=as_json, debug=debug, sharing=reconcile_only)


def _reconcile_tables(config: "DatabaseConfig", document: Document, *, announce_none: bool) -> int:
    """Rename the rows ``fix`` renamed in every version table of ``config``: its own, or each
    tenant schema's."""
    from sqlspec._sync import run_blocking
    from sqlspec.exceptions import DatabaseConnectionError
    from sqlspec.fleet import fleet_targets

    renamed_rows: list[Document] = []
    document["renamed"] = renamed_rows
    for target in run_blocking(fleet_targets, [config]):
        engine = target.engine()
        table = engine.settings.version_table
        try:
            renamed = run_engine_call(engine.reconcile)
        except DatabaseConnectionError as error:
            output.warn(f"{table} table not updated ({error}); `sqlspec upgrade` will update it")
            continue
        for old, new in renamed:
            row = {"old": old, "new": new}
            renamed_rows.append(row if target.schema is None else {**row, "schema": target.schema})
        if renamed:
            output.echo(f"✓ Updated {table} table ({len(renamed)} applied revision(s) renamed)", "green")
        elif announce_none:
            output.echo(f"✓ {table} table needs no update (this database applied none of them)", "green")
    return EXIT_OK


def squash(
    ctx: typer.Context,
    start: Annotated[str, typer.Argument(help="The first revision of the range, e.g. 0001.")],
    end: Annotated[str, typer.Argument(help="The last revision of the range, e.g. 0040.")],
    message: Annotated[str, typer.Option("-m", "--message", help="What the squashed migration does.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the squashed migration; write nothing.")
    ] = False,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify/--no-verify",
            help="Prove it first on two scratch databases: same schema as the range, downgrade restores it.",
        ),
    ] = True,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Write one migration that replaces START..END; databases anywhere in the range stay safe."""
    from sqlspec.migrations.squash_write import plan_squash, verify_squash

    def action(config: "DatabaseConfig", document: Document) -> int:
        plan = plan_squash(config.migration_engine(), start, end, message)
        document.update(
            path=str(plan.path), revision=plan.revision, replaces=list(plan.replaces), dry_run=dry_run
        )
        if plan.without_downgrade:
            output.warn(
                f"{', '.join(plan.without_downgrade)} has no downgrade, so the squashed migration has none"
            )
        if verify:
            differences = run_engine_call(verify_squash, config, plan)
            document["verified"] = not differences
            if differences:
                refusal = (
                    f"the squash of {start}..{end} failed its check on two scratch databases (below: "
                    "each object that differs, and where); nothing written"
                )
                document["differences"] = differences
                document["error"] = {"type": "SquashVerificationError", "message": refusal}
                output.error(refusal)
                for difference in differences:
                    output.echo(difference, "red")
                return EXIT_FAILED
            output.echo(f"Verified on two scratch databases: same schema as {start}..{end}", "green")
        if dry_run:
            document["text"] = plan.text
            if not output.in_json_mode():
                output.echo(plan.text.rstrip("\n"))
            return EXIT_OK
        if plan.path.exists():
            output.error(f"{plan.path} exists already; nothing written")
            return EXIT_USAGE
        plan.path.write_text(plan.text)
        output.echo(f"Created: {plan.path} (replaces {len(plan.replaces)} migrations)", "green")
        output.echo(
            "Keep the originals until every database is past the range or has none of it "
            "(`sqlspec check` says so for each database); then delete them."
        )
        return EXIT_OK

    each_config(ctx, "squash", action, as_json=as_json, debug=debug)
