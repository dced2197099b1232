"""Everything the CLI prints: rich on a terminal, plain text when piped or with ``NO_COLOR``.

With ``--json`` (see :func:`json_mode`) stdout holds the one JSON document and nothing else: the
human lines are dropped, progress lines and warnings go to stderr, and warnings are also kept for
the document.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from rich.console import Console

__all__ = (
    "Captured",
    "captured",
    "echo",
    "error",
    "in_json_mode",
    "json_mode",
    "print_json",
    "progress",
    "replay",
    "show_notices",
    "table",
    "warn",
)


@cache
def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _plain(*, stderr: bool = False) -> bool:
    """Plain text unless writing to a terminal; decided without importing rich (a third of a no-op run)."""
    if "NO_COLOR" in os.environ:
        return True
    if os.environ.get("FORCE_COLOR"):
        return False
    stream = sys.stderr if stderr else sys.stdout
    try:
        return not stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return True


def _write(text: str) -> None:
    """Write to stdout; once its reader is gone (``| head``), drop the rest instead of failing.

    A closed pipe must never stop a migration run half-way: the output is only a report of it.
    """
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # no real file descriptor (e.g. captured in a test)
            pass


class _JsonMode:
    """While on, human output stays off stdout; ``warnings`` collects what :func:`warn` said."""

    on = False
    warnings: list[str] = []  # noqa: RUF012 -- one process, one command: module-wide on purpose


@contextmanager
def json_mode(*, enabled: bool) -> Iterator[list[str]]:
    """Keep stdout for one JSON document; yields the warnings said meanwhile (to put in it)."""
    previous = _JsonMode.on, _JsonMode.warnings
    _JsonMode.on, _JsonMode.warnings = enabled, []
    try:
        yield _JsonMode.warnings
    finally:
        _JsonMode.on, _JsonMode.warnings = previous


class Captured:
    """What one target of a fleet printed while it ran, to print as one block once it ends."""

    def __init__(self) -> None:
        self.calls: list[tuple[Callable[..., None], tuple[Any, ...]]] = []
        self.warnings: list[str] = []


_capture: ContextVar[Captured | None] = ContextVar("sqlspec_capture", default=None)


def _captured(function: Callable[..., None], *args: Any) -> bool:
    sink = _capture.get()
    if sink is None:
        return False
    sink.calls.append((function, args))
    return True


@contextmanager
def captured() -> Iterator[Captured]:
    """Keep what this task prints (its context only), so concurrent targets never interleave lines."""
    sink = Captured()
    token = _capture.set(sink)
    try:
        yield sink
    finally:
        _capture.reset(token)


def replay(sink: Captured) -> None:
    """Print what :func:`captured` kept, in order."""
    token = _capture.set(None)
    try:
        for function, args in sink.calls:
            function(*args)
    finally:
        _capture.reset(token)


def in_json_mode() -> bool:
    """Whether the command runs with ``--json``."""
    return _JsonMode.on


def echo(text: str, style: str | None = None) -> None:
    """One line to stdout (none with ``--json``); ``style`` (e.g. ``green``) only on a colour terminal."""
    if _JsonMode.on or _captured(echo, text, style):
        return
    if _plain():
        _write(text + "\n")
    else:
        _console().print(text, style=style, markup=False)


def progress(text: str, style: str | None = None) -> None:
    """A line about work under way: stdout, or stderr with ``--json``."""
    if _captured(progress, text, style):
        return
    if not _JsonMode.on:
        echo(text, style)
    elif _plain(stderr=True):
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    else:
        _console(stderr=True).print(text, style=style, markup=False)


def warn(message: str) -> None:
    """A ``Warning: ...`` line on stderr, kept for the JSON document too."""
    sink = _capture.get()
    if sink is not None:
        sink.warnings.append(message)
        sink.calls.append((warn, (message,)))
        return
    _JsonMode.warnings.append(message)
    text = f"Warning: {message}"
    if _plain(stderr=True):
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    else:
        _console(stderr=True).print(text, style="yellow", markup=False)


def error(message: str) -> None:
    """A one-line error to stderr."""
    if _captured(error, message):
        return
    if _plain(stderr=True):
        sys.stderr.write(f"Error: {message}\n")
    else:
        _console(stderr=True).print(f"Error: {message}", style="bold red", markup=False)


class _NoticeHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.WARNING:
            warn(record.getMessage())
            return
        text = f"{record.levelname.capitalize()}: {record.getMessage()}"
        if _plain(stderr=True):
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
        else:
            _console(stderr=True).print(text, style="yellow", markup=False)


def show_notices() -> None:
    """Print the engine's warnings (e.g. who holds the lock it waits for) to stderr, once each."""
    logger = logging.getLogger("sqlspec")
    if not any(isinstance(handler, _NoticeHandler) for handler in logger.handlers):
        logger.addHandler(_NoticeHandler(logging.WARNING))
        logger.propagate = False


def table(columns: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None) -> None:
    """Rows under a header: a rich table on a terminal, aligned plain columns otherwise."""
    if _JsonMode.on or _captured(table, columns, rows, title):
        return
    if _plain():
        widths = [max(len(str(cell)) for cell in column) for column in zip(columns, *rows, strict=True)]
        lines = [title] if title else []
        lines.extend(
            "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in (columns, *rows)
        )
        _write("".join(line + "\n" for line in lines))
        return
    from rich.table import Table

    rich_table = Table(*columns, title=title)
    for row in rows:
        rich_table.add_row(*(str(cell) for cell in row))
    _console().print(rich_table)


def print_json(value: object) -> None:
    """One JSON document on one line, for scripts."""
    _write(msgspec.json.encode(value, enc_hook=str).decode() + "\n")
