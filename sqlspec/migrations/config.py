"""The ``migration_config`` a database config carries, validated once when the config is built."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from sqlspec.exceptions import ImproperConfigurationError

__all__ = ("MigrationConfig", "check_schema_name", "to_migration_config")

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class MigrationConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where migrations live and where their state is kept."""

    script_location: str = "migrations"
    """Folder of the migration files, relative to the current directory."""
    version_table: str = "sqlspec_version"
    """Table recording applied migrations: ``name`` or ``schema.name``, plain identifiers only."""
    include_extensions: tuple[str, ...] = ()
    """Installed extensions whose shipped migrations run before the app's own."""
    template_directory: str | None = None
    """Folder holding ``migration.sql`` / ``migration.py`` that replace the built-in templates."""
    lock_timeout: float = 60.0
    """Seconds to wait for another process's migration run before giving up."""
    schema_file: str | None = None
    """Where ``dump-schema`` writes the schema snapshot and ``check --schema`` reads it; by default
    ``schema.sql`` beside the ``script_location`` folder."""
    tenant_schemas: tuple[str, ...] | str | None = None
    """PostgreSQL schema-per-tenant: the schemas to migrate, each with its own version table inside it,
    or ``"pkg.module:attr"`` naming a list or a function (sync or async, taking no argument or the
    config) that returns one, for lists that live in the database."""

    @property
    def schema_path(self) -> Path:
        """The schema snapshot's file, as :attr:`schema_file` says or its default."""
        if self.schema_file is not None:
            return Path(self.schema_file)
        return Path(self.script_location).parent / "schema.sql"


_FIELDS = MigrationConfig.__struct_fields__


def _explain(error: msgspec.ValidationError) -> str:
    text = str(error)
    unknown = re.search(r"unknown field `([^`]*)`", text)
    if unknown:
        return f"unknown key {unknown.group(1)!r}"
    where = re.search(r" - at `\$\.?([^`]*)`", text)
    problem = text.split(" - at ")[0]
    if where and where.group(1):
        key = where.group(1).split("[")[0].split(".")[0]
        return f"{key!r}: {problem[0].lower()}{problem[1:]}"
    return problem


def to_migration_config(value: MigrationConfig | Mapping[str, Any] | None) -> MigrationConfig:
    """Turn the user's ``migration_config`` into a :class:`MigrationConfig`.

    Raises :class:`ImproperConfigurationError` naming the key at fault and the valid keys.
    """
    if value is None:
        config = MigrationConfig()
    elif isinstance(value, MigrationConfig):
        config = value
    elif isinstance(value, Mapping):
        try:
            config = msgspec.convert(dict(value), MigrationConfig, strict=True)
        except msgspec.ValidationError as error:
            raise ImproperConfigurationError(
                f"migration_config: {_explain(error)}; valid keys: {', '.join(_FIELDS)}"
            ) from error
    else:
        raise ImproperConfigurationError(
            f"migration_config must be a dict or MigrationConfig, not {type(value).__name__}"
        )
    parts = config.version_table.split(".")
    if len(parts) > 2 or not all(_IDENTIFIER.match(part) for part in parts):
        raise ImproperConfigurationError(
            f"migration_config: 'version_table' must be a plain identifier such as sqlspec_version "
            f"(letters, digits, _; optionally schema.table), got {config.version_table!r}"
        )
    _check_tenant_schemas(config.tenant_schemas)
    if config.lock_timeout <= 0:
        raise ImproperConfigurationError(
            "migration_config: 'lock_timeout' must be a positive number of seconds"
        )
    return config


def _check_tenant_schemas(value: tuple[str, ...] | str | None) -> None:
    if isinstance(value, str):
        if ":" not in value:
            raise ImproperConfigurationError(
                f"migration_config: 'tenant_schemas' is a list of schema names or a 'pkg.module:attr' "
                f"reference to one, got {value!r} (a single schema is a list of one)"
            )
        return
    for schema in value or ():
        check_schema_name(schema)


def check_schema_name(schema: str) -> str:
    """A tenant's schema name, which becomes part of identifiers: a plain identifier only."""
    if not _IDENTIFIER.match(schema) or schema.lower().startswith("pg_"):
        raise ImproperConfigurationError(
            f"tenant schema {schema!r} is not a plain identifier (letters, digits, _; not pg_*)"
        )
    return schema
