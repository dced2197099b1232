"""``litestar database <command>``: the ``sqlspec`` commands, with the configs taken from the app.

Litestar's CLI is click; sqlspec's is typer. Rather than translate one into the other, this one click
command hands its arguments to the very same typer application, so both CLIs share every command,
flag and line of output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from sqlspec.cli import make_app

if TYPE_CHECKING:
    from litestar import Litestar

__all__ = ("database_command",)


@click.command(
    "database",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def database_command(app: Litestar, args: tuple[str, ...]) -> None:
    """Manage database migrations (sqlspec): upgrade, downgrade, history, check, ..."""
    from sqlspec_litestar.plugin import SQLSpecPlugin

    plugin = app.plugins.get(SQLSpecPlugin)
    typer_app = make_app(lambda: plugin.configs, name="litestar database")
    typer_app(args=list(args), prog_name="litestar database")
