"""A command on many targets at once: one event loop, ``--concurrency`` at a time, a block of output each.

Each target's lines are kept while it runs and printed together when it ends, so targets never
interleave; on a terminal a live display under them says how many are done, failed and running,
and which. At the end a summary table has a row per target, and with ``--json`` the document is
one object keyed by target label. Ctrl-C and SIGTERM cancel every running target the way one run is
cancelled (its shielded steps finish); what finished before stays done.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING

import anyio
import anyio.lowlevel

from sqlspec.cli import output
from sqlspec.cli.execution import (
    EXIT_OK,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    CLIState,
    Document,
    TargetAction,
    Terminated,
    _exit_code,
    _fill,
    _message,
    error_document,
    run_engine_call,
)

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.live import Live

    from sqlspec.fleet import Status, Target, TargetResult

__all__ = ("run_concurrently",)

_SHOWN_RUNNING = 12


class _ActionFailedError(Exception):
    """A target's action failed; its document already says how (the exit code is kept here)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class _Board:
    """The live display: how many targets are in each state, and the ones running now."""

    def __init__(self, command: str, results: Sequence[TargetResult[int]]) -> None:
        self._command = command
        self._results = results
        self.started: dict[str, float] = {}

    def __rich__(self) -> RenderableType:
        from rich.table import Table
        from rich.text import Text

        counts: dict[Status, int] = {}
        for result in self._results:
            counts[result.status] = counts.get(result.status, 0) + 1
        order: tuple[Status, ...] = ("ok", "failed", "running", "waiting", "skipped")
        summary = ", ".join(f"{counts[status]} {status}" for status in order if status in counts)
        grid = Table.grid()
        grid.add_row(Text(f"{self._command} on {len(self._results)} targets: {summary}", style="bold"))
        now = time.perf_counter()
        running = [result for result in self._results if result.status == "running"]
        for result in running[:_SHOWN_RUNNING]:
            since = now - self.started.get(result.label, now)
            grid.add_row(Text(f"  … {result.label} running for {since:.1f} s", style="yellow"))
        if len(running) > _SHOWN_RUNNING:
            grid.add_row(Text(f"  … and {len(running) - _SHOWN_RUNNING} more", style="yellow"))
        return grid


def _applied(document: Document) -> int:
    entries = document.get("migrations") or []
    return sum(1 for entry in entries if entry.get("status") in {"applied", "reverted"})


def run_concurrently(
    state: CLIState, command: str, targets: Sequence[Target], action: TargetAction, *, as_json: bool
) -> int:
    """Run ``action`` on every target, ``state.concurrency`` at once; the worst exit code."""
    from sqlspec.fleet import TargetResult, run_results

    documents: dict[str, Document] = {target.label: {} for target in targets}
    results = [TargetResult[int](target) for target in targets]
    board = _Board(command, results)
    live: Live | None = None
    signalled: list[str] = []  # the signal that stopped the run, for each target's document

    async def one(target: Target, result: TargetResult[int]) -> int:
        document = documents[target.label]
        payload: Document = {}
        error: Document | None = None
        board.started[target.label] = time.perf_counter()
        with output.captured() as sink:

            def stop(detail: str | None) -> None:
                message = (
                    f"interrupted: {detail}" if detail else "interrupted; what finished before stays done"
                )
                terminated = signalled[:1] == ["SIGTERM"]
                stopped = {"type": "Terminated" if terminated else "Interrupted", "message": message}
                code = EXIT_SIGTERM if terminated else EXIT_SIGINT
                _fill(document, command, target.config, code, payload, sink.warnings, stopped)

            try:
                code = await action(target, payload) or EXIT_OK
            except anyio.get_cancelled_exc_class():
                stop(target.interruption)
                raise
            except Exception as failure:
                if signalled:  # a step finished after the signal, and failed: still a stop
                    stop(target.interruption or _message(failure))
                    await anyio.lowlevel.checkpoint_if_cancelled()  # the run's cancellation, here
                    raise
                if state.debug:
                    output.echo("".join(traceback.format_exception(failure)).rstrip())
                output.error(_message(failure))
                code = _exit_code(failure)
                error = error_document(failure, _message(failure))
            _fill(document, command, target.config, code, payload, sink.warnings, error)
        result.applied = _applied(document)
        output.echo(f"== {target.label}", "bold")
        output.replay(sink)
        if code:
            reported = document.get("error") or {}
            raise _ActionFailedError(code, str(reported.get("message") or f"exit code {code}"))
        return code

    def on_update(_result: TargetResult[int]) -> None:
        if live is not None:
            live.refresh()

    async def fleet() -> None:
        await run_results(
            results, one, concurrency=state.concurrency, fail_fast=state.fail_fast, on_update=on_update
        )

    interrupted: KeyboardInterrupt | None = None
    try:
        if not as_json and not output._plain():  # a terminal: the live display, gone when done
            from rich.live import Live

            with Live(board, console=output._console(), refresh_per_second=4, transient=True) as live:
                run_engine_call(fleet, on_signal=signalled.append)
        else:
            run_engine_call(fleet, on_signal=signalled.append)
    except KeyboardInterrupt as stop:
        interrupted = stop
        output.error("interrupted; targets that finished stay done, see the summary")
    report(command, results, documents, as_json=as_json, keyed=True)
    if interrupted is not None:
        return EXIT_SIGTERM if isinstance(interrupted, Terminated) else EXIT_SIGINT
    codes: list[int] = [document["exit_code"] or EXIT_OK for document in documents.values()]
    return max([EXIT_OK, *codes])


def report(
    command: str,
    results: Sequence[TargetResult[int]],
    documents: dict[str, Document],
    *,
    as_json: bool,
    keyed: bool,
) -> None:
    """The end of a run on targets, concurrent or in turn: each document completed (a target never
    started is ``skipped``, with ``exit_code: null``), the summary table for several targets, and
    with ``--json`` the documents, keyed by label when ``keyed`` (each with its ``status``)."""
    for result in results:
        document = documents[result.label]
        if not document:  # never started: --fail-fast, or interrupted first
            document.update(
                command=command, bind_key=result.target.config.bind_key, exit_code=None, error=None
            )
        if result.target.schema is not None:
            document["schema"] = result.target.schema
        if keyed:
            document["status"] = "skipped" if result.status == "waiting" else result.status
        if result.status in {"ok", "failed"}:
            result.applied = _applied(document)
    if len(results) > 1:
        _summary(results, documents, counted=command in {"upgrade", "downgrade"})
    if as_json:
        output.print_json(documents if keyed else documents[results[0].label])


def _summary(results: Sequence[TargetResult[int]], documents: dict[str, Document], *, counted: bool) -> None:
    rows = []
    for result in results:
        error = (documents[result.label].get("error") or {}).get("message") or ""
        duration = "-" if result.duration_ms is None else f"{result.duration_ms / 1000:.2f} s"
        status = "skipped" if result.status == "waiting" else result.status
        rows.append((result.label, status, str(result.applied) if counted else "-", duration, error))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[1]] = counts.get(row[1], 0) + 1
    title = f"{len(rows)} targets: " + ", ".join(f"{n} {status}" for status, n in counts.items())
    output.table(("target", "status", "migrations", "duration", "error"), rows, title=title)
