"""``check``: every problem with the migration files and the database's history, in one pass.

Where ``upgrade`` stops at the first problem (it must not run anything past it), ``check`` keeps
going, so a pull request shows all that is wrong at once. It only reads: it never creates the
version table, takes no lock and runs no migration.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import msgspec

from sqlspec.exceptions import DatabaseConnectionError, MigrationError, MigrationSourceError
from sqlspec.migrations.chain import chain_problems
from sqlspec.migrations.files import CHECKSUM_ALGORITHM, Migration, parse
from sqlspec.migrations.folder import MigrationFile
from sqlspec.migrations.reconcile import renamed_rows
from sqlspec.migrations.revisions import is_timestamp
from sqlspec.migrations.squash import SquashView, in_squashed_range, resolve
from sqlspec.migrations.store import AppliedMigration

if TYPE_CHECKING:
    from sqlspec.migrations.engine import MigrationEngine

__all__ = ("Problem", "check_migrations")


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """One finding; any ``error`` makes ``check`` fail, a ``note`` only explains."""

    severity: Literal["error", "warning", "note"]
    code: str
    """Stable for scripts: ``file``, ``chain``, ``fork``, ``no-downgrade``, ``drift``, ``renumbered``,
    ``partial``, ``interrupted``, ``missing-file``, ``renamed``, ``timestamp``, ``checksum-algorithm``,
    ``database``, ``not-atomic`` (a note)."""
    message: str
    revision: str | None = None
    path: str | None = None


def _problem(
    severity: Literal["error", "warning", "note"],
    code: str,
    message: str,
    revision: str | None = None,
    path: Path | None = None,
) -> Problem:
    return Problem(
        severity=severity,
        code=code,
        message=message,
        revision=revision,
        path=None if path is None else str(path),
    )


_error = partial(_problem, "error")
_warning = partial(_problem, "warning")
_note = partial(_problem, "note")


async def check_migrations(
    engine: MigrationEngine, *, strict: bool = False, lint: bool = False, schema: bool = False
) -> list[Problem]:
    """Validate files, then compare them with the database: errors first, then warnings.

    ``strict``: every migration not applied, and every timestamp name (applied or not), is a
    warning too. ``lint``: the pending migrations' hazards (:mod:`sqlspec.lint`), when nothing else
    is an error. ``schema``: each object that differs from the schema snapshot file.
    """
    try:
        files, naming = engine.scan()
    except MigrationError as error:
        return [_error("file", str(error))]
    problems = [_error("file", str(error)) for error in naming]
    try:
        applied: list[AppliedMigration] | None = await engine.applied_migrations()
    except DatabaseConnectionError as error:
        problems.append(_error("database", f"cannot compare with the database: {error}"))
        applied = None
    try:  # each squash or its originals, as upgrade would choose them for this database
        view = resolve(files, {row.version for row in applied or [] if not row.is_partial})
    except MigrationError as error:  # part of a range applied, the rest of its originals gone
        problems.append(_error("squash", str(error)))
        strict = False  # what is pending cannot be known until the originals are back
        view = resolve(files, ())  # judge the files as a new database would run them
        applied = [row for row in applied or [] if not in_squashed_range(row.version, files)]
    hidden = [file for file in files if file not in view.files]
    _file_problems(engine, hidden, problems)  # another database may still run them
    files = list(view.files)
    migrations = _file_problems(engine, files, problems)
    problems.extend(_squash_notes(view, applied))
    try:
        renames = {row.version: migration for row, migration in renamed_rows(applied or [], files)}
    except MigrationError as error:
        problems.append(_error("missing-file", str(error)))
        renames = {}
    # The chain is judged by upgrade's own rule, on the table as upgrade sees it: rows renamed.
    as_upgrade_sees = [
        msgspec.structs.replace(row, version=renames[row.version].revision) if row.version in renames else row
        for row in applied or []
    ]
    problems.extend(
        _error(problem.code, f"{problem.path}: {problem.message}", problem.revision, problem.path)
        for problem in chain_problems(files, as_upgrade_sees, migrations.values())
    )
    if applied is not None:
        own = [row for row in applied if row.version not in view.covered]
        problems.extend(_database_problems(files, migrations, own, renames))
        if strict:
            problems.extend(_strict_problems(files, applied, renames))
    if lint and not any(problem.severity == "error" for problem in problems):
        problems.extend(await _lint_problems(engine))
    if schema:
        problems.extend(await _schema_problems(engine))
    order = {"error": 0, "warning": 1, "note": 2}
    return sorted(problems, key=lambda problem: order[problem.severity])  # stable: errors first


def _file_problems(
    engine: MigrationEngine, files: Sequence[MigrationFile], problems: list[Problem]
) -> dict[str, Migration]:
    """Parse every file, appending what is wrong with each to ``problems``; the parsed ones by revision."""
    migrations: dict[str, Migration] = {}
    for file in files:
        try:
            migration = parse(file)
            engine.statements(migration, "upgrade")
            engine.statements(migration, "downgrade")
        except MigrationSourceError as error:
            problems.append(_error("file", str(error), file.revision, file.path))
            continue
        migrations[file.revision] = migration
        if found := engine.implicit_commit(migration, "upgrade"):
            number, kind = found
            problems.append(
                _note(
                    "not-atomic",
                    f"{migration.path}: runs statement by statement, not as one transaction: statement "
                    f"{number} ({kind}) commits by itself on {engine.dialect}; a failure part-way leaves it "
                    "partly applied, for `sqlspec upgrade --resume`",
                    migration.revision,
                    migration.path,
                )
            )
        if not migration.has_downgrade:
            problems.append(
                _warning(
                    "no-downgrade",
                    f"{migration.path}: no downgrade; `downgrade` cannot pass {migration.revision}",
                    migration.revision,
                    migration.path,
                )
            )
    return migrations


def _squash_notes(view: SquashView, applied: Sequence[AppliedMigration] | None) -> list[Problem]:
    """For each squash whose originals are still in the folder: does this database still need them?"""
    notes: list[Problem] = []
    done = {row.version for row in applied or [] if not row.is_partial}
    for name, originals in view.originals.items():
        if not originals or applied is None:
            continue
        squash = originals[0].directory / name
        first, _, last = name.split("_", 1)[0].partition("-")
        range_text = f"{first}..{last}"
        if not view.runs_squash(name) and not {f.revision for f in originals} <= done:
            notes.append(
                _warning(
                    "squash-originals",
                    f"{squash}: this database applied part of {range_text}; keep the original files "
                    "until it has run `sqlspec upgrade`",
                    path=squash,
                )
            )
        else:
            notes.append(
                _note(
                    "squash-originals",
                    f"{squash}: this database no longer needs the originals of {range_text}; delete them "
                    "once every database is past the range or has none of it",
                    path=squash,
                )
            )
    return notes


def _database_problems(
    files: Sequence[MigrationFile],
    migrations: dict[str, Migration],
    applied: Sequence[AppliedMigration],
    renames: dict[str, Migration],
) -> list[Problem]:
    problems: list[Problem] = []
    by_revision = {f.revision: f for f in files}
    for row in applied:
        if row.is_interrupted:
            # check takes no lock, so the run may still be going; upgrade, which waits for the
            # lock, tells a live run from an interrupted one.
            problems.append(
                _error(
                    "interrupted",
                    f"{row.version} ({row.script}) is being applied, or its run ended mid-statement "
                    f"({row.progress_text}); if no run is going, settle it with "
                    "`sqlspec upgrade --resume --interrupted ran|not-ran`",
                    row.version,
                )
            )
        elif row.is_partial:
            problems.append(
                _error(
                    "partial",
                    f"{row.version} ({row.script}) is partly applied ({row.progress_text}); "
                    "mend the file and run `sqlspec upgrade --resume`",
                    row.version,
                )
            )
        if row.version in renames:
            problems.append(
                _warning(
                    "renamed",
                    f"{row.version} ({row.script}) was applied under its timestamp and is now "
                    f"{renames[row.version].path.name}; `sqlspec upgrade` or `fix` updates the version table",
                    row.version,
                )
            )
            continue
        if row.version not in by_revision:
            problems.append(
                _error(
                    "missing-file",
                    f"{row.version} ({row.script}) is applied but no file has it; restore the file",
                    row.version,
                )
            )
            continue
        migration = migrations.get(row.version)
        if migration is None or row.is_partial:
            continue  # an unparsable file is reported already; a partial one is checked on resume
        if row.checksum_algorithm != CHECKSUM_ALGORITHM:
            problems.append(
                _warning(
                    "checksum-algorithm",
                    f"{row.version} was recorded with checksum {row.checksum_algorithm}; cannot compare it",
                    row.version,
                    migration.path,
                )
            )
        elif (
            row.checksum != migration.checksum
            and migration.path.name != row.script
            and migration.replaces_from is not None
        ):
            continue  # applied through the range's last original; the next run folds it into the squash
        elif row.checksum != migration.checksum and migration.path.name != row.script:
            problems.append(
                _error(
                    "renumbered",
                    f"{row.version} was applied as {row.script}, but {migration.path.name} has that revision "
                    "now: if two branches took one number, give the newer file the next number (the next "
                    "upgrade then moves this row to it)",
                    row.version,
                    migration.path,
                )
            )
        elif row.checksum != migration.checksum:
            problems.append(
                _error(
                    "drift",
                    f"{migration.path}: changed since it was applied on {row.applied_at:%Y-%m-%d}; "
                    "restore it from version control and put the change in a new migration",
                    row.version,
                    migration.path,
                )
            )
    recorded = {row.version for row in applied}
    problems.extend(
        _warning(
            "timestamp",
            f"{file.path}: timestamp revision pending; run `sqlspec fix` before merging",
            file.revision,
            file.path,
        )
        for file in files
        if not file.namespace and is_timestamp(file.revision) and file.revision not in recorded
    )
    return problems


def _strict_problems(
    files: Sequence[MigrationFile], applied: Sequence[AppliedMigration], renames: dict[str, Migration]
) -> list[Problem]:
    """What ``strict`` adds: every migration not applied, and timestamp files applied but not fixed.

    ``check`` itself warns only about pending timestamp files; a CI job that runs ``upgrade`` first
    would never see those, so here a timestamp name counts whether applied or not.
    """
    recorded = {row.version for row in applied} | {migration.revision for migration in renames.values()}
    problems: list[Problem] = []
    for file in files:
        if file.revision not in recorded:
            message = f"{file.path}: pending; the database is not at head, run `sqlspec upgrade`"
            problems.append(_warning("pending", message, file.revision, file.path))
        elif not file.namespace and is_timestamp(file.revision):
            message = f"{file.path}: applied under a timestamp revision; run `sqlspec fix` before merging"
            problems.append(_warning("timestamp", message, file.revision, file.path))
    return problems


async def _lint_problems(engine: MigrationEngine) -> list[Problem]:
    """``sqlspec lint``'s findings on the pending migrations, as check's problems.

    A ``no-downgrade`` finding is left out where check says so itself (a file without the
    section); without the lint extra on PostgreSQL, a note says so rather than failing the check.
    """
    from sqlspec.lint import LintUnavailableError, lint_migrations  # pglast only when linting

    pending = await engine.pending_migrations()
    try:
        findings = lint_migrations(pending, engine.dialect)
    except LintUnavailableError as error:
        return [_note("lint", f"not linted: {error}")]
    without_section = {migration.revision for migration in pending if not migration.has_downgrade}
    return [
        Problem(
            severity=finding.severity,
            code=finding.rule,
            message=f"{finding.path}:{finding.line}: {finding.rule}: {finding.message}; {finding.fix}",
            revision=finding.revision,
            path=finding.path,
        )
        for finding in findings
        if not (finding.rule == "no-downgrade" and finding.revision in without_section)
    ]


async def _schema_problems(engine: MigrationEngine) -> list[Problem]:
    """Each object that differs between the database and the schema snapshot file."""
    from sqlspec.schema import Snapshot, diff_snapshots

    path = engine.settings.schema_path
    try:
        committed = Snapshot.parse(path.read_text())
    except FileNotFoundError:
        return [
            _error("schema", f"{path}: no schema snapshot; write it with `sqlspec dump-schema`", path=path)
        ]
    except IsADirectoryError:
        return [
            _error("schema", f"{path}: is a folder; schema_file names the snapshot file itself", path=path)
        ]
    except UnicodeDecodeError:
        message = f"{path}: not a sqlspec schema snapshot (not UTF-8 text); write it with `dump-schema`"
        return [_error("schema", message, path=path)]
    except OSError as error:
        return [_error("schema", f"{path}: cannot read it: {error.strerror or error}", path=path)]
    except ValueError as error:
        return [_error("schema", f"{path}: {error}", path=path)]
    differences = diff_snapshots(committed, await engine.schema_snapshot())
    return [
        _error("schema-drift", difference.describe(f"in {path.name}", "in the database"), path=path)
        for difference in differences
    ]
