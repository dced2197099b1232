"""How every command runs: on each selected config, with one exit code, one-line errors and ``--json``.

A command is an *action* on one config that fills a JSON document (a dict) and returns an exit
code; :func:`each_config` runs it on every config the command applies to, turns an exception into
an ``Error:`` line (a traceback only with ``--debug``) and the document's ``error``, and prints the
document with ``--json``: one per config, or one object keyed by bind_key for several.

The commands that touch databases take an async action per *target* instead (a config, or one
PostgreSQL tenant schema): :func:`each_target` runs them one after the other like
:func:`each_config`, or, with several targets and ``--concurrency`` above 1, all in one event loop
(see :mod:`sqlspec.cli.fleet_run`).
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from sqlspec.cli import output
from sqlspec.cli.signals import EXIT_SIGINT, EXIT_SIGTERM, Terminated, run_engine_call

if TYPE_CHECKING:
    from sqlspec.config import DatabaseConfig
    from sqlspec.fleet import Target

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
    "each_target",
    "error_document",
    "interactive",
    "run_engine_call",
)

ConfigLoader = Callable[[], Sequence["DatabaseConfig"]]
Document = dict[str, Any]
"""A command's JSON report on one config."""
Action = Callable[["DatabaseConfig", Document], int | None]
TargetAction = Callable[["Target", Document], Awaitable[int | None]]
"""A command's work on one target, awaited in the run's event loop."""
Prepare = Callable[["Target", Document], int | None]
"""A blocking first step on one target (a confirmation prompt), before its action; a code stops it."""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document on stdout; progress and warnings go to stderr."),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")]


class CLIState:
    """What the root command learned: where the configs come from, and the global flags."""

    def __init__(
        self,
        load: ConfigLoader,
        bind_key: str | None,
        debug: bool,
        *,
        concurrency: int = 4,
        fail_fast: bool = False,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
    ) -> None:
        self._load = load
        self.bind_key = bind_key
        self.debug = debug
        self.concurrency = concurrency
        self.fail_fast = fail_fast
        self.include: tuple[str, ...] = tuple(include)
        self.exclude: tuple[str, ...] = tuple(exclude)
        self._loaded: list[DatabaseConfig] | None = None

    def loaded(self) -> list[DatabaseConfig]:
        """Every config the reference names, loaded once."""
        if self._loaded is None:
            self._loaded = list(self._load())
        return self._loaded

    def keyed(self, *, tenants: bool = False) -> bool:
        """Whether ``--json`` keys the documents by label: the reference names several configs (or,
        with ``tenants``, a config naming tenant schemas), however many ``--bind-key``,
        ``--include`` and ``--exclude`` leave; so a script's parsing never depends on a filter."""
        configs = self.loaded()
        return len(configs) > 1 or (tenants and any(c.migration_config.tenant_schemas for c in configs))

    def configs(self) -> list[DatabaseConfig]:
        """The selected configs; ``--include`` / ``--exclude`` match their bind_key.

        A config with tenant schemas stays when a pattern could match one of its tenants:
        :meth:`targets` filters those. An ``--include`` that matches nothing is a usage error.
        """
        from sqlspec.cli.loader import select_configs

        base = select_configs(self.loaded(), self.bind_key)
        chosen = [config for config in base if not _named(config, self.exclude)]
        if any(config.migration_config.tenant_schemas for config in chosen):
            return (
                chosen
                if not self.include
                else [c for c in chosen if _named(c, self.include) or c.migration_config.tenant_schemas]
            )
        selected = [config for config in chosen if not self.include or _named(config, self.include)]
        unmatched = [pattern for pattern in self.include if not any(_named(c, [pattern]) for c in chosen)]
        _refuse_unmatched(unmatched, [_label(config) for config in base], not selected, "config")
        return selected

    def targets(self) -> list[Target]:
        """Every selected target: each config, or each tenant schema of one that names them."""
        from sqlspec._sync import run_blocking
        from sqlspec.cli.loader import select_configs
        from sqlspec.fleet import fleet_targets, select_targets

        base = select_configs(self.loaded(), self.bind_key)
        chosen = [config for config in base if not _named(config, self.exclude)]
        targets = run_blocking(fleet_targets, chosen)
        selected = select_targets(targets, self.include, self.exclude)
        unmatched = [pattern for pattern in self.include if not any(t.matches([pattern]) for t in targets)]
        labels = [target.label for target in targets] or [_label(config) for config in base]
        emptied = not selected and (len(chosen) < len(base) or bool(targets))
        _refuse_unmatched(unmatched, labels, emptied, "target")
        return selected


def _named(config: DatabaseConfig, patterns: Sequence[str]) -> bool:
    from fnmatch import fnmatchcase

    return config.bind_key is not None and any(fnmatchcase(config.bind_key, p) for p in patterns)


