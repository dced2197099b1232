"""PostgreSQL schema-per-tenant: one schema per tenant, each with its own version table and run lock.

A tenant's engine is the config's engine with two parts swapped: its version table lives inside the
tenant's schema (``<schema>.sqlspec_version``, so the advisory run lock, keyed by the qualified table
name, is per schema), and every connection it uses runs with ``search_path`` set to that schema
(reset before the connection goes back to a pool), so unqualified names in migrations land there.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio
import msgspec

from sqlspec.exceptions import ImproperConfigurationError
from sqlspec.migrations.config import MigrationConfig, check_schema_name

if TYPE_CHECKING:
    from sqlspec.config import DatabaseConfig
    from sqlspec.driver import AsyncDriver
    from sqlspec.migrations.engine import MigrationEngine
    from sqlspec.migrations.runner import MigrationRun, Reporter

__all__ = (
    "TenantConnections",
    "create_tenant",
    "resolve_tenant_schemas",
    "tenant_engine",
    "tenant_settings",
)


def _require_postgres(config: DatabaseConfig) -> None:
    if config.dialect.name != "postgres":
        raise ImproperConfigurationError(
            f"tenant schemas need PostgreSQL; {config!r} is {config.dialect.name} "
            "(use one config per database instead, a fleet)"
        )


def tenant_settings(settings: MigrationConfig, schema: str) -> MigrationConfig:
    """The migration config for one tenant: its version table inside the tenant's schema."""
    table = settings.version_table.rpartition(".")[2]
    return msgspec.structs.replace(settings, version_table=f"{check_schema_name(schema)}.{table}")


class TenantConnections:
    """The config's connections, each with ``search_path`` set to the tenant's schema while in use."""

    def __init__(self, config: DatabaseConfig, schema: str) -> None:
        self._config = config
        self._schema = schema
        self._set = f"SET search_path TO {config.dialect.quote(check_schema_name(schema))}"

    @asynccontextmanager
    async def provide_driver(self) -> AsyncIterator[AsyncDriver]:
        async with self._config.provide_driver() as driver:
            await driver.execute(self._set)
            try:
                yield driver
            except Exception as error:
                _hint_missing_schema(error, self._schema)
                raise
            finally:  # a pooled connection must not carry the tenant's path to its next user
                with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
                    await driver.execute("RESET search_path")

    def is_empty(self) -> bool:
        return False


def _hint_missing_schema(error: Exception, schema: str) -> None:
    """A tenant whose schema does not exist: the error says how to create it (its message amended)."""
    hint = f"create it with `sqlspec tenant create {schema}`"
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    missing = any(getattr(link, "sqlstate", None) == "3F000" for link in chain)  # invalid_schema_name
    if not (missing or f'schema "{schema}" does not exist' in str(error)) or hint in str(error):
        return
    if error.args and isinstance(error.args[0], str):
        error.args = (f"{error.args[0]}; {hint}", *error.args[1:])


def tenant_engine(
    config: DatabaseConfig, schema: str, *, reporter: Reporter | None = None
) -> MigrationEngine:
    """The engine for one tenant's schema of ``config``'s PostgreSQL database."""
    from sqlspec.migrations.engine import MigrationEngine

    _require_postgres(config)
    settings = tenant_settings(config.migration_config, schema)
    return MigrationEngine(TenantConnections(config, schema), settings, config.dialect, reporter=reporter)


async def create_tenant(
    config: DatabaseConfig,
    schema: str,
    revision: str = "head",
    *,
    engine: MigrationEngine | None = None,
) -> list[MigrationRun]:
    """Create a new tenant's schema (if missing) and migrate it; the migrations it ran.

    Everything that can fail without the schema fails first, so a usage error creates nothing:
    the database kind, the name (never ``public``), and the plan to ``revision``, which the engine
    makes as it would for the migration (it reads a missing schema as one with nothing applied).
    ``engine``: the tenant's engine when the caller made one (with its reporter).
    """
    _require_postgres(config)
    if schema.lower() in {"public", "information_schema"}:
        raise ImproperConfigurationError(
            f"{schema} is not a tenant schema: a config's own schemas are never targets; pick another name"
        )
    engine = engine or tenant_engine(config, schema)
    await engine.pending_migrations(revision)
    async with config.provide_driver() as driver:
        await driver.execute(f"CREATE SCHEMA IF NOT EXISTS {config.dialect.quote(check_schema_name(schema))}")
    return await engine.migrate_up(revision)


def _import(reference: str) -> Any:
    module_name, _, attribute = reference.partition(":")
    try:
        value: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            value = getattr(value, part)
    except (ImportError, AttributeError) as error:
        raise ImproperConfigurationError(
            f"migration_config: 'tenant_schemas' names {reference!r}, which cannot be imported: {error}"
        ) from error
    return value


async def resolve_tenant_schemas(config: DatabaseConfig) -> list[str] | None:
    """The tenant schemas ``config`` names, ``None`` when it names none (an ordinary database).

    A ``"pkg.module:attr"`` reference is imported; a function is called (with the config when it
    takes one argument) and awaited when it is async.
    """
    value: Any = config.migration_config.tenant_schemas
    if value is None:
        return None
    _require_postgres(config)
    reference = value if isinstance(value, str) else None
    if reference is not None:
        value = _import(reference)
        if callable(value):
            takes_config = len(inspect.signature(value).parameters) >= 1
            value = value(config) if takes_config else value()
            if inspect.isawaitable(value):
                value = await value
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ImproperConfigurationError(
            f"migration_config: 'tenant_schemas' ({reference}) gave {type(value).__name__}, "
            "not a list of schema names"
        )
    schemas = [check_schema_name(str(schema)) for schema in value]
    if len(set(schemas)) != len(schemas):
        raise ImproperConfigurationError("migration_config: 'tenant_schemas' names a schema twice")
    return schemas
