"""A bounded run of the SIGKILL crash script (`make crash` runs 50 trials per dialect)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stress.crash import run_trials


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_killed_migrators_leave_a_consistent_database(
    dialect: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if dialect == "postgres":
        request.getfixturevalue("postgres_dsn")  # skips (or fails in CI) without a server
    outcome = run_trials(dialect, trials=6, folder=tmp_path, seed=7)
    assert outcome.trials == 6
    assert outcome.killed_mid_run >= 1  # the kills do land while migrations run
