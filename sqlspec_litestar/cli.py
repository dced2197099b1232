"""``litestar database <command>`` (alias ``litestar db``): the ``sqlspec`` commands on the app's configs.

typer (0.28) converts sqlspec's application to commands of its own bundled copy of click, which
cannot be nested in Litestar's click CLI. So each of them is described again as a real click
command, built from what typer made (name, help, options, arguments, types, defaults): Litestar's
CLI parses the command line, styles ``--help`` and completes it. Running a command hands the very
arguments it was given to the typer application, so ``litestar database`` and ``sqlspec`` share
every command, flag, line of output and exit code, and the configs are the plugin's, read when a
command runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

import click
import typer.main
from rich_click import RichArgument, RichCommand, RichGroup, RichOption

from sqlspec.cli import make_app

if TYPE_CHECKING:
    from sqlspec.config import DatabaseConfig

__all__ = ("ALIAS", "NAME", "add_database_commands", "database_group")

NAME = "database"
ALIAS = "db"
_GROUP_ARGS = "sqlspec_litestar.group_args"
_COMMAND_ARGS = "sqlspec_litestar.command_args"
_TYPES: dict[str, click.ParamType[Any]] = {"boolean": click.BOOL, "integer": click.INT, "float": click.FLOAT}


class _Group(RichGroup):
    """The ``database`` group: keeps the options given before the command, as they were typed."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[_GROUP_ARGS] = list(args)  # the command and its arguments too, until one runs
        return super().parse_args(ctx, args)


class _Command(RichCommand):
    """One sqlspec command: keeps its arguments as they were typed, for the typer application."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[_COMMAND_ARGS] = list(args)
        return super().parse_args(ctx, args)


def _param_type(param: Any) -> click.ParamType[Any]:
    if getattr(param.type, "name", None) == "choice":
        return click.Choice([str(choice) for choice in param.type.choices])
    return _TYPES.get(getattr(param.type, "name", ""), click.STRING)


def _default(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _click_param(param: Any) -> click.Parameter:
    """A click parameter that parses, helps and completes as typer's ``param`` does."""
    common: dict[str, Any] = {
        "type": _param_type(param),
        "required": param.required,
        "default": _default(param.default),
        "nargs": param.nargs,
        "help": getattr(param, "help", None),
    }
    if param.param_type_name != "option":
        return RichArgument([param.name], metavar=param.metavar, **common)
    declarations = [*param.opts]
    if param.secondary_opts:
        declarations = [f"{param.opts[0]}/{param.secondary_opts[0]}", *param.opts[1:]]
    return RichOption(
        [param.name, *declarations],
        is_flag=bool(param.is_flag) or None,
        multiple=param.multiple,
        count=param.count,
        hidden=param.hidden,
        show_default=False,  # typer's help text says what the default is where it matters
        **common,
    )


def _command(name: str, source: Any, prog_name: Callable[[click.Context], str], run: _Run) -> click.Command:
    def callback(**_parsed: Any) -> None:  # typer parses the arguments again, as they were typed
        ctx = click.get_current_context()
        group_ctx = ctx.parent if ctx.parent is not None else ctx
        own: list[str] = ctx.meta.get(_COMMAND_ARGS, [])
        given: list[str] = ctx.meta.get(_GROUP_ARGS, [])
        before = given[: len(given) - len(own) - 1]  # the group's options, before the command's name
        arguments = [*before, name, *own]
        ctx.exit(run(arguments, prog_name(group_ctx)))

    params = [_click_param(param) for param in source.params]
    settings = dict(source.context_settings or {})
    if hasattr(source, "commands"):  # a group (``tenant``): its command line goes to typer whole
        params = [click.Argument(["arguments"], nargs=-1, type=click.UNPROCESSED)]
        settings |= {"ignore_unknown_options": True, "allow_extra_args": True}
    return _Command(
        name=name,
        params=params,
        callback=callback,
        help=source.help,
        short_help=source.short_help,
        epilog=source.epilog,
        hidden=source.hidden,
        context_settings=settings,
    )


_Run = Callable[[list[str], str], int]


def database_group(load_configs: Callable[[], Sequence[DatabaseConfig]], *, name: str = NAME) -> click.Group:
    """The ``sqlspec`` commands as a click group; ``load_configs`` is called when a command runs."""
    source: Any = typer.main.get_command(make_app(load_configs, name=name))

    def run(arguments: list[str], prog_name: str) -> int:
        code = source.main(args=arguments, prog_name=prog_name, standalone_mode=False)
        return code if isinstance(code, int) else 0

    def prog_name(ctx: click.Context) -> str:
        return ctx.command_path

    def callback(**_parsed: Any) -> None:
        ctx = click.get_current_context()
        if ctx.invoked_subcommand is not None:
            return
        given = ctx.meta.get(_GROUP_ARGS, [])
        if given:  # e.g. --version: the typer application answers
            ctx.exit(run(given, ctx.command_path))
        click.echo(ctx.get_help())

    commands = [_command(key, command, prog_name, run) for key, command in source.commands.items()]
    return _Group(
        name=name,
        commands=commands,
        params=[_click_param(param) for param in source.params],
        callback=callback,
        invoke_without_command=True,
        help=f"Database migrations (sqlspec): the sqlspec commands on this app's configs. Alias: {ALIAS}.",
        short_help=f"Database migrations (sqlspec); alias: {ALIAS}.",
        context_settings=dict(source.context_settings or {}),
    )


def add_database_commands(cli: click.Group, load_configs: Callable[[], Sequence[DatabaseConfig]]) -> None:
    """Add ``database`` to Litestar's CLI, and ``db`` for it, left out of the command list."""
    cli.add_command(database_group(load_configs))
    alias = database_group(load_configs, name=ALIAS)
    alias.hidden = True
    cli.add_command(alias)
