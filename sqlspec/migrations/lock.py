"""The run lock: one migrating process per database, waited for while its holder is alive.

Each dialect says how to take its lock on the connection that runs the migrations, who holds it and
whether that holder still shows signs of life; this module owns the one waiting policy:

- a waiter polls, and every ten seconds logs a notice naming the holder;
- it waits for as long as the holder is alive and working, however long the migration takes;
- ``lock_timeout`` bounds only a wait on a holder that shows no sign of life (a stopped process,
  a hung event loop); a holder that dies frees the lock at once, with its connection or process;
- while it holds the lock, the holder's event loop beats a heartbeat, so waiters can tell a
  migration computing between queries from a process that stopped.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec

from sqlspec.exceptions import LockTimeoutError

__all__ = ("HEARTBEAT_EVERY", "SILENT_AFTER", "Holder", "RunLock", "hold_run_lock", "keep_alive")

HEARTBEAT_EVERY = 1.0
"""Seconds between two heartbeats of a lock holder."""
SILENT_AFTER = 5.0
"""A holder with no heartbeat and no running statement for this long shows no sign of life."""
_POLL_START = 0.02
_POLL_MAX = 0.5
_NOTICE_AFTER = 1.0
_NOTICE_EVERY = 10.0
logger: logging.Logger = logging.getLogger("sqlspec")


class Holder(msgspec.Struct, frozen=True):
    """Who holds the run lock, as a waiter sees it."""

    description: str
    """For messages: the database's id for the holder's session and the holder's host and pid."""
    alive: bool
    """Whether it showed a sign of life within :data:`SILENT_AFTER` seconds."""


class RunLock(ABC):
    """A dialect's run lock, bound to the connection (or file) of one migration run."""

    @abstractmethod
    async def try_acquire(self) -> bool:
        """Take the lock if it is free; never waits."""

    @abstractmethod
    async def holder(self) -> Holder | None:
        """Who holds the lock now; ``None`` if it looks free (it may have been released meanwhile)."""

    @abstractmethod
    async def beat(self) -> None:
        """Show waiters that this holder is alive; must not disturb the run's own statements."""

    @abstractmethod
    async def release(self) -> None:
        """Let the lock go (also called after the run failed or was cancelled)."""


@asynccontextmanager
async def hold_run_lock(lock: RunLock, lock_timeout: float) -> AsyncIterator[None]:
    """Wait for the run lock as the module docstring says, and hold it for the block.

    Run :func:`keep_alive` beside the block. Raises :class:`LockTimeoutError`, naming the holder,
    once the holder has shown no sign of life for ``lock_timeout`` seconds.
    """
    import anyio  # here and below: every dialect imports this module, and a check takes no lock

    await _wait_for(lock, lock_timeout)
    try:
        yield
    finally:
        with anyio.CancelScope(shield=True), anyio.move_on_after(10):
            try:
                await lock.release()
            except Exception as error:  # the connection is gone, and the lock with it
                logger.debug("sqlspec: releasing the run lock failed: %s", error)


async def keep_alive(lock: RunLock) -> None:
    """Beat the holder's heartbeat until cancelled."""
    import anyio

    while True:
        await anyio.sleep(HEARTBEAT_EVERY)
        try:
            await lock.beat()
        except Exception as error:  # a lost connection is the run's own error to report
            logger.debug("sqlspec: heartbeat failed: %s", error)


async def _wait_for(lock: RunLock, lock_timeout: float) -> None:
    import anyio

    delay = _POLL_START
    started = anyio.current_time()
    silent_since: float | None = None
    next_notice = started + _NOTICE_AFTER
    while not await lock.try_acquire():
        now = anyio.current_time()
        if now >= started + _NOTICE_AFTER:  # a short wait needs no look at the holder
            holder = await lock.holder()
            if holder is not None and not holder.alive:
                if silent_since is None:  # say so when it falls silent, not only every ten seconds
                    silent_since, next_notice = now, now
                if now - silent_since >= lock_timeout:
                    raise LockTimeoutError(lock_timeout, holder.description)
            else:
                silent_since = None
            if now >= next_notice:
                _notice(holder, now - started, lock_timeout)
                next_notice = now + _NOTICE_EVERY
        await anyio.sleep(delay)
        delay = min(delay * 2, _POLL_MAX)


def _notice(holder: Holder | None, waited: float, lock_timeout: float) -> None:
    if holder is None:
        return
    if holder.alive:
        logger.warning(
            "waiting for the migration lock, held by %s, which is alive (%.0f s so far)",
            holder.description,
            waited,
        )
    else:
        logger.warning(
            "waiting for the migration lock, held by %s, which shows no sign of life "
            "(%.0f s so far; giving up after %g s of silence)",
            holder.description,
            waited,
            lock_timeout,
        )
