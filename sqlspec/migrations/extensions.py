"""Migrations shipped by installed packages, opted into with ``include_extensions``.

A package declares an entry point in the ``sqlspec.extensions`` group whose value is the package
holding its migration files, e.g. ``litestar = "sqlspec_litestar.migrations"``. Each extension's
migrations form their own chain, recorded as ``ext_<name>_<revision>`` in the same version table,
and run before the app's own.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import msgspec

from sqlspec.exceptions import ImproperConfigurationError
from sqlspec.migrations.folder import MigrationFile, discover

__all__ = ("ENTRY_POINT_GROUP", "available_extensions", "extension_files")

ENTRY_POINT_GROUP = "sqlspec.extensions"


@cache
def available_extensions() -> dict[str, str]:
    """Installed extensions: name → the package that holds their migrations."""
    from importlib.metadata import entry_points  # 10 ms of imports that an app without extensions skips

    return {point.name: point.value for point in entry_points(group=ENTRY_POINT_GROUP)}


def _folder(name: str) -> Path:
    known = available_extensions()
    if name not in known:
        listed = ", ".join(sorted(known)) or "none installed"
        raise ImproperConfigurationError(
            f"migration_config: unknown extension {name!r} in include_extensions; available: {listed}"
        )
    spec = importlib.util.find_spec(known[name])
    if spec is None or not spec.submodule_search_locations:
        raise ImproperConfigurationError(
            f"extension {name!r} points at {known[name]!r}, which is not a package"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def extension_files(names: tuple[str, ...]) -> list[MigrationFile]:
    """The migrations of the named extensions, each chain in order, in the order named."""
    files: list[MigrationFile] = []
    for name in names:
        namespace = f"ext_{name}_"
        files.extend(
            msgspec.structs.replace(found, revision=namespace + found.revision, namespace=namespace)
            for found in discover(_folder(name))
        )
    return files