def _refuse_unmatched(unmatched: Sequence[str], labels: Sequence[str], emptied: bool, kind: str) -> None:
    """A usage error when an ``--include`` pattern matches nothing, or ``--exclude`` leaves nothing:
    it names the patterns and what there is to choose from."""
    from sqlspec.exceptions import ImproperConfigurationError

    if not unmatched and not emptied:
        return
    known = (", ".join(labels[:10]) + (", ..." if len(labels) > 10 else "")) if labels else "none"
    if unmatched:
        patterns = ", ".join(f"--include {pattern!r}" for pattern in unmatched)
        raise ImproperConfigurationError(f"{patterns} matches no {kind}; the {kind}s: {known}")
    raise ImproperConfigurationError(f"--exclude leaves no {kind}; the {kind}s: {known}")


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


_ONCE_PER_FOLDER = frozenset({"init", "create-migration", "squash", "fix"})
"""Commands that write migration files: configs sharing a script_location share their files, so
the command runs once per folder (``fix`` then reconciles the other configs' databases)."""


def each_config(
    ctx: typer.Context,
    command: str,
    action: Action,
    *,
    as_json: bool = False,
    debug: bool = False,
    sharing: Action | None = None,
    writes: Callable[[DatabaseConfig], Path | None] | None = None,
) -> None:
    """Run ``action`` on every selected config in turn; exit with the worst code of them all.

    A command that writes migration files runs once per script_location; ``sharing`` runs instead
    on each config whose folder another config before it has (nothing runs there without it).
    ``writes`` names the file a config would write (``None``: stdout); two configs writing the
    same file are a usage error, before anything runs.
    """
    state: CLIState = ctx.ensure_object(CLIState)
    state.debug = state.debug or debug
    with output.json_mode(enabled=as_json):
        try:
            configs = state.configs()
            if writes is not None:
                _refuse_same_file(configs, writes)
            keyed = state.keyed()
        except Exception as error:
            _load_failed(state, command, error, as_json)
        except KeyboardInterrupt as stop:
            _load_stopped(state, command, stop, as_json)
        shared = _shared_folders(configs, command) if command in _ONCE_PER_FOLDER else {}
        items: list[tuple[str, DatabaseConfig, Action]] = []
        for config in configs:
            run = sharing if _label(config) in shared else action
            if run is not None:
                items.append((_label(config), config, run))
        worst = _in_turn(state, command, items, as_json=as_json, keyed=keyed, shared=shared)
    if worst:
        raise typer.Exit(worst)


def _shared_folders(configs: Sequence[DatabaseConfig], command: str) -> dict[str, str]:
    """Each config whose script_location a config before it has: its label -> that config's label.

    Says so in one line per folder."""
    first: dict[Path, DatabaseConfig] = {}
    shared: dict[str, str] = {}
    for config in configs:
        folder = Path(config.migration_config.script_location).resolve()
        first_config = first.setdefault(folder, config)
        if first_config is not config:
            shared[_label(config)] = _label(first_config)
    for owner in dict.fromkeys(shared.values()):
        others = ", ".join(label for label, by in shared.items() if by == owner)
        share = "shares" if "," not in others else "share"
        location = next(c for c in configs if _label(c) == owner).migration_config.script_location
        output.echo(f"{others} {share} {owner}'s folder {location}: {command} runs once, for {owner}")
    return shared


def _refuse_same_file(
    configs: Sequence[DatabaseConfig], writes: Callable[[DatabaseConfig], Path | None]
) -> None:
    from sqlspec.exceptions import ImproperConfigurationError

    by_path: dict[Path, list[str]] = {}
    for config in configs:
        path = writes(config)
        if path is not None:
            by_path.setdefault(path.resolve(), []).append(_label(config))
    for path, labels in by_path.items():
        if len(labels) > 1:
            raise ImproperConfigurationError(
                f"{', '.join(labels)} would all write {path}: pick one with --bind-key or --include, "
                "or give each config its own schema_file (or use --output -)"
            )


def _load_failed(state: CLIState, command: str, error: Exception, as_json: bool) -> NoReturn:
    if state.debug:
        raise error
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


def _load_stopped(state: CLIState, command: str, stop: KeyboardInterrupt, as_json: bool) -> NoReturn:
    """A signal while the configs load (a config module fetching a secret, a tenant list's query)."""
    terminated = isinstance(stop, Terminated)
    code = EXIT_SIGTERM if terminated else EXIT_SIGINT
    message = "interrupted; nothing was changed"
    output.error(message)
    if as_json:
        kind = "Terminated" if terminated else "Interrupted"
        output.print_json(
            {
                "command": command,
                "bind_key": state.bind_key,
                "exit_code": code,
                "error": {"type": kind, "message": message},
            }
        )
    raise typer.Exit(code) from None


