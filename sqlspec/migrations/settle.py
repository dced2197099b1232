"""Run a statement that commits by itself, and know how it ended even when the run is cancelled.

Cancelling the call that awaits such a statement (Ctrl-C, SIGTERM, a timeout) would only stop the
client from listening: the database may still finish it. So the statement runs in a task of its
own, shielded; when the run is cancelled, the database is asked to stop it, and its answer is
waited for (a bounded time) before the cancellation goes on. The answer is one of: it finished, the
database reports it failed (so it took no effect), or nobody can say.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal

import anyio
import anyio.abc

from sqlspec.driver import AsyncDriver

__all__ = ("Settled", "background_tasks", "execute_settled")

SETTLE_WAIT = 30.0
"""Seconds to wait for the database's answer about a statement asked to stop."""


@dataclass
class Settled:
    """How a statement ended."""

    outcome: Literal["done", "failed", "unknown"] = "unknown"
    """``failed``: the database reported an error for it, so it took no effect."""
    error: Exception | None = None
    cancelled: BaseException | None = None
    """The cancellation that interrupted the run while the statement ran; re-raise it once recorded."""


@asynccontextmanager
async def background_tasks() -> AsyncIterator[anyio.abc.TaskGroup]:
    """A task group for a run's helpers (heartbeat, settled statements), cancelled when the run ends.

    The run's own error propagates as itself, not wrapped in an exception group.
    """
    try:
        async with anyio.create_task_group() as tasks:
            try:
                yield tasks
            finally:
                tasks.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        if len(group.exceptions) == 1:
            raise group.exceptions[0] from group.exceptions[0].__cause__
        raise


async def execute_settled(driver: AsyncDriver, sql: str, tasks: anyio.abc.TaskGroup) -> Settled:
    """Run ``sql`` in ``tasks`` and return how it ended; never raises for the statement's own error."""
    settled = Settled()
    finished = anyio.Event()
    statement_scope = anyio.CancelScope(shield=True)

    async def run() -> None:
        with statement_scope:
            try:
                await driver.execute(sql)
            except Exception as error:
                settled.error = error
                settled.outcome = "failed" if driver.failed_on_server(error) else "unknown"
            else:
                settled.outcome = "done"
        finished.set()  # also when the wait for an answer ran out: the outcome stays unknown

    tasks.start_soon(run)
    try:
        await finished.wait()
    except anyio.get_cancelled_exc_class() as cancelled:
        settled.cancelled = cancelled
        with anyio.CancelScope(shield=True):
            statement_scope.deadline = anyio.current_time() + SETTLE_WAIT
            # If asking fails, the statement's own answer still says what happened.
            with anyio.move_on_after(SETTLE_WAIT), contextlib.suppress(Exception):
                await driver.interrupt()
            await finished.wait()
    return settled
