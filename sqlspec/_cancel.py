"""Finishing what must finish, whoever cancels: anyio's scopes, or asyncio's own ``Task.cancel``.

anyio's ``CancelScope(shield=True)`` keeps anyio cancellation out, but a plain ``Task.cancel()``
(``asyncio.wait_for``, asyncio's Ctrl-C handler) still lands at the next await inside it. Work that
must not be cut (a COMMIT already sent, a version row that records a finished statement) runs here
in a task of its own; the caller waits for it, then lets the cancellation go on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

__all__ = ("to_the_end",)

T = TypeVar("T")


async def to_the_end(step: Callable[[], Awaitable[T]]) -> T:
    """Await ``step()`` to its end even when cancelled meanwhile; then re-raise that cancellation."""
    with anyio.CancelScope(shield=True):
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # trio: nothing cancels past its shields
            return await step()

        async def run() -> T:
            return await step()

        task = asyncio.ensure_future(run())
        cancelled: BaseException | None = None
        while not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError as error:
                if task.done() and not task.cancelled():
                    break
                cancelled = error
        result = task.result()
    if cancelled is not None:
        raise cancelled
    return result
