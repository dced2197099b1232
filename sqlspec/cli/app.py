"""The ``sqlspec`` application: its root options, its commands, and one-line usage errors.

The commands live in :mod:`~sqlspec.cli.file_commands`, :mod:`~sqlspec.cli.migrate_commands`,
:mod:`~sqlspec.cli.read_commands` and :mod:`~sqlspec.cli.safety_commands`; how each runs (configs,
exit codes, ``--json``) in :mod:`~sqlspec.cli.execution`. No migration logic lives here.

The same commands serve ``litestar database`` (see :func:`make_app`), which hands over its configs
instead of reading ``--config``. Only typer is imported up front, so ``sqlspec --help`` stays fast;
the engine and the drivers load when a command runs.
"""

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer import TyperException
from typer.core import TyperGroup

from sqlspec.cli import output
from sqlspec.cli.execution import EXIT_SIGINT, EXIT_SIGTERM, CLIState, ConfigLoader, Terminated
from sqlspec.cli.file_commands import create_migration, fix, init, squash
from sqlspec.cli.migrate_commands import downgrade, stamp, upgrade
from sqlspec.cli.read_commands import check, history, show_config, show_current_revision
from sqlspec.cli.safety_commands import dump_schema, lint, stairway
from sqlspec.cli.signals import raise_terminated
from sqlspec.cli.tenant_commands import tenant_app

if TYPE_CHECKING:
    from sqlspec.config import DatabaseConfig

__all__ = ("app", "main", "make_app")


def _version(value: bool) -> None:
    if value:
        from sqlspec import __version__

        output.echo(f"sqlspec {__version__}")
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
        terminate = _on_sigterm(raise_terminated)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.Abort:  # Ctrl-C or Ctrl-D at a prompt
            output.error("aborted")
            code = EXIT_SIGINT
        except TyperException as error:  # a usage error: unknown option, command or value
            context = getattr(error, "ctx", None)
            where = f" (see `{context.command_path} --help`)" if context is not None else ""
            output.error(f"{error.format_message()}{where}")
            code = error.exit_code
        finally:
            _on_sigterm(terminate)
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code

    def invoke(self, ctx: Any) -> Any:  # click's Context, which typer vendors privately
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as stop:  # a signal outside an engine call (those say their own line)
            output.error("interrupted; what finished before stays done, see `sqlspec history`")
            raise typer.Exit(EXIT_SIGTERM if isinstance(stop, Terminated) else EXIT_SIGINT) from None


def _on_sigterm(handler: Any) -> Any:
    """Make ``handler`` SIGTERM's and return the one it replaces; nothing off the main thread."""
    import signal
    import threading

    if handler is None or threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, handler)


COMMANDS = (
    init,
    create_migration,
    upgrade,
    downgrade,
    show_current_revision,
    history,
    check,
    fix,
    squash,
    stamp,
    show_config,
    lint,
    dump_schema,
)
# "-1" is a target, not an option: `sqlspec downgrade -1` as the guide writes it (and `upgrade -1`
# reaches the engine, which explains that upgrade takes +N).
_TARGET_TAKING = (upgrade, downgrade)


def make_app(load_configs: ConfigLoader | None = None, *, name: str = "sqlspec") -> typer.Typer:
    """The typer application; with ``load_configs`` (e.g. from a Litestar app) there is no ``--config``.

    The standalone ``sqlspec`` offers shell completion (``--install-completion``); typer reads the
    completion request from the environment only when a shell asks, so it costs nothing otherwise.
    """
    application = typer.Typer(
        cls=_OneLineErrors,
        name=name,
        help="Async-native database migrations.",
        rich_markup_mode=None,
        add_completion=load_configs is None,
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
        debug: Annotated[
            bool, typer.Option("--debug", help="Show tracebacks (also accepted after the command).")
        ] = False,
        concurrency: Annotated[
            int,
            typer.Option(
                "--concurrency",
                min=1,
                help="With several targets (configs or tenant schemas): how many run at once; "
                "1 runs them in turn.",
            ),
        ] = 4,
        fail_fast: Annotated[
            bool,
            typer.Option(
                "--fail-fast", help="Start no further target after one fails (default: keep going)."
            ),
        ] = False,
        include: Annotated[
            list[str] | None,
            typer.Option(
                "--include",
                help="Only targets whose bind_key, schema or label matches this glob; repeatable.",
            ),
        ] = None,
        exclude: Annotated[
            list[str] | None,
            typer.Option("--exclude", help="Skip targets matching this glob (as --include); repeatable."),
        ] = None,
        version: Annotated[
            bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
        ] = False,
    ) -> None:
        def from_reference() -> Sequence["DatabaseConfig"]:
            from sqlspec.cli import loader

            return loader.load_configs(loader.config_reference(config))

        ctx.obj = CLIState(
            load_configs or from_reference,
            bind_key,
            debug,
            concurrency=concurrency,
            fail_fast=fail_fast,
            include=include or (),
            exclude=exclude or (),
        )
        output.show_notices()
        if ctx.invoked_subcommand is None:
            output.echo(ctx.get_help())
            raise typer.Exit(0)

    for command in COMMANDS:
        settings = {"ignore_unknown_options": True} if command in _TARGET_TAKING else None
        application.command(command.__name__.replace("_", "-"), context_settings=settings)(command)
    application.command("test")(stairway)  # a function named test_* or test would look like a test
    application.add_typer(tenant_app, name="tenant")
    return application


app: typer.Typer = make_app()


def main() -> None:
    """The ``sqlspec`` console script."""
    app(prog_name="sqlspec")
