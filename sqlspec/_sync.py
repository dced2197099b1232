"""The one bridge from blocking code to the async engine.

Every blocking method in sqlspec (a sync config's ``migrate_up``, the driver handed to a plain ``def``
migration) is made by :func:`blocking_twin` from its async original, so the two can never drift.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from sqlspec.exceptions import SyncInEventLoopError

__all__ = ("HasAsyncTwin", "blocking_twin", "run_blocking")

P = ParamSpec("P")
T = TypeVar("T")


class HasAsyncTwin(Protocol):
    """A blocking object that delegates to an async object with the same method names."""

    def _async_twin(self) -> Any: ...


def _in_anyio_worker_thread() -> bool:
    import anyio.from_thread  # here: most runs never come from a worker thread

    try:
        anyio.from_thread.check_cancelled()
    except RuntimeError:  # anyio.NoEventLoopError: not a thread started by anyio.to_thread
        return False
    return True


def _event_loop_running_here() -> bool:
    import anyio.lowlevel  # here: importing sqlspec should not load it

    try:
        anyio.lowlevel.current_token()
    except RuntimeError:  # anyio.NoEventLoopError
        return False
    return True


def run_blocking(func: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run an async callable to completion and return its result, from blocking code.

    - In a worker thread started by ``anyio.to_thread`` (a plain ``def`` migration), the call goes
      back to that thread's event loop, so it shares the loop's connection and transaction.
    - In a thread with no event loop, a new loop runs the call (``anyio.run``, asyncio backend).
    - In a thread that is running an event loop, it raises :class:`SyncInEventLoopError`: blocking
      that loop would stall every other task on it, and a second loop cannot use its connections.
    """

    import anyio.from_thread  # here: importing sqlspec (and a command with nothing to do) need not

    async def call() -> T:
        return await func(*args, **kwargs)

    if _in_anyio_worker_thread():
        return anyio.from_thread.run(call)
    if _event_loop_running_here():
        name = getattr(func, "__qualname__", repr(func))
        raise SyncInEventLoopError(
            f"{name}() is blocking but was called inside a running event loop; await the async API "
            "(e.g. AiosqliteConfig / AsyncpgConfig) or call it through anyio.to_thread.run_sync()"
        )
    return anyio.run(call)


def blocking_twin(
    method: Callable[Concatenate[Any, P], Awaitable[T]],
) -> Callable[Concatenate[HasAsyncTwin, P], T]:
    """Make the blocking twin of an async method, for a class whose ``_async_twin()`` has it.

    The twin keeps the original's name, signature and docstring; calling it runs
    ``self._async_twin().<name>(...)`` through :func:`run_blocking`.
    """
    name = method.__name__

    @functools.wraps(method)
    def twin(self: HasAsyncTwin, /, *args: P.args, **kwargs: P.kwargs) -> T:
        bound: Callable[P, Awaitable[T]] = getattr(self._async_twin(), name)
        return run_blocking(bound, *args, **kwargs)

    return twin
