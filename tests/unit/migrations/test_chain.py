"""The chain rule judges each migration on its own, so ``upgrade`` (a few) and ``check`` (all) agree."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

from sqlspec.migrations.chain import chain_problems
from sqlspec.migrations.files import discover, parse
from sqlspec.migrations.store import AppliedMigration
from tests.migration_files import sql_migration

REVISIONS = ("0001", "0002", "0003")


def _row(revision: str) -> AppliedMigration:
    return AppliedMigration(
        version=revision,
        script=f"{revision}_m.sql",
        description="m",
        type="sql",
        checksum="",
        checksum_algorithm="",
        applied_at=datetime(2025, 1, 1, tzinfo=UTC),
        execution_ms=0,
        applied_by="test",
        install_order=0,
    )


def test_a_verdict_never_depends_on_what_else_is_judged(tmp_path: Path) -> None:
    """Every header combination of three files and every applied subset: judged alone or with all."""
    downs = (None, *REVISIONS, "0042")
    for n, headers in enumerate(itertools.product(downs, repeat=len(REVISIONS))):
        if any(down == revision for down, revision in zip(headers, REVISIONS, strict=True)):
            continue
        folder = tmp_path / str(n)
        folder.mkdir()
        for revision, down in zip(REVISIONS, headers, strict=True):
            sql_migration(folder, revision, "m", "SELECT 1;", down_revision=down)
        files = discover(folder)
        migrations = [parse(file) for file in files]
        for size in range(len(REVISIONS) + 1):
            for done in itertools.combinations(REVISIONS, size):
                applied = [_row(revision) for revision in done]
                together = chain_problems(files, applied, migrations)
                for migration in migrations:
                    alone = chain_problems(files, applied, [migration])
                    assert alone == [p for p in together if p.revision == migration.revision], (headers, done)


def test_a_fork_onto_an_applied_migration_is_told_at_the_pending_file(tmp_path: Path) -> None:
    sql_migration(tmp_path, "0001", "a", "SELECT 1;")
    sql_migration(tmp_path, "0002", "mine", "SELECT 1;", down_revision="0001")
    sql_migration(tmp_path, "0003", "theirs", "SELECT 1;", down_revision="0001")
    files = discover(tmp_path)
    problems = chain_problems(files, [_row("0001"), _row("0003")], [parse(files[1])])
    assert [(p.code, p.revision) for p in problems] == [("fork", "0002")]
    assert problems[0].message == (
        "0003_theirs.sql, after it, is already applied and follows 0001, not 0002: two branches were "
        "merged; renumber this file to come after 0003, with down_revision 0003"
    )
    assert chain_problems(files, [_row("0001")], [parse(f) for f in files])[0].revision == "0003"
