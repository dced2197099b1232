"""The one bridge from blocking code to the async engine.

Every blocking method in sqlspec (a sync config's ``migrate_up``, the driver handed to a plain ``def``
migration) is made by :func:`blocking_twin` from its async original, so the two can never drift.
"""

from __future__ import annotations

import functools
import signal
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar, cast

from sqlspec.exceptions import SyncInEventLoopError

__all__ = ("HasAsyncTwin", "Signalled", "blocking_twin", "run_blocking", "until_signalled")

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
      In the main thread, with Python's own Ctrl-C handler in place, Ctrl-C stops the call as
      :func:`until_signalled` says, then raises ``KeyboardInterrupt`` (whose cause is the call's
      error, if it failed meanwhile).
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
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # (off the main thread: anyio.run)
        try:
            return until_signalled(call, (signal.SIGINT,))
        except Signalled as stop:  # as Python's own Ctrl-C reads, with what the call did after it
            raise KeyboardInterrupt from stop.failure
    return anyio.run(call)


class Signalled(KeyboardInterrupt):
    """A call stopped by a signal (see :func:`until_signalled`); ``failure``: how it ended, if it failed."""

    def __init__(self, name: str, failure: Exception | None) -> None:
        super().__init__(name)
        self.name = name
        self.failure = failure


def until_signalled(
    func: Callable[[], Awaitable[T]],
    signals: tuple[signal.Signals, ...],
    on_signal: Callable[[str], None] | None = None,
) -> T:
    """``func()`` on a new event loop, in the main thread; any of ``signals`` stops it through anyio.

    The signal cancels the call's scope, so its shielded steps (a statement being settled, its
    version row, a COMMIT) finish first; asyncio's own Ctrl-C handler would cancel the task
    outright, through any shield. Then :class:`Signalled` is raised, whatever the call did after
    the signal: a step waited for to its end may fail (a COMMIT the server refused), and that
    failure must not read as an ordinary one, after which a script or a command goes on to its
    next database. A second signal meanwhile is noted, not obeyed: the step under way still ends
    (SIGKILL is the way to leave it). ``on_signal`` hears each signal's name. The process's own
    handlers and wakeup fd, which the event loop resets on its way out, are put back. Off the main
    thread, which receives no signals, this is ``anyio.run(func)``.
    """
    import threading

    import anyio

    from sqlspec.migrations.settle import background_tasks

    if threading.current_thread() is not threading.main_thread():
        return anyio.run(func)  # only the main thread receives signals
    received: list[str] = []

    async def until_done_or_signalled() -> Any:
        async with background_tasks() as watchers:
            work = anyio.CancelScope()

            async def watch(*, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
                with anyio.open_signal_receiver(*signals) as arriving:
                    task_status.started()
                    # Every signal until the end, not only the first: a second one while a shielded
                    # step finishes must not meet the default handler (SIGTERM's ends the process).
                    async for signum in arriving:
                        name = signal.Signals(signum).name
                        received.append(name)
                        if on_signal is not None:
                            on_signal(name)
                        work.cancel()

            await watchers.start(watch)
            with work:
                return await func()
            return None

    handlers = {signum: signal.getsignal(signum) for signum in signals}
    wakeup = signal.set_wakeup_fd(-1)  # read it: the loop resets it too (a GUI toolkit's, say)
    signal.set_wakeup_fd(wakeup)
    try:
        result = anyio.run(until_done_or_signalled)
    except Exception as failure:
        if not received:
            raise
        raise Signalled(received[0], failure) from failure
    finally:
        for signum, handler in handlers.items():
            if handler is not None:
                signal.signal(signum, handler)
        signal.set_wakeup_fd(wakeup)
    if received:
        raise Signalled(received[0], None)
    return cast("T", result)


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
