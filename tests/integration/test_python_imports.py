"""A Python migration's top level runs once per run, however many Python migrations there are."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.conftest import ConfigFactory
from tests.integration.test_engine import query
from tests.migration_files import py_migration

MANY = 300
"""More than any bounded import cache would hold (it held 256): evicted modules were imported twice."""


async def test_each_module_runs_its_top_level_once(
    make_config: ConfigFactory, migrations_dir: Path, tmp_path: Path
) -> None:
    ran = tmp_path / "top_level_runs.txt"
    for number in range(1, MANY + 1):
        revision, down = f"{number:04d}", f"{number - 1:04d}" if number > 1 else None
        body = (
            f"with open({str(ran)!r}, 'a') as log:\n    log.write({revision!r} + '\\n')\n\n\n"
            "def upgrade(driver):\n    pass\n"
        )
        py_migration(migrations_dir, revision, f"step_{revision}", body, down_revision=down)
    config = make_config()
    await config.migrate_up()
    rows = await query(config, "SELECT COUNT(*) AS n FROM sqlspec_version")
    assert rows[0]["n"] == MANY
    runs = Counter(ran.read_text().split())
    assert len(runs) == MANY
    assert {revision: count for revision, count in runs.items() if count != 1} == {}
