"""The ``sqlspec`` commands: parse arguments, call the engine, print. No migration logic lives here.

The same commands serve ``litestar database`` (see :func:`make_app`), which hands over its configs
instead of reading ``--config``. Only typer is imported up front, so ``sqlspec --help`` stays fast;
the engine and the drivers load when a command runs.
"""

import sys
import time
from collections.abc import Callable, Sequence
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer import TyperException
from typer.core import TyperGroup

from sqlspec.cli import output

if TYPE_CHECKING:
    from sqlspec.config import DatabaseConfig
    from sqlspec.migrations.engine import Interrupted, MigrationEngine, MigrationRun
    from sqlspec.migrations.files import Migration

__all__ = ("app", "main", "make_app")

ConfigLoader = Callable[[], Sequence["DatabaseConfig"]]
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_SIGINT = 130
EXIT_SIGTERM = 143


class MigrationFormat(StrEnum):
    """The kinds of migration file ``create-migration`` writes."""

    sql = "sql"
    py = "py"


class Terminated(KeyboardInterrupt):
    """A run stopped by SIGTERM: handled as Ctrl-C is, but exits 143."""


class InterruptedOutcome(StrEnum):
    """The operator's word on a statement cut off mid-run (``upgrade --resume --interrupted``)."""

    ran = "ran"
    not_ran = "not-ran"


class CLIState:
    """What the root command learned: where the configs come from, and the global flags."""

    def __init__(self, load: ConfigLoader, bind_key: str | None, debug: bool) -> None:
        self._load = load
        self.bind_key = bind_key
        self.debug = debug

    def configs(self) -> list["DatabaseConfig"]:
        from sqlspec.cli.loader import select_configs

        return select_configs(self._load(), self.bind_key)


def _exit_code(error: Exception) -> int:
    from sqlspec.exceptions import ImproperConfigurationError, TargetError

    return EXIT_USAGE if isinstance(error, ImproperConfigurationError | TargetError) else EXIT_FAILED


def _report(state: CLIState, error: Exception) -> int:
    """Print ``error`` as one line (a traceback only with ``--debug``) and return its exit code."""
    from sqlspec.exceptions import SQLSpecError

    if state.debug:
        raise error
    if isinstance(error, SQLSpecError):
        output.error(str(error))
        return _exit_code(error)
    output.error(f"unexpected {type(error).__name__}: {error} (run with --debug for the traceback)")
    return EXIT_FAILED


def _label(config: "DatabaseConfig") -> str:
    return config.bind_key or repr(config)


def each_config(
    ctx: typer.Context, action: Callable[["DatabaseConfig"], int | None], *, as_json: bool = False
) -> None:
    """Run ``action`` on every selected config in turn; exit with the worst code of them all.

    With ``--json`` and several configs, the output is one JSON object keyed by bind_key.
    """
    state: CLIState = ctx.ensure_object(CLIState)
    try:
        configs = state.configs()
    except Exception as error:
        raise typer.Exit(_report(state, error)) from None
    worst = 0
    documents: dict[str, Any] = {}
    for config in configs:
        several = len(configs) > 1
        if several and not as_json:
            output.echo(f"== {_label(config)}", "bold")
        try:
            with output.captured_json(enabled=several and as_json) as captured:
                code = action(config) or 0
        except KeyboardInterrupt as interrupt:
            detail = interrupt.args[0] if interrupt.args else None
            output.error(
                f"interrupted: {detail}"
                if detail
                else "interrupted; what finished before stays done, see `sqlspec history`"
            )
            terminated = isinstance(interrupt, Terminated)
            raise typer.Exit(EXIT_SIGTERM if terminated else EXIT_SIGINT) from None
        except typer.Abort:  # Ctrl-C or Ctrl-D at a confirmation prompt: nothing has run yet
            output.error("aborted; nothing was changed")
            raise typer.Exit(130) from None
        except Exception as error:
            code = _report(state, error)
        if several and as_json:
            documents[_label(config)] = captured[0] if captured else None
        worst = max(worst, code)
    if documents:
        output.print_json(documents)
    if worst:
        raise typer.Exit(worst)


