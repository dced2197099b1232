"""The fleet runner's rules, from plain operations: order, concurrency, keep going, fail fast, selection."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec.adapters.asyncpg import AsyncpgConfig
from sqlspec.exceptions import ImproperConfigurationError
from sqlspec.fleet import Target, TargetResult, fleet_targets, run_fleet, select_targets


def _targets(count: int) -> list[Target]:
    return [
        Target(AiosqliteConfig(connection_config={"database": f"{n}.db"}, bind_key=f"db{n:02d}"))
        for n in range(count)
    ]


def test_at_most_concurrency_targets_run_at_once_and_results_keep_target_order() -> None:
    running = peak = 0
    started: list[str] = []

    async def operation(target: Target, _result: TargetResult[str]) -> str:
        nonlocal running, peak
        started.append(target.label)
        running += 1
        peak = max(peak, running)
        await anyio.sleep(0.01)
        running -= 1
        return target.label.upper()

    results = anyio.run(lambda: run_fleet(_targets(12), operation, concurrency=3))

    assert peak == 3
    assert started == [f"db{n:02d}" for n in range(12)]
    assert [r.value for r in results] == [f"DB{n:02d}" for n in range(12)]
    assert all(r.status == "ok" and r.duration_ms is not None for r in results)


async def _fail_db03(target: Target, _result: TargetResult[None]) -> None:
    await anyio.sleep(0.01)
    if target.label == "db03":
        raise RuntimeError("broken tenant")


def test_a_failure_stops_nothing_by_default() -> None:
    results = anyio.run(lambda: run_fleet(_targets(8), _fail_db03, concurrency=2))

    assert [r.status for r in results] == ["ok"] * 3 + ["failed"] + ["ok"] * 4
    assert str(results[3].error) == "broken tenant"


def test_fail_fast_starts_no_target_after_the_first_failure() -> None:
    results = anyio.run(lambda: run_fleet(_targets(8), _fail_db03, concurrency=2, fail_fast=True))

    statuses = [r.status for r in results]
    assert statuses[3] == "failed"
    assert statuses[:3] == ["ok"] * 3
    assert statuses[5:] == ["skipped"] * 3  # db04 had started beside db03, or was skipped
    assert statuses[4] in {"ok", "skipped"}


def test_include_and_exclude_match_bind_key_schema_or_label() -> None:
    config = AsyncpgConfig(connection_config={"dsn": "postgresql://x/y"}, bind_key="eu")
    tenants = [Target(config, schema) for schema in ("acme", "apex", "globex")]
    targets = [*_targets(3), *tenants]

    assert [t.label for t in tenants] == ["eu.acme", "eu.apex", "eu.globex"]
    assert [t.label for t in select_targets(targets, ["a*"])] == ["eu.acme", "eu.apex"]
    assert [t.label for t in select_targets(targets, ["eu"], ["*ex"])] == ["eu.acme"]
    assert [t.label for t in select_targets(targets, (), ["db0[01]", "eu.*"])] == ["db02"]


def test_tenant_schemas_expand_to_targets_and_are_checked(tmp_path: Path) -> None:
    module = tmp_path / "tenant_list_for_test.py"
    module.write_text("def schemas():\n    return ['t1', 't2']\n")
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        listed = AsyncpgConfig(
            connection_config={"dsn": "postgresql://x/y"},
            migration_config={"tenant_schemas": "tenant_list_for_test:schemas"},
        )
        plain = AiosqliteConfig(connection_config={"database": "a.db"}, bind_key="a")
        targets = anyio.run(fleet_targets, [plain, listed])
    finally:
        sys.path.remove(str(tmp_path))
    assert [(t.label, t.schema) for t in targets] == [("a", None), ("t1", "t1"), ("t2", "t2")]
    assert targets[1].engine().settings.version_table == "t1.sqlspec_version"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["ok", "bad-name"], "tenant schema 'bad-name' is not a plain identifier"),
        (["pg_catalog"], "tenant schema 'pg_catalog' is not a plain identifier"),
        ("acme", "a single schema is a list of one"),
    ],
)
def test_tenant_schemas_are_plain_identifiers(value: object, message: str) -> None:
    with pytest.raises(ImproperConfigurationError, match=message):
        AsyncpgConfig(migration_config={"tenant_schemas": value})


def test_tenant_schemas_need_postgresql() -> None:
    config = AiosqliteConfig(migration_config={"tenant_schemas": ["a"]})
    with pytest.raises(ImproperConfigurationError, match="tenant schemas need PostgreSQL"):
        anyio.run(fleet_targets, [config])
