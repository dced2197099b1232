"""Fleets and tenants, as an operator runs them: many SQLite files, and many PostgreSQL tenant schemas.

Each migration after the first adds one row to a ``seed`` table, so counting its rows says how many
migrations ran on a target, and that none ran twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec.adapters.asyncpg import AsyncpgConfig, AsyncpgSyncConfig
from sqlspec.fleet import migrate_fleet
from tests.cli.conftest import Project
from tests.migration_files import sql_migration

MIGRATIONS = 5


def _write_migrations(folder: Path, count: int = MIGRATIONS, *, sleep: float = 0.0) -> None:
    folder.mkdir(exist_ok=True)
    sql_migration(folder, "0001", "seed", "CREATE TABLE seed (n INTEGER NOT NULL);", "DROP TABLE seed;")
    for number in range(2, count + 1):
        revision = f"{number:04d}"
        body = f"INSERT INTO seed (n) VALUES ({number});"
        if number == 3:
            body += "\nCREATE TABLE widgets (id INTEGER);"
        if sleep:
            body += f"\nSELECT pg_sleep({sleep});"
        sql_migration(folder, revision, f"step_{number}", body, down_revision=f"{number - 1:04d}")


def _tenants(count: int) -> list[str]:
    return [f"t{index:02d}" for index in range(count)]


def _postgres_fleet(project: Project, dsn: str, schemas: list[str], *, create: bool = True) -> None:
    project.write_config(
        "from sqlspec.adapters.asyncpg import AsyncpgConfig\n\n"
        f"config = AsyncpgConfig(connection_config={{'dsn': {dsn!r}}}, "
        f"migration_config={{'tenant_schemas': {schemas!r}}})\n"
    )
    if create:
        _sql(dsn, *(f"CREATE SCHEMA {schema}" for schema in schemas))


def _sql(dsn: str, *statements: str) -> list[Any]:
    async def run() -> list[Any]:
        connection = await asyncpg.connect(dsn)
        try:
            return [await connection.fetchval(statement) for statement in statements]
        finally:
            await connection.close()

    return asyncio.run(run())


def _seed_counts(dsn: str, schemas: list[str]) -> dict[str, int]:
    """Rows of each tenant's seed table (-1 when it has none)."""
    checks = [
        f"SELECT CASE WHEN to_regclass('{s}.seed') IS NULL THEN -1 ELSE "
        f"(xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM {s}.seed', false, true, '')))[1]"
        "::text::int END"
        for s in schemas
    ]
    return dict(zip(schemas, _sql(dsn, *checks), strict=True))


@pytest.mark.postgres
def test_fifty_tenant_schemas_with_a_failing_one_then_a_rerun_finishes_it(
    postgres_project: Project, postgres_dsn: str
) -> None:
    schemas = _tenants(50)
    _postgres_fleet(postgres_project, postgres_dsn, schemas)
    _write_migrations(postgres_project.migrations)
    _sql(postgres_dsn, "CREATE TABLE t25.widgets (id INTEGER)")  # 0003 fails there only

    failed = postgres_project.process("--concurrency", "8", "upgrade", "--json")

    assert failed.returncode == 1, failed.stderr
    results = json.loads(failed.stdout)
    assert list(results) == schemas
    assert results["t25"]["status"] == "failed"
    assert results["t25"]["schema"] == "t25"
    assert "widgets" in results["t25"]["error"]["message"]
    assert [m["status"] for m in results["t25"]["migrations"]] == ["applied", "applied", "failed"]
    ok = [schema for schema in schemas if schema != "t25"]
    assert all(results[s]["status"] == "ok" and len(results[s]["migrations"]) == MIGRATIONS for s in ok)
    counts = _seed_counts(postgres_dsn, schemas)
    assert counts == {**dict.fromkeys(ok, MIGRATIONS - 1), "t25": 1}
    assert _sql(postgres_dsn, "SELECT count(*) FROM t07.sqlspec_version") == [MIGRATIONS]
    assert _sql(postgres_dsn, "SELECT to_regclass('public.sqlspec_version')") == [None]

    checked = postgres_project.process("check", "--strict", "--no-lint", "--json")
    assert checked.returncode == 1
    assert {s for s, doc in json.loads(checked.stdout).items() if doc["exit_code"]} == {"t25"}

    _sql(postgres_dsn, "DROP TABLE t25.widgets")
    rerun = postgres_project.process("upgrade", "--json")

    assert rerun.returncode == 0, rerun.stderr
    again = json.loads(rerun.stdout)
    assert [m["revision"] for m in again["t25"]["migrations"]] == ["0003", "0004", "0005"]
    assert all(again[s]["migrations"] == [] for s in ok)  # nothing applied twice
    assert _seed_counts(postgres_dsn, schemas) == dict.fromkeys(schemas, MIGRATIONS - 1)

    history = postgres_project.process("--include", "t25", "history", "--json")
    assert history.returncode == 0, history.stderr
    # keyed by schema though one tenant matches: the shape never depends on the filter
    assert [e["status"] for e in json.loads(history.stdout)["t25"]["migrations"]] == ["applied"] * MIGRATIONS


