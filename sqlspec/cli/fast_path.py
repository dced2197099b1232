"""``sqlspec upgrade`` with nothing to apply, answered before the command line loads.

A deploy script runs ``sqlspec --config myapp.config upgrade`` at every release, and nearly every
time there is nothing to do. Loading typer and every command costs more than the check itself,
so the plain form of that command (``--config`` and ``upgrade [head]``, nothing else) asks the
engine's own :meth:`~sqlspec.migrations.engine.MigrationEngine.up_to_date` first, on the one
config, and prints the command's up-to-date line. Anything else, and every case where the answer
is not "up to date", goes to the full command line, which does the work and reports it: nothing is
decided here that the command line would decide differently.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlspec.config import DatabaseConfig

__all__ = ("answer_if_up_to_date",)

UP_TO_DATE = "Nothing to apply: the database is up to date"
"""What ``upgrade`` prints when nothing is pending (the command line prints the same line)."""


def _config_option(argv: Sequence[str]) -> str | bool | None:
    """The ``--config`` of a plain ``[--config X] upgrade [head]``; ``None`` if not given; ``False``
    when ``argv`` is any other command line."""
    args = list(argv)
    reference: str | None = None
    if args and args[0].startswith("--config="):
        reference = args.pop(0).partition("=")[2]
    elif len(args) >= 2 and args[0] == "--config":
        reference = args[1]
        args = args[2:]
    if args not in (["upgrade"], ["upgrade", "head"]) or reference == "":
        return False
    return reference


def answer_if_up_to_date(argv: Sequence[str]) -> int | None:
    """The exit code when ``argv`` is a plain upgrade of a database that is up to date, after
    printing the command's line; ``None``: let the full command line run."""
    option = _config_option(argv)
    if option is False:
        return None
    from sqlspec.cli.loader import config_reference, load_configs, names_a_factory

    try:
        reference = config_reference(option if isinstance(option, str) else None)
        if names_a_factory(reference):
            return None  # called here, a factory would be called again by the command line
        configs = load_configs(reference)
    except Exception:  # the command line reports a config that does not load
        return None
    if len(configs) != 1 or configs[0].migration_config.tenant_schemas is not None:
        return None  # several targets: the command line's fleet runner
    from sqlspec.cli.signals import EXIT_SIGINT, EXIT_SIGTERM, Terminated

    try:
        if not _up_to_date(configs[0]):
            return None
    except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM, stopped as the command line stops them
        sys.stderr.write("Error: interrupted; nothing was changed\n")
        return EXIT_SIGTERM if isinstance(stop, Terminated) else EXIT_SIGINT
    except Exception:  # reported by the command line, which runs the check again
        return None
    sys.stdout.write(UP_TO_DATE + "\n")
    return 0


def _up_to_date(config: DatabaseConfig) -> bool:
    """The engine's check on a plain asyncio loop, which Ctrl-C and SIGTERM cancel.

    A signal stops the command, whatever the check did after it: failed (a connect waited for to
    its end, then failed) or even answered. Handing over to the full command line then would
    connect again, or apply what is pending, after the user asked to stop.

    Not through anyio's runner, as the command line's engine calls are: the check only reads,
    so it has no shielded step for anyio to protect from a signal, and its runner and signal
    receiver would load anyio's backend, about a fifth of this command's time.
    """
    import asyncio
    import signal

    from sqlspec.cli.signals import Terminated

    received: list[signal.Signals] = []

    async def check() -> bool:
        loop, task = asyncio.get_running_loop(), asyncio.current_task()
        assert task is not None

        def stop(signum: signal.Signals) -> None:
            received.append(signum)
            task.cancel()

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop, signum)
        return await config.migration_engine().up_to_date()

    try:
        answer = asyncio.run(check())
    except BaseException:
        if not received:
            raise
        answer = False
    if received:  # stopped, whatever the check did after the signal (see above)
        raise (Terminated if received[0] == signal.SIGTERM else KeyboardInterrupt)() from None
    return answer