def _in_turn(
    state: CLIState,
    command: str,
    items: Sequence[tuple[str, DatabaseConfig, Action]],
    *,
    as_json: bool,
    keyed: bool,
    shared: dict[str, str],
) -> int:
    """Run each (label, config, action) one after the other; the worst exit code."""
    documents: dict[str, Document] = {}
    worst = EXIT_OK
    try:
        for index, (label, config, action) in enumerate(items):
            if len(items) > 1:
                output.echo(f"== {label}", "bold")
            document = documents[label] = {}
            code = _run_action(state, config, action, document, command)
            worst = max(worst, code)
            if code and state.fail_fast and index + 1 < len(items):
                output.error(f"--fail-fast: {len(items) - index - 1} config(s) not started")
                break
    finally:  # an interrupted run still reports what it did
        for label, owner in shared.items():  # a config whose folder another one's command wrote
            mirror = documents.get(owner) or {}
            document = documents.setdefault(label, {}) or {}
            if not document and mirror:
                document.update(command=command, bind_key=label, exit_code=mirror["exit_code"])
                document.update(warnings=[], error=None)
            if document:
                document["shares_folder_with"] = owner
                documents[label] = document
        order = {label: index for index, label in enumerate([*[item[0] for item in items], *shared])}
        filled = {
            label: documents[label] for label in sorted(documents, key=order.__getitem__) if documents[label]
        }
        if as_json and filled:
            output.print_json(filled if keyed else next(iter(filled.values())))
    return worst


def each_target(
    ctx: typer.Context,
    command: str,
    action: TargetAction,
    *,
    as_json: bool = False,
    debug: bool = False,
    prepare: Prepare | None = None,
    confirm_fleet: Callable[[int], bool] | None = None,
) -> None:
    """Run ``action`` on every selected target: in turn, or concurrently (``--concurrency``).

    ``prepare`` runs first on each target when they run in turn; when they run concurrently,
    ``confirm_fleet`` (given the number of targets) is asked once before any starts instead.
    With ``--json`` the document is keyed by target label whenever the config reference names
    several targets (several configs, or a config naming tenant schemas), however many are chosen.
    """
    state: CLIState = ctx.ensure_object(CLIState)
    state.debug = state.debug or debug
    with output.json_mode(enabled=as_json):
        try:
            targets = state.targets()
            keyed = state.keyed(tenants=True)
        except Exception as error:
            _load_failed(state, command, error, as_json)
        except KeyboardInterrupt as stop:
            _load_stopped(state, command, stop, as_json)
        worst = EXIT_OK
        if not targets:  # a tenant list that is empty today
            output.echo("No target: tenant_schemas names no schema; nothing to do")
            if as_json:
                output.print_json({})
        elif len(targets) > 1 and state.concurrency > 1:
            from sqlspec.cli.fleet_run import run_concurrently

            if confirm_fleet is not None and not confirm_fleet(len(targets)):
                output.echo("Nothing changed")
                raise typer.Exit(EXIT_FAILED)
            worst = run_concurrently(state, command, targets, action, as_json=as_json)
        else:
            worst = _targets_in_turn(state, command, targets, action, prepare, as_json=as_json, keyed=keyed)
    if worst:
        raise typer.Exit(worst)


def _targets_in_turn(
    state: CLIState,
    command: str,
    targets: Sequence[Target],
    action: TargetAction,
    prepare: Prepare | None,
    *,
    as_json: bool,
    keyed: bool,
) -> int:
    """Run ``action`` on each target one after the other, reported as a concurrent run is."""
    import time

    from sqlspec.cli.fleet_run import report
    from sqlspec.fleet import TargetResult

    documents: dict[str, Document] = {target.label: {} for target in targets}
    results = [TargetResult[int](target) for target in targets]
    worst = EXIT_OK
    try:
        for index, result in enumerate(results):
            target = result.target
            if len(targets) > 1:
                output.echo(f"== {target.label}", "bold")
            started = time.perf_counter()
            result.status = "interrupted"  # until the action returns
            blocking = _blocking(target, action, prepare)
            code = _run_action(state, target.config, blocking, documents[target.label], command)
            result.duration_ms = round((time.perf_counter() - started) * 1000, 1)
            result.status = "failed" if code else "ok"
            worst = max(worst, code)
            if code and state.fail_fast and index + 1 < len(results):
                output.error(f"--fail-fast: {len(results) - index - 1} target(s) not started")
                break
    finally:  # an interrupted run still reports what it did
        report(command, results, documents, as_json=as_json, keyed=keyed)
    return worst


def _blocking(target: Target, action: TargetAction, prepare: Prepare | None) -> Action:
    """``action`` on ``target`` as a blocking action: its own event loop, Ctrl-C handled."""

    def run(_config: DatabaseConfig, document: Document) -> int | None:
        if prepare is not None and (stopped := prepare(target, document)) is not None:
            return stopped
        code: int | None = run_engine_call(action, target, document, interruption=lambda: target.interruption)
        return code

    return run


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
        except typer.Abort as abort:  # Ctrl-C, Ctrl-D or SIGTERM at a confirmation prompt: nothing has run
            output.error("aborted; nothing was changed")
            code = EXIT_SIGTERM if isinstance(abort.__context__, Terminated) else EXIT_SIGINT
            _fill(document, command, config, code, payload, warnings, {"type": "Aborted"})
            raise typer.Exit(code) from None
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


def interactive() -> bool:
    """Whether a person can answer a prompt: stdin and stdout are a terminal."""
    return sys.stdin.isatty() and sys.stdout.isatty()