@pytest.mark.postgres
def test_include_exclude_and_fail_fast_pick_the_tenants(postgres_project: Project, postgres_dsn: str) -> None:
    schemas = _tenants(20)
    _postgres_fleet(postgres_project, postgres_dsn, schemas)
    _write_migrations(postgres_project.migrations)

    picked = postgres_project.process("--include", "t1*", "--exclude", "t15", "upgrade", "--json")

    assert picked.returncode == 0, picked.stderr
    chosen = [f"t{n}" for n in range(10, 20) if n != 15]
    assert list(json.loads(picked.stdout)) == chosen
    counts = _seed_counts(postgres_dsn, schemas)
    assert {s for s, n in counts.items() if n == MIGRATIONS - 1} == set(chosen)

    _sql(postgres_dsn, "CREATE TABLE t02.widgets (id INTEGER)")
    fast = postgres_project.process("--concurrency", "2", "--fail-fast", "upgrade", "--json")

    assert fast.returncode == 1
    statuses = {s: doc["status"] for s, doc in json.loads(fast.stdout).items()}
    assert statuses["t02"] == "failed"
    skipped = [s for s, status in statuses.items() if status == "skipped"]
    assert skipped
    # Only targets after the failing one are skipped; t03 may have started beside t02 or not.
    assert all(s > "t02" for s in skipped)
    assert all(_seed_counts(postgres_dsn, skipped)[s] == -1 for s in skipped if s not in chosen)

    in_turn = postgres_project.process("--concurrency", "1", "--fail-fast", "upgrade")
    assert in_turn.returncode == 1
    assert "--fail-fast" in in_turn.stderr
    assert "== t03" not in in_turn.stdout  # in turn: t00, t01, t02 failed, nothing after
    assert "20 targets: 2 ok, 1 failed, 17 skipped" in in_turn.stdout

    as_json = postgres_project.process("--concurrency", "1", "--fail-fast", "upgrade", "--json")
    documents = json.loads(as_json.stdout)  # reported as a concurrent run is: skipped ones too
    assert list(documents) == schemas
    assert [documents[s]["status"] for s in ("t01", "t02", "t03")] == ["ok", "failed", "skipped"]
    assert documents["t19"]["exit_code"] is None
    assert documents["t19"]["schema"] == "t19"


@pytest.mark.postgres
def test_tenant_create_makes_the_schema_and_migrates_it(postgres_project: Project, postgres_dsn: str) -> None:
    _postgres_fleet(postgres_project, postgres_dsn, [], create=False)
    _write_migrations(postgres_project.migrations)

    created = postgres_project.process("tenant", "create", "acme", "--json")

    assert created.returncode == 0, created.stderr
    document = json.loads(created.stdout)
    assert document["schema"] == "acme"
    assert len(document["migrations"]) == MIGRATIONS
    assert _seed_counts(postgres_dsn, ["acme"]) == {"acme": MIGRATIONS - 1}
    assert _sql(postgres_dsn, "SELECT count(*) FROM acme.sqlspec_version") == [MIGRATIONS]
    again = postgres_project.process("tenant", "create", "acme")
    assert again.returncode == 0, again.stderr
    assert "0 migration(s) applied" in again.stdout

    config = AsyncpgConfig(
        connection_config={"dsn": postgres_dsn},
        migration_config={"script_location": str(postgres_project.migrations)},
    )
    runs = asyncio.run(config.create_tenant("globex"))
    assert [run.revision for run in runs][-1] == f"{MIGRATIONS:04d}"
    assert _seed_counts(postgres_dsn, ["globex"]) == {"globex": MIGRATIONS - 1}
    blocking = AsyncpgSyncConfig(
        connection_config={"dsn": postgres_dsn},
        migration_config={"script_location": str(postgres_project.migrations)},
    )
    assert len(blocking.create_tenant("hooli", "+2")) == 2
    assert _sql(postgres_dsn, "SELECT count(*) FROM hooli.sqlspec_version") == [2]


