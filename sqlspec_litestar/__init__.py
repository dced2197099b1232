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
    if name in __all__:
        try:
            import litestar  # noqa: F401 -- only to name the extra when it is missing
        except ImportError as error:
            from sqlspec.exceptions import MissingDependencyError

            raise MissingDependencyError("litestar", extra="litestar") from error
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
