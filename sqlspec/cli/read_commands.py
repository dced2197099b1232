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
    from sqlspec.migrations.check import Problem
    from sqlspec.migrations.engine import MigrationEngine

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


async def _strict_problems(engine: "MigrationEngine") -> list["Problem"]:
    """What ``--strict`` adds: every migration not applied, and timestamp files applied but not fixed.

    ``check`` itself warns only about pending timestamp files; a CI job that runs ``upgrade`` first
    would never see those, so here a timestamp name counts whether applied or not.
    """
    from sqlspec.exceptions import DatabaseConnectionError, MigrationError
    from sqlspec.migrations.reconcile import renamed_rows
    from sqlspec.migrations.revisions import is_timestamp
    from sqlspec.migrations.squash import resolve

    try:
        files, _ = engine.scan()
        applied = await engine.applied_migrations()
        files = list(resolve(files, {row.version for row in applied if not row.is_partial}).files)
    except (MigrationError, DatabaseConnectionError):
        return []  # check reports these as errors already
    try:
        renamed = {migration.revision for _, migration in renamed_rows(applied, files)}
    except MigrationError:
        renamed = set()
    recorded = {row.version for row in applied} | renamed
    problems: list[Problem] = []
    for file in files:
        if file.revision not in recorded:
            message = f"{file.path}: pending; the database is not at head, run `sqlspec upgrade`"
            problems.append(_warning("pending", message, file.revision, file.path))
        elif not file.namespace and is_timestamp(file.revision):
            message = f"{file.path}: applied under a timestamp revision; run `sqlspec fix` before merging"
            problems.append(_warning("timestamp", message, file.revision, file.path))
    return problems


async def _lint_problems(engine: "MigrationEngine") -> list["Problem"]:
    """``sqlspec lint``'s findings on the pending migrations, as check's problems.

    Its ``no-downgrade`` is left out (check says that of every file already); without the lint
    extra on PostgreSQL, a note says so rather than failing the check.
    """
    from sqlspec.lint import LintUnavailableError, lint_migrations
    from sqlspec.migrations.check import Problem

    pending = await engine.pending_migrations()
    try:
        findings = lint_migrations(pending, engine.dialect)
    except LintUnavailableError as error:
        return [Problem(severity="note", code="lint", message=f"not linted: {error}")]
    without_section = {migration.revision for migration in pending if not migration.has_downgrade}
    return [
        Problem(
            severity=finding.severity,
            code=finding.rule,
            message=f"{finding.path}:{finding.line}: {finding.rule}: {finding.message}; {finding.fix}",
            revision=finding.revision,
            path=finding.path,
        )
        for finding in findings
        # check says "no downgrade" of a file without the section itself; lint adds an empty one
        if not (finding.rule == "no-downgrade" and finding.revision in without_section)
    ]


async def _schema_problems(engine: "MigrationEngine") -> list["Problem"]:
    """Each object that differs between the database and the schema snapshot file."""
    from sqlspec.migrations.check import Problem
    from sqlspec.schema import Snapshot, diff_snapshots

    path = engine.settings.schema_path
    try:
        committed = Snapshot.parse(path.read_text())
    except FileNotFoundError:
        message = f"{path}: no schema snapshot; write it with `sqlspec dump-schema`"
        return [Problem(severity="error", code="schema", message=message, path=str(path))]
    except IsADirectoryError:
        message = f"{path}: is a folder; schema_file names the snapshot file itself"
        return [Problem(severity="error", code="schema", message=message, path=str(path))]
    except UnicodeDecodeError:
        message = f"{path}: not a sqlspec schema snapshot (not UTF-8 text); write it with `dump-schema`"
        return [Problem(severity="error", code="schema", message=message, path=str(path))]
    except OSError as error:
        message = f"{path}: cannot read it: {error.strerror or error}"
        return [Problem(severity="error", code="schema", message=message, path=str(path))]
    except ValueError as error:
        return [Problem(severity="error", code="schema", message=f"{path}: {error}", path=str(path))]
    differences = diff_snapshots(committed, await engine.schema_snapshot())
    if not differences:
        output.echo(f"The database's schema matches {path}", "green")
    return [
        Problem(
            severity="error",
            code="schema-drift",
            message=difference.describe(f"in {path.name}", "in the database"),
            path=str(path),
        )
        for difference in differences
    ]


def _warning(code: str, message: str, revision: str, path: Path) -> "Problem":
    from sqlspec.migrations.check import Problem

    return Problem(severity="warning", code=code, message=message, revision=revision, path=str(path))


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

    from sqlspec.migrations.check import check_migrations

    async def find(engine: "MigrationEngine") -> list["Problem"]:
        problems = await check_migrations(engine)
        if strict:
            problems.extend(await _strict_problems(engine))
        if lint and not any(problem.severity == "error" for problem in problems):
            problems.extend(await _lint_problems(engine))
        if schema:
            problems.extend(await _schema_problems(engine))
        order = {"error": 0, "warning": 1, "note": 2}
        return sorted(problems, key=lambda problem: order[problem.severity])

    async def action(target: "Target", document: Document) -> int:
        problems = await find(target.engine())
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