@pytest.mark.postgres
def test_tenant_list_from_an_async_function(postgres_project: Project, postgres_dsn: str) -> None:
    package = postgres_project.package
    (postgres_project.root / package / "tenants.py").write_text(
        "async def schemas(config):\n    return ['red', 'blue']\n"
    )
    postgres_project.write_config(
        "from sqlspec.adapters.asyncpg import AsyncpgConfig\n\n"
        f"config = AsyncpgConfig(connection_config={{'dsn': {postgres_dsn!r}}}, "
        f"migration_config={{'tenant_schemas': '{package}.tenants:schemas'}})\n"
    )
    _sql(postgres_dsn, "CREATE SCHEMA red", "CREATE SCHEMA blue")
    _write_migrations(postgres_project.migrations)

    listed = postgres_project.process("tenant", "list")
    upgraded = postgres_project.process("upgrade")

    assert listed.stdout.split() == ["red", "blue"]
    assert upgraded.returncode == 0, upgraded.stderr
    assert "red" in upgraded.stdout
    assert "blue" in upgraded.stdout
    assert _seed_counts(postgres_dsn, ["red", "blue"]) == {"red": MIGRATIONS - 1, "blue": MIGRATIONS - 1}


@pytest.mark.postgres
def test_a_killed_fleet_run_resumes_without_applying_anything_twice(
    postgres_project: Project, postgres_dsn: str
) -> None:
    schemas = _tenants(12)
    _postgres_fleet(postgres_project, postgres_dsn, schemas)
    _write_migrations(postgres_project.migrations, sleep=0.15)
    executable = Path(sys.executable).parent / "sqlspec"
    run = subprocess.Popen(
        [str(executable), "--config", postgres_project.reference, "--concurrency", "3", "upgrade"],
        cwd=postgres_project.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    done = 0
    while time.monotonic() < deadline and done < 2:
        time.sleep(0.1)
        done = sum(1 for n in _seed_counts(postgres_dsn, schemas).values() if n == MIGRATIONS - 1)
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=10)
    before = _seed_counts(postgres_dsn, schemas)
    assert 2 <= sum(1 for n in before.values() if n == MIGRATIONS - 1) < len(schemas)

    rerun = postgres_project.process("--concurrency", "6", "upgrade", "--json")

    assert rerun.returncode == 0, rerun.stderr
    results = json.loads(rerun.stdout)
    for schema in schemas:  # each applies exactly what the killed run had not committed
        applied = before[schema] + 1 if before[schema] >= 0 else 0
        assert len(results[schema]["migrations"]) == MIGRATIONS - applied, schema
    assert _seed_counts(postgres_dsn, schemas) == dict.fromkeys(schemas, MIGRATIONS - 1)


def _sqlite_fleet(project: Project, count: int) -> list[str]:
    keys = [f"db{index:02d}" for index in range(count)]
    project.write_config(
        "from sqlspec.adapters.aiosqlite import AiosqliteConfig\n\n"
        "configs = [\n"
        + "".join(
            f"    AiosqliteConfig(connection_config={{'database': 'dbs/{key}.db'}}, bind_key={key!r}),\n"
            for key in keys
        )
        + "]\n"
    )
    (project.root / "dbs").mkdir()
    return keys


