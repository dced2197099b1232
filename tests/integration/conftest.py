"""A DSN holding a password in every place asyncpg reads one, for the tests that it is never shown."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest

SECRET = f"s3cr3t{uuid.uuid4().hex[:8]}"
"""Unique per run, so finding it anywhere in an output can only mean a leak."""


def secret_dsn(host: str, database: str) -> str:
    """A DSN to ``host`` holding ``SECRET`` as its password and as password, passfile and sslpassword."""
    return (
        f"postgresql://postgres:{SECRET}@{host}/{database}?password={SECRET}"
        f"&passfile=/no/such/dir/{SECRET}&sslpassword={SECRET}&sslmode=disable"
    )


@pytest.fixture(params=["unreachable", pytest.param("no-such-database", marks=pytest.mark.postgres)])
def failing_dsn(request: pytest.FixtureRequest) -> str:
    """A secret DSN that cannot connect: nothing listens there, or the server has no such database."""
    if request.param == "unreachable":
        return secret_dsn("127.0.0.1:1", "x")
    server = urlsplit(request.getfixturevalue("postgres_dsn")).netloc.rpartition("@")[2]
    return secret_dsn(server, f"sqlspec_no_such_{uuid.uuid4().hex[:8]}")
