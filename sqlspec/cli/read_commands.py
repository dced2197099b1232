"""The commands that only read: ``show-current-revision``, ``history``, ``check`` and ``show-config``."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sqlspec.cli import output
from sqlspec.cli.execution import (
    EXIT_FAILED,
    EXIT_OK,
    DebugOption,
    Document,
    JsonOption,
    each_config,
    each_target,
)

if TYPE_CHECKING:
    from sqlspec.config import DatabaseConfig
    from sqlspec.fleet import Target

__all__ = ("check", "database_target", "history", "show_config", "show_current_revision")


def show_current_revision(
    ctx: typer.Context, as_json: JsonOption = False, debug: DebugOption = False
) -> None:
    """Print the current revision (None at base)."""

    async def action(target: "Target", document: Document) -> None:
        document["revision"] = revision = await target.engine().current_revision()
        output.echo(str(revision))

    each_target(ctx, "show-current-revision", action, as_json=as_json, debug=debug)


def history(ctx: typer.Context, as_json: JsonOption = False, debug: DebugOption = False) -> None:
    """List applied migrations, then pending ones."""
    import msgspec

    async def action(target: "Target", document: Document) -> None:
        entries = await target.engine().migration_history()
        document["migrations"] = msgspec.to_builtins(entries, enc_hook=str)
        rows = [
            (
                e.revision,
                e.description,
                e.type,
                e.status,
                (e.applied_at or "-")[:19].replace("T", " "),
                "-" if e.execution_ms is None else f"{e.execution_ms} ms",
            )
            for e in entries
        ]
        output.table(("revision", "description", "type", "status", "applied at (UTC)", "duration"), rows)

    each_target(ctx, "history", action, as_json=as_json, debug=debug)


def check(
    ctx: typer.Context,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Fail (exit 1) on warnings too, pending migrations and timestamp names included: a CI gate.",
        ),
    ] = False,
    schema: Annotated[
        bool,
        typer.Option(
            "--schema", help="Compare the database's schema with the snapshot `dump-schema` wrote: drift."
        ),
    ] = False,
    lint: Annotated[
        bool, typer.Option("--lint/--no-lint", help="Lint the pending migrations too (`sqlspec lint`).")
    ] = True,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Validate files and history, all problems at once."""
    import msgspec

    async def action(target: "Target", document: Document) -> int:
        engine = target.engine()
        problems = await engine.check(strict=strict, lint=lint, schema=schema)
        if schema and not any(problem.code in {"schema", "schema-drift"} for problem in problems):
            output.echo(f"The database's schema matches {engine.settings.schema_path}", "green")
        counts = {severity: sum(1 for p in problems if p.severity == severity) for severity in order}
        document.update(strict=strict, problems=msgspec.to_builtins(problems), counts=counts)
        for problem in problems:
            output.echo(f"{problem.severity:<7} {problem.message}", styles[problem.severity])
        failed = counts["error"] or (strict and counts["warning"])
        if counts["error"] or counts["warning"]:
            summary = f"{counts['error']} error(s), {counts['warning']} warning(s)"
            if strict and counts["warning"]:
                summary += " (--strict: warnings fail)"
        else:
            summary = "All migrations are valid" + (" and applied" if strict else "")
        output.echo(summary, "bold red" if failed else "bold green")
        return EXIT_FAILED if failed else EXIT_OK

    order = ("error", "warning", "note")
    styles = {"error": "red", "warning": "yellow", "note": "dim"}
    each_target(ctx, "check", action, as_json=as_json, debug=debug)


def database_target(config: "DatabaseConfig") -> str:
    """Which database the config's commands touch: a redacted DSN, an absolute SQLite path, host/db."""
    from sqlspec._redact import redact_dsn

    settings: dict[str, Any] = dict(config.connection_config)
    dsn = settings.get("dsn")
    if isinstance(dsn, str):
        return redact_dsn(dsn)
    database = settings.get("database")
    if config.dialect.name == "sqlite":
        if database is None:
            return "-"
        name = str(database)
        if name == ":memory:" or (settings.get("uri") and "mode=memory" in name):
            return f"{name} (in memory, gone when the command ends)"
        if settings.get("uri") or name.startswith("file:"):
            return name
        return str(Path(name).expanduser().resolve())
    host = settings.get("host", "localhost")
    port = settings.get("port")
    return f"{host}{f':{port}' if port else ''}/{database or ''}"


def show_config(ctx: typer.Context, as_json: JsonOption = False, debug: DebugOption = False) -> None:
    """Print the configs found, the database each touches, and their settings."""
    from sqlspec._redact import redact_connection_config

    def action(config: "DatabaseConfig", document: Document) -> None:
        settings = config.migration_config
        document.update(
            config=type(config).__name__,
            dialect=config.dialect.name,
            database=database_target(config),
            connection=redact_connection_config(config.connection_config),  # never a password
            script_location=str(settings.script_location),
            version_table=settings.version_table,
            include_extensions=list(settings.include_extensions),
            template_directory=None
            if settings.template_directory is None
            else str(settings.template_directory),
            lock_timeout=settings.lock_timeout,
        )
        rows = [
            ("config", type(config).__name__),
            ("bind_key", str(config.bind_key)),
            ("database", document["database"]),
            ("connection", document["connection"]),
            ("dialect", config.dialect.name),
            ("script_location", settings.script_location),
            ("version_table", settings.version_table),
            ("include_extensions", ", ".join(settings.include_extensions) or "-"),
            ("template_directory", settings.template_directory or "-"),
            ("lock_timeout", f"{settings.lock_timeout:g} s"),
        ]
        output.table(("setting", "value"), rows)

    each_config(ctx, "show-config", action, as_json=as_json, debug=debug)
