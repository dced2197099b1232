"""The ``sqlspec`` command line: ``sqlspec --config myapp.config <command>``.

:func:`main` answers a no-op ``upgrade`` without loading the command line (see
:mod:`~sqlspec.cli.fast_path`); ``app`` and ``make_app`` load on first use.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlspec.cli.app import app, make_app

__all__ = ("app", "main", "make_app")


def main() -> None:
    """The ``sqlspec`` console script."""
    from sqlspec.cli.fast_path import answer_if_up_to_date

    code = answer_if_up_to_date(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    import_module("sqlspec.cli.app").main()


def __getattr__(name: str) -> object:
    if name not in ("app", "make_app"):
        raise AttributeError(f"module 'sqlspec.cli' has no attribute {name!r}")
    value = getattr(import_module("sqlspec.cli.app"), name)
    globals()[name] = value
    return value