def _run(function: Callable[..., Any], *args: Any, engine: "MigrationEngine | None" = None) -> Any:
    """Run an engine call to its end; SIGINT (Ctrl-C) and SIGTERM stop it the same way.

    Either signal cancels the call through anyio, so the engine's shielded steps (a statement
    being settled, its version row, a COMMIT) still finish; asyncio's own Ctrl-C handler would
    cancel the task outright, through any shield. The KeyboardInterrupt that follows carries
    ``engine``'s one line about what was left.
    """
    import signal

    import anyio

    from sqlspec._sync import run_blocking
    from sqlspec.migrations.settle import background_tasks

    received: list[str] = []

    async def until_done_or_signalled() -> Any:
        async with background_tasks() as tasks:

            async def watch() -> None:
                with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                    async for signum in signals:
                        received.append(signal.Signals(signum).name)
                        tasks.cancel_scope.cancel()
                        return

            tasks.start_soon(watch)
            return await function(*args)

    result = run_blocking(until_done_or_signalled)
    if not received:
        return result
    detail = engine.interruption if engine is not None and engine.interruption else ""
    raise (Terminated if received[0] == "SIGTERM" else KeyboardInterrupt)(detail)


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _print_run(run: "MigrationRun") -> None:
    verb = "applied" if run.direction == "upgrade" else "reverted"
    output.echo(f"  ✓ {verb} {run.revision} {run.description} ({run.duration_ms:.1f} ms)", "green")


DryRun = Annotated[bool, typer.Option("--dry-run", help="Print the plan and its SQL; change nothing.")]


def _refuse_options(ctx: typer.Context, revision: str) -> None:
    """Unknown options reach upgrade/downgrade as their target (``-1`` must); name them as options."""
    if revision.startswith("-") and not revision[1:].isdigit():
        ctx.fail(f"No such option: {revision}")


def _print_plan(engine: "MigrationEngine", migrations: Sequence["Migration"], direction: str) -> None:
    verb = "apply" if direction == "upgrade" else "revert"
    if not migrations:
        output.echo(f"Nothing to {verb}; nothing was changed")
        return
    output.echo(f"Would {verb} {len(migrations)} migration(s); nothing was changed:")
    for migration in migrations:
        output.echo(f"-- {migration.revision} {migration.description} ({migration.path})", "bold")
        if migration.kind == "py":
            output.echo(f"-- Python {direction}(driver); its statements are known only when it runs")
        for statement in engine.statements(migration, "upgrade" if direction == "upgrade" else "downgrade"):
            output.echo(f"{statement};")


# -- commands -------------------------------------------------------------------------------------


def init(ctx: typer.Context) -> None:
    """Create the migration folder and templates.

    Creates script_location, and template_directory (with the built-in templates) when it is set;
    never overwrites anything that exists.
    """

    def action(config: "DatabaseConfig") -> int:
        folder = Path(config.migration_config.script_location)
        if folder.exists() and not folder.is_dir():
            output.error(f"{folder} exists and is not a folder; change script_location")
            return EXIT_FAILED
        if folder.exists():
            output.echo(f"Exists: {folder}/ (left as it is)")
        else:
            folder.mkdir(parents=True)
            output.echo(f"Created: {folder}/")
        templates = config.migration_config.template_directory
        if templates is not None:
            from sqlspec.migrations.templates import write_builtin_templates

            for path in write_builtin_templates(Path(templates)):
                output.echo(f"Created: {path} (the built-in template, to edit)")
        return 0

    each_config(ctx, action)


def create_migration(
    ctx: typer.Context,
    message: Annotated[str, typer.Option("-m", "--message", help="What the migration does.")],
    fmt: Annotated[
        MigrationFormat, typer.Option("--format", help="sql (default) or py.")
    ] = MigrationFormat.sql,
) -> None:
    """Create a migration file (timestamp-named).

    The file is YYYYMMDDHHMMSS_<message>.sql (or .py), after the current last migration.
    """
    from sqlspec.migrations.templates import create_migration as create

    if not message.strip():
        raise typer.BadParameter('say what the migration does, e.g. -m "add users table"', param_hint="-m")

    def action(config: "DatabaseConfig") -> None:
        path = create(config.migration_config, message, fmt.value)
        output.echo(f"Created: {path}")

    each_config(ctx, action)


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
) -> None:
    """Apply pending migrations (all of them by default)."""
    _refuse_options(ctx, revision)

    def action(config: "DatabaseConfig") -> None:
        engine = config.migration_engine(reporter=_print_run)
        if dry_run:
            _print_plan(engine, _run(engine.pending_migrations, revision), "upgrade")
            return
        started = time.perf_counter()
        settled: Interrupted | None = None if interrupted is None else interrupted.value
        runs = _run(partial(engine.migrate_up, revision, resume=resume, interrupted=settled), engine=engine)
        if runs:
            elapsed = (time.perf_counter() - started) * 1000
            output.echo(f"Applied {len(runs)} migration(s) in {elapsed:.0f} ms", "bold green")
        elif revision == "head":
            output.echo("Nothing to apply: the database is up to date")
        else:
            output.echo(f"Nothing to apply: {revision} is already applied")

    each_config(ctx, action)


def downgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="-N, base or a revision to keep.")] = "-1",
    dry_run: DryRun = False,
    no_prompt: Annotated[bool, typer.Option("--no-prompt", help="Do not ask for confirmation.")] = False,
) -> None:
    """Revert migrations (the last one by default)."""
    _refuse_options(ctx, revision)

    def action(config: "DatabaseConfig") -> int:
        engine = config.migration_engine(reporter=_print_run)
        if dry_run or (not no_prompt and _interactive()):
            plan = _run(engine.migrations_to_revert, revision)
            if dry_run or not plan:
                _print_plan(engine, plan, "downgrade")
                return 0
            names = ", ".join(m.revision for m in plan)
            if not typer.confirm(f"Revert {len(plan)} migration(s) ({names})?"):
                output.echo("Nothing reverted")
                return EXIT_FAILED
        runs = _run(engine.migrate_down, revision, engine=engine)
        output.echo(f"Reverted {len(runs)} migration(s)" if runs else "Nothing to revert", "bold")
        return 0

    each_config(ctx, action)


def show_current_revision(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
) -> None:
    """Print the current revision (None at base)."""

    def action(config: "DatabaseConfig") -> None:
        revision = _run(config.migration_engine().current_revision)
        if as_json:
            output.print_json({"bind_key": config.bind_key, "revision": revision})
        else:
            output.echo(str(revision))

    each_config(ctx, action, as_json=as_json)


def history(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
) -> None:
    """List applied migrations, then pending ones."""

    def action(config: "DatabaseConfig") -> None:
        entries = _run(config.migration_engine().migration_history)
        if as_json:
            output.print_json(entries)
            return
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

    each_config(ctx, action, as_json=as_json)


def check(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
) -> None:
    """Validate files and history, all problems at once."""
    from sqlspec.migrations.check import check_migrations

    def action(config: "DatabaseConfig") -> int:
        problems = _run(check_migrations, config.migration_engine())
        errors = sum(1 for p in problems if p.severity == "error")
        if as_json:
            output.print_json(problems)
        else:
            styles = {"error": "red", "warning": "yellow", "note": "dim"}
            for problem in problems:
                output.echo(f"{problem.severity:<7} {problem.message}", styles[problem.severity])
            warnings = sum(1 for p in problems if p.severity == "warning")
            summary = (
                f"{errors} error(s), {warnings} warning(s)"
                if errors or warnings
                else "All migrations are valid"
            )
            output.echo(summary, "bold red" if errors else "bold green")
        return EXIT_FAILED if errors else 0

    each_config(ctx, action, as_json=as_json)


def fix(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "--no-prompt", help="Convert without asking.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the conversions; change nothing.")] = False,
) -> None:
    """Convert timestamps to sequential (before merge)."""
    from sqlspec.exceptions import DatabaseConnectionError
    from sqlspec.migrations.fix import apply_fix, plan_fix

    def action(config: "DatabaseConfig") -> int:
        engine = config.migration_engine()
        conversions = plan_fix(engine.directory)
        if dry_run:
            for c in conversions:
                output.echo(f"Would convert {c.old_path} → {c.new_path.name}")
            output.echo("Nothing to convert" if not conversions else "Nothing was changed (--dry-run)")
            return 0
        if conversions and not yes:
            if not _interactive():
                output.error("fix renames files; pass --yes to run it without a terminal")
                return EXIT_USAGE
            for c in conversions:
                output.echo(f"  {c.old_path} → {c.new_path.name}")
            if not typer.confirm(f"Convert {len(conversions)} migration(s)?"):
                output.echo("Nothing converted")
                return EXIT_FAILED
        apply_fix(conversions)
        for c in conversions:
            output.echo(f"✓ Converted {c.old_path} → {c.new_path.name}", "green")
        if not conversions:
            output.echo("Nothing to convert: every migration is sequential")
        table = config.migration_config.version_table
        try:
            renamed = _run(engine.reconcile)
        except DatabaseConnectionError as error:
            output.echo(f"! {table} table not updated ({error}); `sqlspec upgrade` will update it", "yellow")
            return 0
        if renamed:
            output.echo(f"✓ Updated {table} table ({len(renamed)} applied revision(s) renamed)", "green")
        elif conversions:
            output.echo(f"✓ {table} table needs no update (this database applied none of them)", "green")
        return 0

    each_config(ctx, action)


