"""Secrets never printed: DSNs, connection configs and driver errors, redacted from plain strings."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlspec._redact import redact_connection_config, redact_dsn, redact_text

SECRET = "s3cr%40t-Ω"
"""Percent-encoded on purpose: the decoded form (``s3cr@t-Ω``) must not leak either."""


@pytest.mark.parametrize(
    ("dsn", "redacted", "location"),
    [
        ("postgresql://u:pw@h/db", "postgresql://u:***@h/db", "h/db"),
        ("postgresql://u@h/db?password=pw", "postgresql://u@h/db?password=***", "h/db?password=***"),
        (
            "postgres://u:pw@h:5433/db?passfile=/home/u/.pgpass&sslmode=require&sslpassword=pw",
            "postgres://u:***@h:5433/db?passfile=***&sslmode=require&sslpassword=***",
            "h:5433/db?passfile=***&sslmode=require&sslpassword=***",
        ),
        ("postgresql://u:p@ss@h/db", "postgresql://u:***@h/db", "h/db"),  # an unencoded "@"
        ("postgresql://:pw@[::1]:5432/db", "postgresql://:***@[::1]:5432/db", "[::1]:5432/db"),
        ("postgresql://h1:5432,h2:5433/db", "postgresql://h1:5432,h2:5433/db", "h1:5432,h2:5433/db"),
        (
            "postgresql:///db?host=/run/pg&PASSWORD=pw",
            "postgresql:///db?host=/run/pg&PASSWORD=***",
            "/db?host=/run/pg&PASSWORD=***",
        ),
        ("postgresql://h/db?password:pw", "postgresql://h/db?***", "h/db?***"),  # a mistyped field
        ("host=h password=pw", "***", "***"),  # libpq's key=value form is not read, so hidden whole
        ("postgresql://u:pw@[::1/db", "***", "***"),  # urlsplit cannot read it
    ],
)
def test_a_dsn_keeps_where_it_points_and_loses_its_secrets(dsn: str, redacted: str, location: str) -> None:
    assert redact_dsn(dsn) == redacted
    assert redact_dsn(dsn, location_only=True) == location


def test_a_connection_config_is_shown_without_secrets() -> None:
    config = {
        "dsn": f"postgresql://u:{SECRET}@h/db?sslpassword={SECRET}",
        "password": SECRET,
        "passfile": Path("/tmp") / SECRET,
        "timeout": 2,
        "server_settings": {"application_name": "app", "token": SECRET},
    }
    shown = redact_connection_config(config)
    assert shown == (
        "dsn=postgresql://u:***@h/db?sslpassword=***, password=***, passfile=***, timeout=2, "
        "server_settings={application_name=app, token=***}"
    )
    assert redact_connection_config({}) == "-"


_DECODED = SECRET.replace("%40", "@")


@pytest.mark.parametrize(
    ("config", "spellings"),
    [
        ({"dsn": f"postgresql://u:{SECRET}@h/db"}, [SECRET, _DECODED]),
        ({"dsn": f"postgresql://h/db?password={SECRET}"}, [SECRET, _DECODED]),
        ({"dsn": f"postgresql://h/db?passfile=/tmp/{SECRET}"}, [f"/tmp/{SECRET}", f"/tmp/{_DECODED}"]),
        ({"dsn": f"postgresql://h/db?sslpassword={SECRET}"}, [SECRET, _DECODED]),
        ({"dsn": f"postgresql://h/db?password:{SECRET}"}, [f"password:{SECRET}", f"password:{_DECODED}"]),
        ({"host": "h", "password": SECRET}, [SECRET]),
        ({"host": "h", "passfile": Path("/tmp") / SECRET}, [f"/tmp/{SECRET}"]),
    ],
)
def test_an_error_quoting_a_secret_is_redacted_as_written_and_as_decoded(
    config: dict[str, object], spellings: list[str]
) -> None:
    text = f"failed: {config.get('dsn', 'connect')}: " + ", ".join(f"bad field {s!r}" for s in spellings)
    redacted = redact_text(text, config)
    assert "s3cr" not in redacted, redacted
    assert redacted.startswith("failed: ")
    assert redacted.count("bad field '***'") == len(spellings)


def test_an_error_without_secrets_is_untouched() -> None:
    text = 'database "app" does not exist'
    assert redact_text(text, {"dsn": "postgresql://u@h/app?password="}) == text
    assert redact_text(text, {"dsn": "postgresql://u@h/app", "password": ""}) == text
