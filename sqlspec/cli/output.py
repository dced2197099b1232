"""Everything the CLI prints: rich on a terminal, plain text when piped or with ``NO_COLOR``."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ("captured_json", "echo", "error", "print_json", "show_notices", "table")


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


def echo(text: str, style: str | None = None) -> None:
    """One line to stdout; ``style`` (e.g. ``green``) only on a colour terminal."""
    if _plain():
        _write(text + "\n")
    else:
        _console().print(text, style=style, markup=False)


def error(message: str) -> None:
    """A one-line error to stderr."""
    if _plain(stderr=True):
        sys.stderr.write(f"Error: {message}\n")
    else:
        _console(stderr=True).print(f"Error: {message}", style="bold red", markup=False)


class _NoticeHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
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


_captured: list[object] | None = None


@contextmanager
def captured_json(*, enabled: bool) -> Iterator[list[object]]:
    """While enabled, :func:`print_json` collects into the list instead of printing (several configs)."""
    global _captured
    previous, _captured = _captured, ([] if enabled else None)
    try:
        yield _captured if _captured is not None else []
    finally:
        _captured = previous


def print_json(value: object) -> None:
    """One JSON document on one line, for scripts."""
    if _captured is not None:
        _captured.append(value)
        return
    _write(msgspec.json.encode(value, enc_hook=str).decode() + "\n")
