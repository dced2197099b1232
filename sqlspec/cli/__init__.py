"""The ``sqlspec`` command line: ``sqlspec --config myapp.config <command>``.

:func:`main` answers a no-op ``upgrade`` without loading the command line (see
:mod:`~sqlspec.cli.fast_path`); ``app`` and ``make_app`` load on first use.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import TYPE_CHECKING

from sqlspec._lazy import lazy_names

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlspec.cli.app import app, make_app

__all__ = ("app", "main", "make_app")


def main() -> None:
    """The ``sqlspec`` console script."""
    from sqlspec.cli.fast_path import answer_if_up_to_date

    code = answer_if_up_to_date(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    import_module("sqlspec.cli.app").main()


__getattr__: Callable[[str], object] = lazy_names(__name__, {"sqlspec.cli.app": ("app", "make_app")})
