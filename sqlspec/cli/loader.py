"""Find the user's configs from ``--config``, ``$SQLSPEC_CONFIG`` or ``[tool.sqlspec]`` in pyproject.toml.

A reference is ``pkg.module.attr`` or ``pkg.module:attr``; the attribute is a config, a list of
configs, or a zero-argument callable returning either. A module named without an attribute is used
when it holds exactly one config, and otherwise answered with the configs it holds.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TypeGuard

from sqlspec.exceptions import ImproperConfigurationError

if TYPE_CHECKING:
    from sqlspec.config import DatabaseConfig

__all__ = ("ConfigNotFoundError", "config_reference", "load_configs", "select_configs")

ENV_VAR = "SQLSPEC_CONFIG"


class ConfigNotFoundError(ImproperConfigurationError):
    """The config reference names nothing usable."""


def _pyproject_reference(start: Path) -> tuple[str, Path] | None:
    """``[tool.sqlspec] config`` from the nearest pyproject.toml, and the folder that holds it."""
    import tomllib  # only when no --config is given: the usual command line never parses TOML

    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as error:
                raise ImproperConfigurationError(f"{candidate}: cannot read it: {error}") from error
            section = data.get("tool", {}).get("sqlspec", {})
            unknown = sorted(set(section) - {"config"})
            if unknown:
                raise ImproperConfigurationError(
                    f"{candidate}: unknown key {unknown[0]!r} in [tool.sqlspec]; the only key is 'config'"
                )
            value = section.get("config")
            if value is not None and not isinstance(value, str):
                raise ImproperConfigurationError(f"{candidate}: [tool.sqlspec] config must be a string")
            return None if value is None else (value, folder)
    return None


def config_reference(option: str | None) -> str:
    """The reference to load: ``--config`` wins over the environment, which wins over pyproject.toml."""
    reference = option or os.environ.get(ENV_VAR)
    if reference:
        return reference
    found = _pyproject_reference(Path.cwd())
    if found is None:
        raise ConfigNotFoundError(
            f"no config given: pass --config myapp.config, set {ENV_VAR}, "
            'or add [tool.sqlspec] config = "myapp.config" to pyproject.toml'
        )
    reference, root = found
    # Run from the project's root, as from its pyproject.toml: the config imports, and relative
    # paths (script_location, a SQLite file) mean the same, from any subfolder.
    os.chdir(root)
    return reference


def _import(name: str) -> ModuleType | None:
    """The module ``name``, or ``None`` when no such module exists (its own import errors propagate)."""
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except (ImportError, ValueError):  # a parent package is missing, or the name is not a module path
        return None
    try:
        return importlib.import_module(name)
    except Exception as error:
        raise ConfigNotFoundError(f"importing {name} failed: {type(error).__name__}: {error}") from error


def _is_config(value: object) -> TypeGuard[DatabaseConfig]:
    from sqlspec.config import DatabaseConfig

    return isinstance(value, DatabaseConfig)


def _configs_in(module: ModuleType) -> list[str]:
    return sorted(
        name for name, value in vars(module).items() if not name.startswith("_") and _is_config(value)
    )


def _resolve(reference: str) -> object:
    if "/" in reference or "\\" in reference or reference.endswith(".py"):
        raise ConfigNotFoundError(
            f"config reference {reference!r} is a file path; name the module instead, e.g. myapp.config"
        )
    module_name, colon, attribute = reference.partition(":")
    if not colon:
        module_name, _, attribute = reference.rpartition(".")
        if not module_name:
            module_name, attribute = reference, ""
    if not module_name:
        raise ConfigNotFoundError(f"config reference {reference!r} names no module; use pkg.module.attr")
    module = _import(module_name)
    if module is not None and attribute and hasattr(module, attribute):
        value = getattr(module, attribute)
        if not isinstance(value, ModuleType):
            return value
    whole = _import(reference.replace(":", ".")) if not colon else None
    if whole is None and module is None:
        raise ConfigNotFoundError(
            f"cannot find module {module_name!r} for config {reference!r} (from {Path.cwd()})"
        )
    if whole is None:
        found = _configs_in(module) if module is not None else []
        hint = f"; it has: {', '.join(f'{module_name}.{n}' for n in found)}" if found else ""
        raise ConfigNotFoundError(f"module {module_name} has no attribute {attribute!r}{hint}")
    found = _configs_in(whole)
    if len(found) == 1:
        return getattr(whole, found[0])
    if not found:
        raise ConfigNotFoundError(f"module {whole.__name__} holds no sqlspec config; name one as module.attr")
    names = ", ".join(f"{whole.__name__}.{name}" for name in found)
    raise ConfigNotFoundError(f"module {whole.__name__} holds several configs; name one: {names}")


def _is_factory(value: object) -> TypeGuard[Callable[[], object]]:
    return callable(value) and not _is_config(value) and not isinstance(value, type)


def _importable_here() -> None:
    """Make the current directory importable, as ``python -m`` would (a console script's is not)."""
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))


def names_a_factory(reference: str) -> bool:
    """Whether ``reference`` is a function that returns the configs (rather than the configs)."""
    _importable_here()
    return _is_factory(_resolve(reference))


def load_configs(reference: str) -> list[DatabaseConfig]:
    """Import ``reference`` (the current directory is importable) and return its configs."""
    _importable_here()
    value = _resolve(reference)
    if _is_factory(value):
        try:
            value = value()
        except Exception as error:
            raise ConfigNotFoundError(
                f"calling {reference}() failed: {type(error).__name__}: {error}"
            ) from error
    items: list[object] = list(value) if isinstance(value, list | tuple) else [value]
    configs = [item for item in items if _is_config(item)]
    bad = [type(item).__name__ for item in items if not _is_config(item)]
    if bad or not configs:
        what = bad[0] if bad else "an empty list"
        raise ConfigNotFoundError(
            f"{reference} is {what}, not a sqlspec config (e.g. AsyncpgConfig), "
            "a list of them, or a function returning one"
        )
    return configs


def select_configs(configs: Sequence[DatabaseConfig], bind_key: str | None) -> list[DatabaseConfig]:
    """The configs a command runs on: the one with ``bind_key``, or all of them in order."""
    keys = [config.bind_key for config in configs]
    if len(configs) > 1:
        duplicates = {key for key in keys if keys.count(key) > 1}
        if duplicates:
            shared = sorted(map(str, duplicates))[0]
            raise ImproperConfigurationError(
                "several configs have no bind_key; give each one a distinct bind_key"
                if None in duplicates
                else f"several configs share bind_key {shared!r}; give each a distinct bind_key"
            )
    if bind_key is None:
        return list(configs)
    chosen = [config for config in configs if config.bind_key == bind_key]
    if not chosen:
        known = ", ".join(str(key) for key in keys)
        raise ConfigNotFoundError(f"no config has bind_key {bind_key!r}; known: {known}")
    return chosen
