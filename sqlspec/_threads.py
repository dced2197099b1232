"""Blocking calls in a worker thread, without anyio's asyncio backend where it was never loaded.

The stdlib sqlite3 driver runs each call in a thread through ``anyio.to_thread``, which works under
trio too. On asyncio that needs anyio's backend, about 15 ms to import: a fifth of a no-op
``sqlspec upgrade``, whose up-to-date check runs on a plain asyncio loop (see
:mod:`sqlspec.cli.fast_path`). There, and only there, asyncio's own executor runs the call, under
the same rule: a cancelled caller leaves the thread running only where it said it may.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlspec._cancel import on_plain_asyncio, to_the_end

__all__ = ("in_thread",)

T = TypeVar("T")


async def in_thread(func: Callable[[], T], *, abandon_on_cancel: bool = False) -> T:
    """``func()`` in a worker thread; its result or error comes back here.

    Cancelled meanwhile, the caller waits for ``func`` to end, then the cancellation goes on (or
    ``func``'s own error, if it failed: see :func:`~sqlspec._cancel.to_the_end`), unless
    ``abandon_on_cancel``: then a call already running runs on unawaited, and one not yet started
    may never start, as with ``anyio.to_thread``'s option of that name. Off the plain asyncio
    loop this is ``anyio.to_thread.run_sync``, with anyio's own rules for what cancels it.
    """
    if on_plain_asyncio():
        future = asyncio.get_running_loop().run_in_executor(None, func)
        if abandon_on_cancel:
            return await future

        async def finished() -> T:
            return await future

        return await to_the_end(finished)
    import anyio.to_thread

    return await anyio.to_thread.run_sync(func, abandon_on_cancel=abandon_on_cancel)