def stamp(
    ctx: typer.Context, revision: Annotated[str, typer.Argument(help="head or a revision.")] = "head"
) -> None:
    """Mark migrations applied without running them.

    Records migrations up to REVISION as applied, to adopt an existing database; adds rows only.
    """

    def action(config: "DatabaseConfig") -> None:
        stamped = _run(config.migration_engine().stamp, revision)
        output.echo(f"Stamped {', '.join(stamped)} (no SQL ran)" if stamped else "Nothing to stamp")

    each_config(ctx, action)


def show_config(ctx: typer.Context) -> None:
    """Print the configs found and their settings."""
    from sqlspec._redact import redact_connection_config

    def action(config: "DatabaseConfig") -> None:
        settings = config.migration_config
        rows = [
            ("config", type(config).__name__),
            ("bind_key", str(config.bind_key)),
            ("connection", redact_connection_config(config.connection_config)),  # never a password
            ("dialect", config.dialect.name),
            ("script_location", settings.script_location),
            ("version_table", settings.version_table),
            ("include_extensions", ", ".join(settings.include_extensions) or "-"),
            ("template_directory", settings.template_directory or "-"),
            ("lock_timeout", f"{settings.lock_timeout:g} s"),
        ]
        output.table(("setting", "value"), rows)

    each_config(ctx, action)


# -- the application ------------------------------------------------------------------------------


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        output.echo(f"sqlspec {version('sqlspec')}")
        raise typer.Exit


class _OneLineErrors(TyperGroup):
    """Usage mistakes print one ``Error:`` line like every other error, not a framed box."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.Abort:  # Ctrl-C or Ctrl-D at a prompt
            output.error("aborted")
            code = 130
        except TyperException as error:  # a usage error: unknown option, command or value
            context = getattr(error, "ctx", None)
            where = f" (see `{context.command_path} --help`)" if context is not None else ""
            output.error(f"{error.format_message()}{where}")
            code = error.exit_code
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


def make_app(load_configs: ConfigLoader | None = None, *, name: str = "sqlspec") -> typer.Typer:
    """The typer application; with ``load_configs`` (e.g. from a Litestar app) there is no ``--config``."""
    application = typer.Typer(
        cls=_OneLineErrors,
        name=name,
        help="Async-native database migrations.",
        rich_markup_mode=None,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @application.callback(invoke_without_command=True)
    def root(
        ctx: typer.Context,
        config: Annotated[
            str | None,
            typer.Option(
                "--config",
                help="Config to use: pkg.module.attr or pkg.module:attr (else $SQLSPEC_CONFIG, "
                "else [tool.sqlspec] config in pyproject.toml).",
                hidden=load_configs is not None,
            ),
        ] = None,
        bind_key: Annotated[
            str | None, typer.Option("--bind-key", help="Run on the config with this bind_key only.")
        ] = None,
        debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
        version: Annotated[
            bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
        ] = False,
    ) -> None:
        def from_reference() -> Sequence["DatabaseConfig"]:
            from sqlspec.cli import loader

            return loader.load_configs(loader.config_reference(config))

        ctx.obj = CLIState(load_configs or from_reference, bind_key, debug)
        output.show_notices()
        if ctx.invoked_subcommand is None:
            output.echo(ctx.get_help())
            raise typer.Exit(0)

    commands = (init, create_migration, upgrade, downgrade, show_current_revision, history, check, fix, stamp)
    for command in (*commands, show_config):
        # "-1" is a target, not an option: `sqlspec downgrade -1` as the guide writes it (and
        # `upgrade -1` reaches the engine, which explains that upgrade takes +N).
        settings = {"ignore_unknown_options": True} if command in (upgrade, downgrade) else None
        application.command(command.__name__.replace("_", "-"), context_settings=settings)(command)
    return application


app = make_app()


def main() -> None:
    """The ``sqlspec`` console script."""
    app()
