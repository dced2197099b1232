"""Ctrl-C and SIGTERM during an engine call: both stop it through anyio, so its shielded steps finish.

Apart from :mod:`~sqlspec.cli.execution` so that the no-op upgrade (:mod:`~sqlspec.cli.fast_path`)
stops the same way without loading typer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlspec.migrations.engine import MigrationEngine

__all__ = ("EXIT_SIGINT", "EXIT_SIGTERM", "Terminated", "run_engine_call")

EXIT_SIGINT = 130
EXIT_SIGTERM = 143


class Terminated(KeyboardInterrupt):
    """A run stopped by SIGTERM: handled as Ctrl-C is, but exits 143."""


def run_engine_call(
    function: Callable[..., Any],
    *args: Any,
    engine: MigrationEngine | None = None,
    interruption: Callable[[], str | None] | None = None,
) -> Any:
    """Run an engine call to its end; SIGINT (Ctrl-C) and SIGTERM stop it the same way.

    Either signal cancels the call through anyio, so the engine's shielded steps (a statement
    being settled, its version row, a COMMIT) still finish; asyncio's own Ctrl-C handler would
    cancel the task outright, through any shield. The KeyboardInterrupt that follows carries
    ``engine``'s one line about what was left (or ``interruption()``'s).
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
    if interruption is not None:
        detail = interruption() or ""
    raise (Terminated if received[0] == "SIGTERM" else KeyboardInterrupt)(detail)
