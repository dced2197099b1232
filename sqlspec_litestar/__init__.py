"""sqlspec for Litestar: ``Litestar(plugins=[SQLSpecPlugin(config)])``.

The names load on first use, so finding this package's extension migrations (``include_extensions``)
does not import Litestar into every ``sqlspec`` command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlspec_litestar.plugin import SQLSpecPlugin, StartupError
    from sqlspec_litestar.store import SQLSpecSessionStore

__all__ = ("SQLSpecPlugin", "SQLSpecSessionStore", "StartupError")


def __getattr__(name: str) -> Any:
    if name == "SQLSpecPlugin":
        from sqlspec_litestar.plugin import SQLSpecPlugin

        return SQLSpecPlugin
    if name == "StartupError":
        from sqlspec_litestar.plugin import StartupError

        return StartupError
    if name == "SQLSpecSessionStore":
        from sqlspec_litestar.store import SQLSpecSessionStore

        return SQLSpecSessionStore
    raise AttributeError(f"module 'sqlspec_litestar' has no attribute {name!r}")
