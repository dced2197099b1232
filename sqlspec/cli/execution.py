"""How every command runs: on each selected config, with one exit code, one-line errors and ``--json``.

A command is an *action* on one config that fills a JSON document (a dict) and returns an exit
code; :func:`each_config` runs it on every config the command applies to, turns an exception into
an ``Error:`` line (a traceback only with ``--debug``) and the document's ``error``, and prints the
document with ``--json``: one per config, or one object keyed by bind_key for several.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sqlspec.cli import output

if TYPE_CHECKING:
    from sqlspec.config import DatabaseConfig
    from sqlspec.migrations.engine import MigrationEngine

__all__ = (
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_SIGINT",
    "EXIT_SIGTERM",
    "EXIT_USAGE",
    "CLIState",
    "ConfigLoader",
    "DebugOption",
    "Document",
    "JsonOption",
    "Terminated",
    "each_config",
    "error_document",
    "interactive",
    "run_engine_call",
)

ConfigLoader = Callable[[], Sequence["DatabaseConfig"]]
Document = dict[str, Any]
"""A command's JSON report on one config."""
Action = Callable[["DatabaseConfig", Document], int | None]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_SIGINT = 130
EXIT_SIGTERM = 143

JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document on stdout; progress and warnings go to stderr."),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")]


class Terminated(KeyboardInterrupt):
    """A run stopped by SIGTERM: handled as Ctrl-C is, but exits 143."""


class CLIState:
    """What the root command learned: where the configs come from, and the global flags."""

    def __init__(self, load: ConfigLoader, bind_key: str | None, debug: bool) -> None:
        self._load = load
        self.bind_key = bind_key
        self.debug = debug

    def configs(self) -> list[DatabaseConfig]:
        from sqlspec.cli.loader import select_configs

        return select_configs(self._load(), self.bind_key)


def _exit_code(error: Exception) -> int:
    from sqlspec.exceptions import ImproperConfigurationError, TargetError

    return EXIT_USAGE if isinstance(error, ImproperConfigurationError | TargetError) else EXIT_FAILED


def _message(error: Exception) -> str:
    from sqlspec.exceptions import SQLSpecError

    if isinstance(error, SQLSpecError):
        return str(error)
    return f"unexpected {type(error).__name__}: {error} (run with --debug for the traceback)"


def error_document(error: BaseException, message: str | None = None) -> Document:
    """An error for the JSON document: its type, its one-line message, and what it names."""
    document: Document = {"type": type(error).__name__, "message": message or str(error)}
    for name in ("revision", "direction", "statement", "total", "path", "line", "rolled_back"):
        value = getattr(error, name, None)
        if value is not None and not callable(value):
            document[name] = value if isinstance(value, bool | int) else str(value)
    return document


def _label(config: DatabaseConfig) -> str:
    return config.bind_key or repr(config)


def each_config(
    ctx: typer.Context, command: str, action: Action, *, as_json: bool = False, debug: bool = False
) -> None:
    """Run ``action`` on every selected config in turn; exit with the worst code of them all."""
    state: CLIState = ctx.ensure_object(CLIState)
    state.debug = state.debug or debug
    with output.json_mode(enabled=as_json):
        try:
            configs = state.configs()
        except Exception as error:
            if state.debug:
                raise
            output.error(_message(error))
            code = _exit_code(error)
            if as_json:
                output.print_json(
                    {
                        "command": command,
                        "bind_key": state.bind_key,
                        "exit_code": code,
                        "error": error_document(error, _message(error)),
                    }
                )
            raise typer.Exit(code) from None
        documents: dict[str, Document] = {}
        worst = EXIT_OK
        try:
            for config in configs:
                if len(configs) > 1:
                    output.echo(f"== {_label(config)}", "bold")
                document = documents[_label(config)] = {}
                code = _run_action(state, config, action, document, command)
                worst = max(worst, code)
        finally:  # an interrupted run still reports what it did
            filled = {label: document for label, document in documents.items() if document}
            if as_json and filled:
                output.print_json(filled if len(configs) > 1 else next(iter(filled.values())))
    if worst:
        raise typer.Exit(worst)


def _run_action(
    state: CLIState, config: DatabaseConfig, action: Action, document: Document, command: str
) -> int:
    payload: Document = {}
    error: Document | None = None
    with output.json_mode(enabled=output.in_json_mode()) as warnings:
        try:
            code = action(config, payload) or EXIT_OK
        except KeyboardInterrupt as interrupt:
            detail = interrupt.args[0] if interrupt.args else None
            message = (
                f"interrupted: {detail}"
                if detail
                else "interrupted; what finished before stays done, see `sqlspec history`"
            )
            output.error(message)
            terminated = isinstance(interrupt, Terminated)
            code = EXIT_SIGTERM if terminated else EXIT_SIGINT
            stopped = {"type": "Terminated" if terminated else "Interrupted", "message": message}
            _fill(document, command, config, code, payload, warnings, stopped)
            raise typer.Exit(code) from None
        except typer.Abort:  # Ctrl-C or Ctrl-D at a confirmation prompt: nothing has run yet
            output.error("aborted; nothing was changed")
            _fill(document, command, config, EXIT_SIGINT, payload, warnings, {"type": "Aborted"})
            raise typer.Exit(EXIT_SIGINT) from None
        except Exception as failure:
            if state.debug:
                raise
            output.error(_message(failure))
            code = _exit_code(failure)
            error = error_document(failure, _message(failure))
        _fill(document, command, config, code, payload, warnings, error)
    return code


def _fill(
    document: Document,
    command: str,
    config: DatabaseConfig,
    code: int,
    payload: Document,
    warnings: list[str],
    error: Document | None,
) -> None:
    said = payload.pop("error", None)  # an action may report a refusal that raised nothing
    document.update(command=command, bind_key=config.bind_key, exit_code=code)
    document.update(payload)
    document.update(warnings=list(warnings), error=error or said)


def run_engine_call(function: Callable[..., Any], *args: Any, engine: MigrationEngine | None = None) -> Any:
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


def interactive() -> bool:
    """Whether a person can answer a prompt: stdin and stdout are a terminal."""
    return sys.stdin.isatty() and sys.stdout.isatty()
