"""The API's errors name the server a config points at, never the password its DSN holds."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest

from sqlspec import DatabaseConnectionError, ImproperConfigurationError
from sqlspec.adapters.asyncpg import AsyncpgConfig
from sqlspec.migrations.check import check_migrations
from tests.integration.conftest import SECRET
from tests.migration_files import sql_migration


def _config(dsn: str, migrations_dir: Path) -> AsyncpgConfig:
    sql_migration(migrations_dir, "0001", "a", "CREATE TABLE a (id INTEGER);")
    return AsyncpgConfig(
        connection_config={"dsn": dsn, "timeout": 5},
        migration_config={"script_location": str(migrations_dir)},
    )


async def test_a_failed_connection_hides_the_password_even_in_the_traceback(
    failing_dsn: str, migrations_dir: Path
) -> None:
    config = _config(failing_dsn, migrations_dir)
    with pytest.raises(DatabaseConnectionError) as raised:
        await config.migrate_up()
    message = str(raised.value)
    assert message.startswith("cannot connect to PostgreSQL at ")
    assert "?password=***&passfile=***&sslpassword=***&sslmode=disable: " in message
    assert SECRET not in "".join(traceback.format_exception(raised.value))  # the driver's error too
    problems = await check_migrations(config.migration_engine())
    assert [p.code for p in problems if p.severity == "error"] == ["database"]
    assert SECRET not in repr(problems)


async def test_a_driver_error_quoting_a_password_is_redacted(migrations_dir: Path) -> None:
    """asyncpg quotes a query field it cannot read: with ":" for "=", the field is the password."""
    config = _config(f"postgresql://postgres@127.0.0.1:1/x?password:{SECRET}", migrations_dir)
    with pytest.raises(ImproperConfigurationError) as raised:
        await config.migrate_up()
    assert str(raised.value) == "connection_config: bad query field: '***'"