def test_twenty_sqlite_files_with_a_failing_one(sqlite_project: Project) -> None:
    import sqlite3

    keys = _sqlite_fleet(sqlite_project, 20)
    _write_migrations(sqlite_project.migrations)
    with sqlite3.connect(sqlite_project.root / "dbs" / "db10.db") as connection:
        connection.execute("CREATE TABLE widgets (id INTEGER)")
    reference = f"{sqlite_project.package}.config:configs"

    failed = sqlite_project.cli(
        "--config", reference, "--concurrency", "4", "upgrade", "--json", config=False
    )

    assert failed.exit_code == 1
    results = json.loads(failed.stdout)
    assert list(results) == keys
    assert {key for key, doc in results.items() if doc["status"] == "failed"} == {"db10"}
    assert results["db10"]["bind_key"] == "db10"
    assert all(len(results[key]["migrations"]) == MIGRATIONS for key in keys if key != "db10")

    table = sqlite_project.cli("--config", reference, "upgrade", config=False)
    assert table.exit_code == 1
    assert "20 targets: 19 ok, 1 failed" in table.stdout
    assert table.stdout.count("== db") == 20

    with sqlite3.connect(sqlite_project.root / "dbs" / "db10.db") as connection:
        connection.execute("DROP TABLE widgets")
    rerun = sqlite_project.cli("--config", reference, "upgrade", "--json", config=False)
    assert rerun.exit_code == 0
    assert [len(doc["migrations"]) for doc in json.loads(rerun.stdout).values()] == [0] * 10 + [3] + [0] * 9
    for key in keys:
        with sqlite3.connect(sqlite_project.root / "dbs" / f"{key}.db") as connection:
            assert connection.execute("SELECT count(*) FROM seed").fetchone() == (MIGRATIONS - 1,)


