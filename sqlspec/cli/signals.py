"""Ctrl-C and SIGTERM during an engine call: both stop it through anyio, so its shielded steps finish.

Apart from :mod:`~sqlspec.cli.execution` so that the no-op upgrade (:mod:`~sqlspec.cli.fast_path`)
stops the same way without loading typer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlspec.migrations.engine import MigrationEngine

__all__ = ("EXIT_SIGINT", "EXIT_SIGTERM", "Terminated", "raise_terminated", "run_engine_call")

EXIT_SIGINT = 130
EXIT_SIGTERM = 143


class Terminated(KeyboardInterrupt):
    """A run stopped by SIGTERM: handled as Ctrl-C is, but exits 143."""


def run_engine_call(
    function: Callable[..., Any],
    *args: Any,
    engine: MigrationEngine | None = None,
    interruption: Callable[[], str | None] | None = None,
    on_signal: Callable[[str], None] | None = None,
) -> Any:
    """Run an engine call to its end; SIGINT (Ctrl-C) and SIGTERM stop it the same way.

    Either signal stops the call as :func:`~sqlspec._sync.until_signalled` says (shielded steps
    finish; a failure after the signal still ends as a stop). The KeyboardInterrupt that follows
    carries ``engine``'s one line about what was left (or ``interruption()``'s, or else the
    failure's). ``on_signal`` hears the signal's name first.
    """
    import signal
    from functools import partial

    from sqlspec._sync import Signalled, until_signalled

    try:
        return until_signalled(partial(function, *args), (signal.SIGINT, signal.SIGTERM), on_signal)
    except Signalled as stop:
        detail = engine.interruption if engine is not None and engine.interruption else ""
        if interruption is not None:
            detail = interruption() or ""
        if not detail and stop.failure is not None:
            detail = _said(stop.failure)
        raise (Terminated if stop.name == "SIGTERM" else KeyboardInterrupt)(detail) from None


def _said(error: Exception) -> str:
    """An error as the command line's one line says it."""
    from sqlspec.exceptions import SQLSpecError, one_line

    return str(error) if isinstance(error, SQLSpecError) else one_line(error)


def raise_terminated(signum: int, frame: object) -> None:
    """SIGTERM's handler between engine calls: stop as Ctrl-C stops Python, with exit code 143.

    Without it, SIGTERM between two targets (or before the first connects) would end the process
    at once, with no line and no summary.
    """
    raise Terminated
