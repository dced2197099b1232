"""Bad inputs through the programmatic API: the documented exception, with its attributes, and no change.

The CLI corpus shows what a user at a terminal sees; code that calls ``await config.migrate_up(...)``
relies instead on the exception's type (to catch it) and its attributes (to report it). Each case
starts with ``0001`` applied, adds a bad input, and checks the exception and that the database and
the migration folder are exactly as they were.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sqlspec import (
    AsyncDatabaseConfig,
    DuplicateRevisionError,
    ImproperConfigurationError,
    IrreversibleMigrationError,
    LockTimeoutError,
    MigrationExecutionError,
    MigrationSourceError,
    RevisionNotFoundError,
    SQLSpecError,
    TargetError,
)
from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec.adapters.asyncpg import AsyncpgConfig
from sqlspec.adapters.sqlite import SqliteConfig
from sqlspec.dialects.postgres import advisory_key
from tests.bad_inputs.corpus import BASE_0001, BASELINE, WRITES_THEN_FAILS, py, sql
from tests.bad_inputs.harness import (
    Snapshot,
    hold_advisory_lock,
    mysql_snapshot,
    postgres_snapshot,
    sqlite_snapshot,
)
from tests.conftest import ConfigFactory

Call = Callable[[AsyncDatabaseConfig], Awaitable[object]]


@dataclass(frozen=True, kw_only=True)
class ApiCase:
    name: str
    call: Call
    error: type[SQLSpecError]
    words: tuple[str, ...]
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    baseline: Mapping[str, str] = field(default_factory=lambda: dict(BASELINE))
    attributes: Mapping[str, object] = field(default_factory=dict)
    """Expected attribute values of the error; ``path.name`` reads the name of its ``path``."""
    cause: type[BaseException] | None = None


def _up(target: str) -> Call:
    return lambda config: config.migrate_up(target)


def _down(target: str) -> Call:
    return lambda config: config.migrate_down(target)


API_CASES = (
    ApiCase(
        name="migrate-up-past-head",
        files={"0002_next.sql": sql()},
        call=_up("+5"),
        error=TargetError,
        words=("+5 goes past head",),
    ),
    ApiCase(
        name="migrate-up-unknown-revision",
        files={"0002_next.sql": sql()},
        call=_up("0042"),
        error=RevisionNotFoundError,
        words=("unknown revision '0042'",),
        attributes={"revision": "0042"},
    ),
    ApiCase(
        name="migrate-down-past-base",
        call=_down("-5"),
        error=TargetError,
        words=("-5 goes past base",),
    ),
    ApiCase(
        name="migrate-down-irreversible",
        baseline={"0001_items.sql": BASE_0001.split("-- downgrade --")[0]},
        call=_down("base"),
        error=IrreversibleMigrationError,
        words=("has no downgrade section",),
        attributes={"revision": "0001", "path.name": "0001_items.sql"},
    ),
    ApiCase(
        name="revision-mismatch",
        files={"0002_next.sql": sql(revision="0003")},
        call=_up("head"),
        error=MigrationSourceError,
        words=("header says revision 0003 but the file name says 0002",),
        attributes={"path.name": "0002_next.sql", "line": None},
    ),
    ApiCase(
        name="not-utf8",
        files={"0002_next.sql": sql().replace("Next step", "caf\xe9").encode("latin-1")},
        call=_up("head"),
        error=MigrationSourceError,
        words=("not valid UTF-8",),
        attributes={"path.name": "0002_next.sql", "line": 3},
        cause=UnicodeDecodeError,
    ),
    ApiCase(
        name="duplicate-revision",
        files={"0002_a.sql": sql(), "0002_b.sql": sql()},
        call=_up("head"),
        error=DuplicateRevisionError,
        words=("revision 0002 is defined by more than one file",),
        attributes={"revision": "0002"},
    ),
    ApiCase(
        name="failing-statement",
        files={"0002_next.sql": sql(upgrade=WRITES_THEN_FAILS)},
        call=_up("head"),
        error=MigrationExecutionError,
        words=("statement 4", "rolled back"),
        attributes={"revision": "0002", "statement": 4, "direction": "upgrade", "rolled_back": True},
    ),
    ApiCase(
        name="python-upgrade-raises",
        files={
            "0002_next.py": py(
                body='\ndef upgrade(driver):\n    driver.execute("CREATE TABLE t2 (id INTEGER)")\n'
                '    raise ValueError("boom")\n'
            )
        },
        call=_up("head"),
        error=MigrationExecutionError,
        words=("ValueError: boom", "rolled back"),
        attributes={"revision": "0002", "statement": None, "rolled_back": True},
        cause=ValueError,
    ),
    ApiCase(
        name="python-import-error",
        files={
            "0002_next.py": py(body="\nimport sqlspec_no_such_module\n\ndef upgrade(driver):\n    pass\n")
        },
        call=_up("head"),
        error=MigrationSourceError,
        words=("importing it failed", "ModuleNotFoundError"),
        attributes={"path.name": "0002_next.py"},
        cause=ModuleNotFoundError,
    ),
)


def _attribute(error: BaseException, dotted: str) -> object:
    value: Any = error
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


async def _snapshot(config: AsyncDatabaseConfig, folder: Path) -> Snapshot:
    if isinstance(config, AsyncpgConfig):
        database = await postgres_snapshot(config.connection_config["dsn"])
    elif config.dialect.name == "mysql":
        database = await mysql_snapshot(config)
    else:
        database = sqlite_snapshot(config.connection_config["database"])
    return {"database": database, "files": _files(folder)}


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _write(folder: Path, files: Mapping[str, str | bytes]) -> None:
    for name, content in files.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())


@pytest.mark.parametrize("case", API_CASES, ids=[case.name for case in API_CASES])
async def test_api_raises_the_documented_error(
    case: ApiCase, make_config: ConfigFactory, migrations_dir: Path
) -> None:
    config = make_config()
    if config.dialect.name == "mysql" and case.name in {"failing-statement", "python-upgrade-raises"}:
        pytest.skip("MySQL's DDL commits implicitly, so these run statement by statement (see test_mysql)")
    _write(migrations_dir, case.baseline)
    await config.migrate_up("head")
    _write(migrations_dir, case.files)
    before = await _snapshot(config, migrations_dir)

    with pytest.raises(case.error) as caught:
        await case.call(config)

    error = caught.value
    message = str(error)
    assert "\n" not in message
    for word in case.words:
        assert word in message
    for name, expected in case.attributes.items():
        assert _attribute(error, name) == expected, name
    if case.cause is not None:
        assert isinstance(error.__cause__, case.cause)
    assert await _snapshot(config, migrations_dir) == before


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        (
            {"version_table": "sqlspec_version; DROP TABLE items; --"},
            "'version_table' must be a plain identifier",
        ),
        ({"version_table": 'x" (a INT); DROP TABLE items; --'}, "'version_table' must be a plain identifier"),
        ({"script_locaton": "migrations"}, "unknown key 'script_locaton'"),
        ({"lock_timeout": "10"}, "'lock_timeout': expected `float`, got `str`"),
        ({"lock_timeout": -1}, "'lock_timeout' must be a positive number"),
        ({"include_extensions": "litestar"}, "'include_extensions'"),
    ],
)
def test_a_bad_migration_config_is_refused_when_the_config_is_built(
    settings: dict[str, object], words: str, tmp_path: Path
) -> None:
    database = tmp_path / "app.db"
    with pytest.raises(ImproperConfigurationError) as caught:
        AiosqliteConfig(connection_config={"database": str(database)}, migration_config=settings)
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)
    assert not database.exists()


def test_sync_config_raises_the_same_error(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    _write(folder, BASELINE)
    database = str(tmp_path / "app.db")
    config = SqliteConfig(
        connection_config={"database": database}, migration_config={"script_location": str(folder)}
    )
    config.migrate_up()
    _write(folder, {"0002_next.sql": sql()})
    before = sqlite_snapshot(database)
    with pytest.raises(TargetError, match=r"\+5 goes past head: only 1 migration\(s\) pending"):
        config.migrate_up("+5")
    assert sqlite_snapshot(database) == before
    assert config.current_revision() == "0001"


@pytest.mark.postgres
async def test_lock_held_beyond_the_timeout_names_the_holder(postgres_dsn: str, migrations_dir: Path) -> None:
    config = AsyncpgConfig(
        connection_config={"dsn": postgres_dsn},
        migration_config={"script_location": str(migrations_dir), "lock_timeout": 0.3},
    )
    _write(migrations_dir, BASELINE)
    await config.migrate_up()
    _write(migrations_dir, {"0002_next.sql": sql()})
    before = await _snapshot(config, migrations_dir)
    with (
        hold_advisory_lock(postgres_dsn, advisory_key("sqlspec_version")),
        pytest.raises(LockTimeoutError) as caught,
    ):
        await config.migrate_up()
    assert caught.value.timeout == 0.3
    assert caught.value.holder is not None
    assert caught.value.holder.startswith("PostgreSQL backend pid ")
    assert await _snapshot(config, migrations_dir) == before
    assert await config.current_revision() == "0001"