def test_migrate_fleet_api(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    _write_migrations(folder)
    configs = [
        AiosqliteConfig(
            connection_config={"database": str(tmp_path / f"{key}.db")},
            migration_config={"script_location": str(folder)},
            bind_key=key,
        )
        for key in ("a", "b", "c")
    ]
    import sqlite3

    with sqlite3.connect(tmp_path / "b.db") as connection:
        connection.execute("CREATE TABLE widgets (id INTEGER)")

    results = asyncio.run(migrate_fleet(configs, concurrency=2, exclude=["c"]))

    assert [(r.label, r.status, r.applied) for r in results] == [("a", "ok", 5), ("b", "failed", 2)]
    assert "widgets" in str(results[1].error)
    assert results[0].value is not None
    assert len(results[0].value) == MIGRATIONS


@pytest.mark.postgres
def test_connections_held_never_exceed_the_concurrency(postgres_dsn: str, tmp_path: Path) -> None:
    schemas = _tenants(30)
    _sql(postgres_dsn, *(f"CREATE SCHEMA {schema}" for schema in schemas))
    _write_migrations(tmp_path / "migrations", sleep=0.01)
    config = AsyncpgConfig(
        connection_config={"dsn": postgres_dsn},
        migration_config={"script_location": str(tmp_path / "migrations"), "tenant_schemas": schemas},
    )
    database = postgres_dsn.rpartition("/")[2]

    async def run() -> tuple[int, list[str]]:
        import anyio

        side = await asyncpg.connect(postgres_dsn)
        peak = 0
        finished = anyio.Event()

        async def poll() -> None:
            nonlocal peak
            while not finished.is_set():
                held = await side.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                    database,
                )
                peak = max(peak, held)
                await anyio.sleep(0.005)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(poll)
            results = await migrate_fleet([config], concurrency=3)
            finished.set()
        await side.close()
        return peak, [r.status for r in results]

    peak, statuses = asyncio.run(run())

    assert statuses == ["ok"] * 30
    assert 2 <= peak <= 3


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("signum", "code", "kind"), [(signal.SIGINT, 130, "Interrupted"), (signal.SIGTERM, 143, "Terminated")]
)
def test_a_signal_stops_a_concurrent_fleet_and_reports_each_target(
    postgres_project: Project, postgres_dsn: str, signum: signal.Signals, code: int, kind: str
) -> None:
    """Each stopped target's document says which signal stopped it, as a run of one target does."""
    schemas = _tenants(10)
    _postgres_fleet(postgres_project, postgres_dsn, schemas)
    _write_migrations(postgres_project.migrations, sleep=0.2)
    executable = Path(sys.executable).parent / "sqlspec"
    run = subprocess.Popen(
        [str(executable), "--config", postgres_project.reference, "--concurrency", "3", "upgrade", "--json"],
        cwd=postgres_project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if any(n == MIGRATIONS - 1 for n in _seed_counts(postgres_dsn, schemas).values()):
            break
    run.send_signal(signum)
    stdout, stderr = run.communicate(timeout=30)

    assert run.returncode == code, stderr
    statuses = {schema: doc["status"] for schema, doc in json.loads(stdout).items()}
    assert "ok" in statuses.values()
    assert "interrupted" in statuses.values()
    interrupted = [s for s, status in statuses.items() if status == "interrupted"]
    assert all(json.loads(stdout)[s]["error"]["type"] == kind for s in interrupted)
    assert all(json.loads(stdout)[s]["exit_code"] == code for s in interrupted)

    rerun = postgres_project.process("upgrade")
    assert rerun.returncode == 0, rerun.stderr
    assert _seed_counts(postgres_dsn, schemas) == dict.fromkeys(schemas, MIGRATIONS - 1)


def test_file_commands_run_once_per_shared_folder(sqlite_project: Project) -> None:
    import sqlite3

    _sqlite_fleet(sqlite_project, 3)  # db00, db01, db02 share migrations/
    reference = f"{sqlite_project.package}.config:configs"

    def run(*args: str) -> Any:
        return sqlite_project.cli("--config", reference, *args, config=False)

    created = run("create-migration", "-m", "hello", "--json")
    assert created.exit_code == 0, created.output
    documents = json.loads(created.stdout)
    assert list(documents) == ["db00", "db01", "db02"]
    assert documents["db01"]["shares_folder_with"] == "db00"
    assert len(list(sqlite_project.migrations.glob("*_hello.sql"))) == 1
    said = run("create-migration", "-m", "again")
    assert "db01, db02 share db00's folder" in said.stdout
    assert len(list(sqlite_project.migrations.glob("*.sql"))) == 2
    assert run("upgrade").exit_code == 0

    fixed = run("fix", "--yes", "--json")  # converts once, reconciles every database

    assert fixed.exit_code == 0, fixed.output
    documents = json.loads(fixed.stdout)
    assert len(documents["db00"]["conversions"]) == 2
    assert [len(documents[key]["renamed"]) for key in ("db00", "db01", "db02")] == [2, 2, 2]
    assert sorted(path.name[:4] for path in sqlite_project.migrations.glob("*.sql")) == ["0001", "0002"]
    for key in ("db00", "db01", "db02"):
        with sqlite3.connect(sqlite_project.root / "dbs" / f"{key}.db") as connection:
            rows = connection.execute("SELECT version_num FROM sqlspec_version ORDER BY 1").fetchall()
        assert rows == [("0001",), ("0002",)]

    (sqlite_project.migrations / "0002_again.sql").write_text(
        "-- revision: 0002\n-- down_revision: 0001\n-- description: again\n\n"
        "-- upgrade --\nCREATE TABLE t2 (id INTEGER);\n\n-- downgrade --\nDROP TABLE t2;\n"
    )
    (sqlite_project.migrations / "0001_hello.sql").write_text(
        "-- revision: 0001\n-- down_revision: None\n-- description: hello\n\n"
        "-- upgrade --\nCREATE TABLE t1 (id INTEGER);\n\n-- downgrade --\nDROP TABLE t1;\n"
    )
    squashed = run("squash", "0001", "0002", "-m", "sq")
    assert squashed.exit_code == 0, squashed.output
    assert len(list(sqlite_project.migrations.glob("0001-0002_*.sql"))) == 1


def test_dump_schema_refuses_targets_writing_one_file(sqlite_project: Project) -> None:
    _sqlite_fleet(sqlite_project, 2)
    _write_migrations(sqlite_project.migrations, 2)
    reference = f"{sqlite_project.package}.config:configs"
    assert sqlite_project.cli("--config", reference, "upgrade", config=False).exit_code == 0

    clash = sqlite_project.cli("--config", reference, "dump-schema", config=False)

    assert clash.exit_code == 2
    assert "db00, db01 would all write" in clash.stderr
    assert "--bind-key" in clash.stderr
    assert "schema_file" in clash.stderr
    assert not (sqlite_project.root / "schema.sql").exists()
    to_stdout = sqlite_project.cli(
        "--config", reference, "dump-schema", "--output", "-", "--json", config=False
    )
    assert to_stdout.exit_code == 0
    assert list(json.loads(to_stdout.stdout)) == ["db00", "db01"]
    one = sqlite_project.cli("--config", reference, "--bind-key", "db01", "dump-schema", config=False)
    assert one.exit_code == 0
    assert (sqlite_project.root / "schema.sql").exists()


def test_json_is_keyed_for_a_fleet_however_many_targets_match(sqlite_project: Project) -> None:
    _sqlite_fleet(sqlite_project, 3)
    config_file = sqlite_project.root / sqlite_project.package / "config.py"
    config_file.write_text(config_file.read_text() + "one = configs[1]\n")
    _write_migrations(sqlite_project.migrations, 2)
    reference = f"{sqlite_project.package}.config:configs"

    for selection in (["--include", "db01"], ["--bind-key", "db01"], ["--include", "db0[01]"]):
        result = sqlite_project.cli("--config", reference, *selection, "history", "--json", config=False)
        assert result.exit_code == 0, result.output
        documents = json.loads(result.stdout)
        assert "db01" in documents
        assert documents["db01"]["status"] == "ok"
        assert len(documents["db01"]["migrations"]) == 2

    single = sqlite_project.cli(
        "--config", f"{sqlite_project.package}.config:one", "history", "--json", config=False
    )
    assert len(json.loads(single.stdout)["migrations"]) == 2  # a one-config reference: the plain document


def test_an_include_matching_nothing_is_a_usage_error(sqlite_project: Project) -> None:
    _sqlite_fleet(sqlite_project, 3)
    reference = f"{sqlite_project.package}.config:configs"

    for selection in (["--include", "nope"], ["--bind-key", "db00", "--include", "db01"]):
        for command in ("upgrade", "create-migration"):
            args = [command, "-m", "x"] if command == "create-migration" else [command]
            result = sqlite_project.cli("--config", reference, *selection, *args, config=False)
            assert result.exit_code == 2, result.output
            assert "matches no" in result.stderr
            assert selection[-1] in result.stderr
            assert "db00" in result.stderr  # what there is to choose from
    assert not list(sqlite_project.migrations.glob("*.sql"))
    excluded = sqlite_project.cli("--config", reference, "--exclude", "db*", "upgrade", config=False)
    assert excluded.exit_code == 2
    assert "--exclude leaves no target" in excluded.stderr


@pytest.mark.postgres
def test_tenant_create_refuses_before_touching_the_database(
    postgres_project: Project, postgres_dsn: str
) -> None:
    _postgres_fleet(postgres_project, postgres_dsn, ["initech"], create=False)
    _write_migrations(postgres_project.migrations)

    unknown = postgres_project.process("tenant", "create", "hooli2", "0009")
    public = postgres_project.process("tenant", "create", "public")

    assert unknown.returncode == 2
    assert "0009" in unknown.stderr
    assert _sql(postgres_dsn, "SELECT count(*) FROM pg_namespace WHERE nspname = 'hooli2'") == [0]
    assert public.returncode == 2
    assert "public is not a tenant schema" in public.stderr
    assert _sql(postgres_dsn, "SELECT to_regclass('public.sqlspec_version')") == [None]
    config = AsyncpgConfig(
        connection_config={"dsn": postgres_dsn},
        migration_config={"script_location": str(postgres_project.migrations)},
    )
    with pytest.raises(Exception, match="0009"):
        asyncio.run(config.create_tenant("hooli3", "0009"))
    assert _sql(postgres_dsn, "SELECT count(*) FROM pg_namespace WHERE nspname = 'hooli3'") == [0]

    missing = postgres_project.process("upgrade")  # a listed schema nobody created
    assert missing.returncode == 1
    assert "create it with `sqlspec tenant create initech`" in missing.stderr


@pytest.mark.postgres
def test_fix_renames_the_rows_of_every_tenant_schema(postgres_project: Project, postgres_dsn: str) -> None:
    _postgres_fleet(postgres_project, postgres_dsn, ["red", "blue"])
    folder = postgres_project.migrations
    folder.mkdir(exist_ok=True)
    sql_migration(folder, "0001", "seed", "CREATE TABLE seed (n INTEGER);", "DROP TABLE seed;")
    sql_migration(folder, "20260101000000", "more", "INSERT INTO seed VALUES (2);", down_revision="0001")
    assert postgres_project.process("upgrade").returncode == 0

    fixed = postgres_project.process("fix", "--yes", "--json")

    assert fixed.returncode == 0, fixed.stderr
    renamed = json.loads(fixed.stdout)["renamed"]
    assert sorted((row["schema"], row["new"]) for row in renamed) == [("blue", "0002"), ("red", "0002")]
    for schema in ("red", "blue"):
        rows = _sql(
            postgres_dsn, f"SELECT string_agg(version_num, ',' ORDER BY 1) FROM {schema}.sqlspec_version"
        )
        assert rows == ["0001,0002"]
