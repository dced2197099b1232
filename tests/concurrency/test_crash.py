"""A bounded run of the crash script (`make crash` runs 50 trials of each kind per database).

Every kind of stop: SIGKILL, SIGTERM, SIGINT and, on PostgreSQL and MySQL/MariaDB,
pg_terminate_backend / KILL <connection id> on the migrating backend. Each trial checks the version
table against the schema and the marker rows, the exit and its one error line, and that a re-run
(with --resume / --interrupted as the row asks) completes with every marker exactly once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stress.crash import BACKEND_KINDS, KINDS, run_trials

TRIALS = 3
MYSQL_TRIALS = 2  # its runs are slower (a connection per statement's KILL QUERY, DDL that commits)


@pytest.mark.parametrize(
    "dialect",
    [
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ],
)
def test_stopped_migrators_leave_a_consistent_database(
    dialect: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if dialect in BACKEND_KINDS:  # skips (or fails in CI) without a server
        request.getfixturevalue(f"{dialect}_dsn")
    kinds = [kind for kind in KINDS if kind != "terminate-backend" or dialect in BACKEND_KINDS]
    trials = MYSQL_TRIALS if dialect == "mysql" else TRIALS
    outcomes = run_trials(dialect, kinds, trials=trials, folder=tmp_path, seed=7)
    failures = [f"{kind}: {failure}" for kind, o in outcomes.items() for failure in o.failures]
    assert not failures, "\n".join(failures)
    for kind, outcome in outcomes.items():
        assert outcome.trials == trials, kind
        assert outcome.stopped_mid_run >= 1, kind  # the stops do land while migrations run
