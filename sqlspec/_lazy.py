"""Names a module exports but imports on first use, so that importing it stays cheap.

``sqlspec`` itself, ``sqlspec.migrations``, the engine module and the command line each export
names whose modules most imports never need (the engine for a config, typer for the no-op
``upgrade``); this is their one module ``__getattr__``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from importlib import import_module

__all__ = ("lazy_names",)


def lazy_names(module: str, homes: Mapping[str, Iterable[str]]) -> Callable[[str], object]:
    """The ``__getattr__`` of ``module``: ``homes`` maps a module to the names it defines.

    A name is imported from its home when first asked for and then kept in ``module``'s globals,
    so only the first use pays.
    """
    home_of = {name: home for home, names in homes.items() for name in names}
    namespace = sys.modules[module].__dict__

    def attribute(name: str) -> object:
        home = home_of.get(name)
        if home is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(import_module(home), name)
        namespace[name] = value
        return value

    return attribute
