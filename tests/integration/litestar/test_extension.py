"""include_extensions=["litestar"]: the shipped session table, its store, and Litestar sessions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from litestar import Litestar, Request, get, post
from litestar.middleware.session.server_side import ServerSideSessionConfig
from litestar.testing import TestClient

from sqlspec import AsyncDatabaseConfig, ImproperConfigurationError
from sqlspec_litestar import SQLSpecPlugin, SQLSpecSessionStore
from tests.conftest import ConfigFactory
from tests.integration.test_engine import tables
from tests.migration_files import sql_migration


async def test_extension_migrations_run_first_and_are_reverted_last(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    sql_migration(
        migrations_dir, "0001", "app", "CREATE TABLE app_things (id INTEGER);", "DROP TABLE app_things;"
    )
    config = make_config(include_extensions=["litestar"])
    runs = await config.migrate_up()
    assert [r.revision for r in runs] == ["ext_litestar_0001", "0001"]
    assert {"litestar_session", "app_things"} <= await tables(config)
    history = await config.migration_history()
    assert [(e.revision, e.status) for e in history] == [
        ("ext_litestar_0001", "applied"),
        ("0001", "applied"),
    ]
    assert await config.current_revision() == "0001"
    reverted = await config.migrate_down("base")
    assert [r.revision for r in reverted] == ["0001", "ext_litestar_0001"]
    assert await tables(config) == {"sqlspec_version"}


async def test_unknown_extension_lists_the_available_ones(make_config: ConfigFactory) -> None:
    config = make_config(include_extensions=["litestar", "nope"])
    with pytest.raises(ImproperConfigurationError, match=r"unknown extension 'nope'.*available: litestar"):
        await config.migrate_up()


@pytest.fixture
def session_config(make_config: ConfigFactory) -> AsyncDatabaseConfig:
    config = make_config(include_extensions=["litestar"])
    anyio.run(config.migrate_up)
    return config


async def test_session_store_operations(session_config: AsyncDatabaseConfig) -> None:
    store = SQLSpecSessionStore(session_config)
    assert await store.get("a") is None
    await store.set("a", "value-a")
    await store.set("b", b"\x00binary", expires_in=60)
    await store.set("gone", b"x", expires_in=-1)
    assert await store.get("a") == b"value-a"
    assert await store.get("b") == b"\x00binary"
    assert await store.exists("b")
    assert await store.expires_in("a") is None
    assert 55 <= (await store.expires_in("b") or 0) <= 60
    assert await store.get("gone") is None
    await store.set("a", b"replaced", expires_in=100)
    assert await store.get("a", renew_for=1000) == b"replaced"
    assert (await store.expires_in("a") or 0) > 900
    await store.delete("a")
    assert not await store.exists("a")
    await store.delete_all()
    assert await store.get("b") is None


def test_server_side_session_round_trip_and_expiry(session_config: AsyncDatabaseConfig) -> None:
    @post("/login")
    async def login(request: Request[Any, Any, Any]) -> None:
        request.set_session({"user": "ada"})

    @get("/me")
    async def me(request: Request[Any, Any, Any]) -> dict[str, Any]:
        return dict(request.session)

    store = SQLSpecSessionStore(session_config)
    app = Litestar(
        route_handlers=[login, me],
        plugins=[SQLSpecPlugin(session_config)],
        middleware=[ServerSideSessionConfig(max_age=60).middleware],
        stores={"sessions": store},
        logging_config=None,
    )
    with TestClient(app) as client:
        assert client.post("/login").status_code == 201
        assert client.get("/me").json() == {"user": "ada"}
        session_id = client.cookies.get("session")
        assert session_id
        assert anyio.run(store.exists, session_id)
        anyio.run(store.set, session_id, b'{"user": "ada"}', -1)  # expire it
        assert client.get("/me").json() == {}
