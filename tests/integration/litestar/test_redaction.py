"""The plugin's start-up failures are logged and raised without the DSN's password."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from sqlspec import DatabaseConnectionError, MigrationExecutionError
from sqlspec.adapters.asyncpg import AsyncpgConfig
from sqlspec_litestar import StartupError
from tests.integration.conftest import SECRET
from tests.migration_files import sql_migration


def _start(
    dsn: str, migrations_dir: Path, caplog: pytest.LogCaptureFixture
) -> pytest.ExceptionInfo[BaseExceptionGroup[BaseException]]:
    """Start an app on ``dsn`` that must fail; every log line (tracebacks too) must be free of SECRET."""
    from sqlspec_litestar import SQLSpecPlugin

    config = AsyncpgConfig(
        connection_config={"dsn": dsn, "timeout": 5},
        migration_config={"script_location": str(migrations_dir)},
    )
    # logging_config=None: Litestar's own logging setup would replace pytest's capture handler
    app = Litestar(plugins=[SQLSpecPlugin(config)], logging_config=None)
    with caplog.at_level(logging.DEBUG), pytest.raises(BaseExceptionGroup) as caught, TestClient(app):
        pass
    formatter = logging.Formatter()
    logged = "\n".join(formatter.format(record) for record in caplog.records)
    assert SECRET not in logged
    assert SECRET not in "".join(traceback.format_exception(caught.value))
    return caught


def test_a_start_up_that_cannot_connect_never_shows_the_password(
    failing_dsn: str, migrations_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sql_migration(migrations_dir, "0001", "a", "CREATE TABLE a (id INTEGER);")
    caught = _start(failing_dsn, migrations_dir, caplog)
    assert caught.group_contains(StartupError, match=r"password=\*\*\*")
    assert isinstance(caught.value.exceptions[0].__cause__, DatabaseConnectionError)


@pytest.mark.postgres
def test_the_plugins_failure_line_never_shows_the_password(
    postgres_dsn: str, migrations_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sql_migration(migrations_dir, "0001", "bad", "SELECT * FROM no_such_table;")
    dsn = f"{postgres_dsn}?sslpassword={SECRET}"  # the server ignores it: the pool opens
    caught = _start(dsn, migrations_dir, caplog)
    assert caught.group_contains(StartupError)
    assert isinstance(caught.value.exceptions[0].__cause__, MigrationExecutionError)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "sqlspec" and r.levelno == logging.ERROR]
    assert line.startswith("sqlspec: cannot start: postgres (dsn=postgresql://postgres@")
    assert "sslpassword=***" in line
