"""Finishing what must finish, whoever cancels: anyio's scopes, or asyncio's own ``Task.cancel``.

anyio's ``CancelScope(shield=True)`` keeps anyio cancellation out, but a plain ``Task.cancel()``
(``asyncio.wait_for``, asyncio's Ctrl-C handler) still lands at the next await inside it. Work that
must not be cut (a COMMIT already sent, a version row that records a finished statement) runs here
in a task of its own; the caller waits for it, then lets the cancellation go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ("cancellation", "on_plain_asyncio", "shield", "to_the_end")

T = TypeVar("T")


class _Uncancellable(asyncio.Task):  # type: ignore[type-arg]
    """A task that refuses ``cancel()``.

    A task awaiting it and cancelled meanwhile is told so once it has finished (asyncio cancels
    the awaited future, and where that refuses, raises the cancellation at the next wake-up): the
    waiting of ``asyncio.shield`` without its second future and two more trips round the loop, paid
    at every migration's COMMIT.
    """

    def cancel(self, msg: Any = None) -> bool:
        return False


def shield() -> contextlib.AbstractContextManager[object]:
    """``anyio.CancelScope(shield=True)``, wherever an anyio scope could cancel the task that enters it.

    On asyncio, every anyio scope is made by anyio's asyncio backend, and a scope can cancel only
    the code it encloses, which entered it earlier. So a task entering here before that module was
    ever loaded is inside no anyio scope: there is nothing to keep out, and the empty context
    spares the up-to-date check (``sqlspec upgrade`` with nothing to do, on a plain asyncio loop)
    loading the backend, about 15 ms of the command's start-up. Under trio, trio's own scopes exist
    without anyio: the shield is always real there. Neither stops asyncio's own ``Task.cancel``;
    :func:`to_the_end` does.
    """
    if on_plain_asyncio():
        return contextlib.nullcontext()
    import anyio  # here: the up-to-date check never gets this far, and need not import it

    return anyio.CancelScope(shield=True)


def cancellation() -> type[BaseException]:
    """The running loop's cancellation exception: ``anyio.get_cancelled_exc_class()``, which on
    asyncio would load anyio's backend to answer ``asyncio.CancelledError``."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # trio, whose backend anyio has loaded to run it
        import anyio

        return anyio.get_cancelled_exc_class()
    return asyncio.CancelledError


def on_plain_asyncio() -> bool:
    """Whether this runs on an asyncio loop and anyio's asyncio backend was never loaded.

    Then no anyio scope exists (see :func:`shield`), and what anyio would do here, asyncio can do
    itself without loading that backend. Under trio (not asyncio) this is always false.
    """
    if "anyio._backends._asyncio" in sys.modules:
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # not asyncio (trio)
        return False
    return True


async def to_the_end(step: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Await ``step()`` to its end even when cancelled meanwhile; then re-raise that cancellation."""
    with shield():
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # trio: nothing cancels past its shields
            return await step()
        task: asyncio.Task[T] = _Uncancellable(step(), loop=loop)
        cancelled: BaseException | None = None
        while True:
            try:
                result = await task
                break
            except asyncio.CancelledError as error:
                cancelled = error
                if task.done():  # raised at the wake-up after the end: the step's outcome stands
                    result = task.result()
                    break
    if cancelled is not None:
        raise cancelled
    return result
