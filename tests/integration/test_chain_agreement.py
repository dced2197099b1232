"""``upgrade`` and ``check`` judge the chain by one rule: one never runs what the other rejects."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlspec import AsyncDatabaseConfig, MigrationSourceError
from sqlspec.migrations.check import Problem, check_migrations
from tests.conftest import ConfigFactory
from tests.integration.test_engine import query, tables
from tests.migration_files import sql_migration


async def findings(config: AsyncDatabaseConfig) -> list[Problem]:
    """What check reports, less its notes (MySQL explains which migrations cannot be atomic)."""
    return [p for p in await check_migrations(config.migration_engine()) if p.severity != "note"]


def _table(name: str) -> tuple[str, str]:
    return f"CREATE TABLE {name} (id INTEGER);", f"DROP TABLE {name};"


async def test_a_branch_numbered_before_an_applied_migration_is_refused_by_both(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    sql_migration(migrations_dir, "0001", "init", *_table("init"))
    sql_migration(migrations_dir, "0003", "theirs", *_table("theirs"), down_revision="0001")
    config = make_config()
    await config.migrate_up()
    mine = sql_migration(migrations_dir, "0002", "mine", *_table("mine"), down_revision="0001")

    problems = await findings(config)
    assert [(p.severity, p.code, p.revision, p.path) for p in problems] == [
        ("error", "fork", "0002", str(mine))
    ]
    with pytest.raises(MigrationSourceError) as raised:
        await config.migrate_up()
    assert raised.value.path == mine
    assert str(raised.value) == problems[0].message
    assert "0003_theirs.sql, after it, is already applied and follows 0001" in str(raised.value)
    assert "renumber this file to come after 0003" in str(raised.value)
    assert "mine" not in await tables(config)

    mine.unlink()  # the fix the message asks for
    sql_migration(migrations_dir, "0004", "mine", *_table("mine"), down_revision="0003")
    assert await findings(config) == []
    await config.migrate_up()
    assert "mine" in await tables(config)


async def test_a_pending_migration_the_applied_one_after_it_follows_runs(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    """Out of run order is fine when the chain is whole: the applied file after it names it."""
    sql_migration(migrations_dir, "0001", "init", *_table("init"))
    theirs = sql_migration(migrations_dir, "0003", "theirs", *_table("theirs"), down_revision="0001")
    config = make_config()
    await config.migrate_up()
    theirs.write_text(theirs.read_text().replace("down_revision: 0001", "down_revision: 0002"))
    sql_migration(migrations_dir, "0002", "mine", *_table("mine"), down_revision="0001")

    assert await findings(config) == []
    await config.migrate_up()
    rows = await query(config, "SELECT version_num FROM sqlspec_version ORDER BY install_order")
    assert [row["version_num"] for row in rows] == ["0001", "0003", "0002"]


async def test_check_judges_the_table_as_upgrade_will_have_renamed_it(
    make_config: ConfigFactory, migrations_dir: Path
) -> None:
    """B's applied 0002 is renumbered 0003 but still follows 0001, as A's new 0002 does."""
    sql_migration(migrations_dir, "0001", "init", *_table("init"))
    sql_migration(migrations_dir, "0002", "theirs", *_table("theirs"), down_revision="0001")
    config = make_config()
    await config.migrate_up()
    (migrations_dir / "0002_theirs.sql").rename(migrations_dir / "0003_theirs.sql")
    path = migrations_dir / "0003_theirs.sql"
    path.write_text(path.read_text().replace("revision: 0002", "revision: 0003"))
    mine = sql_migration(migrations_dir, "0002", "mine", *_table("mine"), down_revision="0001")

    problems = await findings(config)
    assert [(p.severity, p.code, p.revision) for p in problems] == [
        ("error", "fork", "0002"),
        ("warning", "renamed", "0002"),  # the row upgrade moves to 0003 before judging
    ]
    with pytest.raises(MigrationSourceError) as raised:
        await config.migrate_up()
    assert raised.value.path == mine
    assert str(raised.value) == problems[0].message
    assert "mine" not in await tables(config)
