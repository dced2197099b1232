"""The config contract of the guide: keys, defaults, and one clear error per mistake."""

from __future__ import annotations

from typing import Any

import pytest

from sqlspec import ImproperConfigurationError, MigrationConfig
from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec.adapters.asyncpg import AsyncpgConfig
from sqlspec.adapters.sqlite import SqliteConfig


def test_the_guides_configuration_is_accepted() -> None:
    config = AsyncpgConfig(
        connection_config={"dsn": "postgresql://localhost/app"},
        migration_config={
            "script_location": "migrations",
            "version_table": "sqlspec_version",
            "include_extensions": ["litestar"],
            "template_directory": "templates/migrations",
        },
    )
    assert config.migration_config == MigrationConfig(
        include_extensions=("litestar",), template_directory="templates/migrations"
    )


def test_defaults() -> None:
    settings = SqliteConfig(connection_config={"database": "app.db"}).migration_config
    assert settings.script_location == "migrations"
    assert settings.version_table == "sqlspec_version"
    assert settings.include_extensions == ()
    assert settings.template_directory is None


@pytest.mark.parametrize(
    ("migration_config", "words"),
    [
        ({"scrip_location": "m"}, "unknown key 'scrip_location'; valid keys: script_location, version_table"),
        ({"version_table": 5}, "'version_table': expected `str`, got `int`"),
        ({"include_extensions": "litestar"}, "'include_extensions': expected `array`, got `str`"),
        ({"lock_timeout": -1}, "'lock_timeout' must be a positive"),
        ({"version_table": "v; DROP TABLE users"}, "plain identifier"),
        ({"version_table": 'a"b'}, "plain identifier"),
        ({"version_table": "a.b.c"}, "plain identifier"),
        ({"version_table": ""}, "plain identifier"),
        ("migrations", "must be a dict"),
    ],
)
def test_bad_migration_config_names_the_key(migration_config: Any, words: str) -> None:
    with pytest.raises(ImproperConfigurationError) as caught:
        AiosqliteConfig(connection_config={"database": "x.db"}, migration_config=migration_config)
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_schema_qualified_version_table_is_allowed() -> None:
    config = AsyncpgConfig(migration_config={"version_table": "ops.schema_versions"})
    assert config.migration_config.version_table == "ops.schema_versions"


def test_connection_config_must_be_a_mapping() -> None:
    with pytest.raises(ImproperConfigurationError, match="connection_config must be a dict"):
        SqliteConfig(connection_config="app.db")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "connection_config",
    [{"database": ":memory:"}, {"database": "file:scratch?mode=memory&cache=shared", "uri": True}],
)
@pytest.mark.parametrize("adapter", [AiosqliteConfig, SqliteConfig])
async def test_an_in_memory_sqlite_database_is_refused_before_anything_runs(
    adapter: type[AiosqliteConfig | SqliteConfig], connection_config: dict[str, object]
) -> None:
    # Each connection would get a new empty database: migrations reported applied would vanish.
    config = adapter(connection_config=connection_config)
    with pytest.raises(ImproperConfigurationError, match="in-memory SQLite database"):
        async with config.provide_driver():
            pass
