"""``sqlspec tenant``: PostgreSQL schema-per-tenant, beside the commands that run on every tenant.

``upgrade``, ``history``, ``check`` and the rest already run on each tenant schema a config names in
``tenant_schemas`` (each a target of the fleet, labelled by its schema); these commands are for one
tenant's life: ``create`` makes its schema and migrates it in one step, ``list`` shows the schemas.
"""

from typing import TYPE_CHECKING, Annotated

import typer

from sqlspec.cli import output
from sqlspec.cli.execution import DebugOption, Document, JsonOption, each_config, run_engine_call

if TYPE_CHECKING:
    from sqlspec.config import DatabaseConfig

__all__ = ("tenant_app",)

tenant_app: typer.Typer = typer.Typer(
    help="PostgreSQL schema-per-tenant: create a tenant, list them.",
    rich_markup_mode=None,
    no_args_is_help=True,
)


@tenant_app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The new tenant's schema name (a plain identifier).")],
    revision: Annotated[str, typer.Argument(help="Migrate it up to: head, +N or a revision.")] = "head",
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Create a tenant's schema (if missing) and migrate it, in one step.

    Add NAME to tenant_schemas (or to what its function reads) so that later commands include it.
    """
    from sqlspec.cli.migrate_commands import _RunLog

    def action(config: "DatabaseConfig", document: Document) -> None:
        from functools import partial

        from sqlspec.migrations.tenants import create_tenant

        document.update(schema=name, target=revision, migrations=[])
        engine = config.migration_engine(reporter=_RunLog(document), schema=name)
        runs = run_engine_call(partial(create_tenant, engine=engine), config, name, revision, engine=engine)
        applied = len(runs)
        output.echo(
            f"Tenant {name} is ready: schema created or found, {applied} migration(s) applied", "bold green"
        )

    each_config(ctx, "tenant create", action, as_json=as_json, debug=debug)


@tenant_app.command("list")
def list_tenants(ctx: typer.Context, as_json: JsonOption = False, debug: DebugOption = False) -> None:
    """List the tenant schemas each config names."""

    def action(config: "DatabaseConfig", document: Document) -> None:
        from sqlspec._sync import run_blocking
        from sqlspec.migrations.tenants import resolve_tenant_schemas

        schemas = run_blocking(resolve_tenant_schemas, config) or []
        document["schemas"] = schemas
        for schema in schemas:
            output.echo(schema)

    each_config(ctx, "tenant list", action, as_json=as_json, debug=debug)
