"""A pytest plugin: the stairway test of an app's migrations inside the app's own test suite.

Installing sqlspec registers it with pytest (``-p no:sqlspec`` turns it off); ask for the
``migration_stairway`` fixture::

    def test_migrations(migration_stairway):
        migration_stairway(config)  # fails the test, with the schema diff, at the first bad step

    async def test_migrations_async(migration_stairway):
        await migration_stairway.check(config)

Each call runs on a scratch database made from ``config`` and dropped afterwards (see
:meth:`~sqlspec.config.DatabaseConfig.scratch_database`), exactly as ``sqlspec test`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # loaded when the fixture is used: every pytest run loads this module
    from sqlspec.config import DatabaseConfig
    from sqlspec.migrations.stairway import StairwayStep

__all__ = ("MigrationStairway", "migration_stairway")


class MigrationStairway:
    """Runs the stairway test for a config and fails the calling test at the first bad step."""

    async def check(self, config: DatabaseConfig, *, from_revision: str | None = None) -> list[StairwayStep]:
        """Test each migration (after ``from_revision``) up, down and up; the steps, all passed."""
        from sqlspec.migrations.stairway import run_stairway

        async with config.scratch_database() as scratch:
            steps = await run_stairway(scratch.migration_engine(), from_revision=from_revision)
        if steps and steps[-1].status == "failed":
            failed = steps[-1]
            pytest.fail(
                "\n".join([f"{failed.path}: {failed.stage}: {failed.error}", *failed.differences]),
                pytrace=False,
            )
        return steps

    def __call__(self, config: DatabaseConfig, *, from_revision: str | None = None) -> list[StairwayStep]:
        """:meth:`check` from a plain ``def`` test."""
        from sqlspec._sync import run_blocking

        return run_blocking(self.check, config, from_revision=from_revision)


@pytest.fixture
def migration_stairway() -> MigrationStairway:
    """Call it with a config to run the stairway test of its migrations on a scratch database."""
    return MigrationStairway()
