"""Run the rules over migrations, apply the opt-outs, and report findings for people and programs."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from sqlspec.exceptions import SQLSpecError
from sqlspec.lint._rules import FILE_RULES, RULES, Severity
from sqlspec.lint._source import Statement, UpgradeSource, read_upgrade
from sqlspec.lint._state import Hit, RunState
from sqlspec.migrations.files import Migration
from sqlspec.migrations.sql import SQLSplitError
from sqlspec.migrations.statements import statement_preview

if TYPE_CHECKING:
    from sqlspec.config import DatabaseConfig
    from sqlspec.dialects import Dialect

__all__ = (
    "EXTRA",
    "Finding",
    "LintUnavailableError",
    "exit_code",
    "format_finding",
    "lint_migrations",
    "lint_pending",
    "to_builtins",
    "to_json",
)

EXTRA = "sqlspec-migrations[lint]"
"""What to install for the PostgreSQL rules."""

_Checker = Callable[[Migration, Sequence[Statement], RunState], list[Hit]]


class LintUnavailableError(SQLSpecError):
    """The PostgreSQL rules need pglast, which is an optional extra."""

    def __init__(self) -> None:
        super().__init__(f"linting PostgreSQL migrations needs pglast: pip install '{EXTRA}'")


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """One hazard in one migration; ``msgspec.to_builtins`` gives its JSON shape."""

    rule: str
    """The rule's id, as named in ``docs/lint.md`` and in ``-- sqlspec: allow <rule>``."""
    severity: Severity
    message: str
    """What this statement does, naming its table and column."""
    revision: str
    path: str
    line: int
    """The line of the file where the statement starts (1-based)."""
    why: str
    fix: str
    statement: str = ""
    """The statement on one line, shortened; empty for a finding about the whole migration."""


def _postgres() -> _Checker:
    try:
        from sqlspec.lint import _postgres
    except ImportError as error:
        if (error.name or "").partition(".")[0] == "pglast":
            raise LintUnavailableError from None
        raise
    return _postgres.check


def _checker(dialect: Dialect) -> _Checker | None:
    if dialect.name == "postgres":
        return _postgres()
    if dialect.name in {"sqlite", "mysql"}:
        from sqlspec.lint import _tokens

        return lambda migration, statements, state: _tokens.check(migration, statements, state, dialect)
    return None  # a database without rules of its own gets the rules about the migration as a whole


def _downgrade_hit(migration: Migration, source: UpgradeSource, dialect: Dialect) -> Hit | None:
    if not migration.has_downgrade:
        what = "downgrade(driver) function" if migration.kind == "py" else "'-- downgrade --' section"
        return Hit("no-downgrade", -1, f"the migration has no {what}")
    if migration.kind == "sql" and source.statements:
        try:
            empty = not dialect.split(migration.downgrade_sql or "")
        except SQLSplitError:
            return None
        if empty:
            return Hit("no-downgrade", -1, "the '-- downgrade --' section is empty")
    return None


def _finding(migration: Migration, source: UpgradeSource, hit: Hit) -> Finding:
    rule = RULES[hit.rule]
    if hit.statement >= 0:
        statement = source.statements[hit.statement]
        line, text = statement.line, statement_preview(statement.text)
    else:
        line, text = (migration.section_lines[0] or 1), ""
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        message=hit.message,
        revision=migration.revision,
        path=str(migration.path),
        line=line,
        why=rule.why,
        fix=rule.fix,
        statement=text,
    )


def _allowed(source: UpgradeSource, hit: Hit) -> bool:
    if hit.rule in FILE_RULES and hit.rule in source.file_allows:
        return True
    return hit.statement >= 0 and hit.rule in source.statement_allows[hit.statement]


def lint_migrations(
    migrations: Sequence[Migration],
    dialect: Dialect,
    *,
    existing_tables: Collection[str] | None = None,
) -> list[Finding]:
    """The hazards in ``migrations``, read as one run in the given order (pending ones, oldest first).

    Only upgrade sections are read: they are what runs against production. A table created by an
    earlier statement or migration of the run counts as new (empty, unused), so indexing it or
    adding a NOT NULL column to it is fine. ``existing_tables``: the tables the database holds, when
    known; by default every other table is taken to exist and to hold rows. A Python migration is
    checked for a downgrade only: its SQL is built at run time. A section that does not split is
    skipped (``check`` and ``upgrade`` report it). Findings come in migration order, then by line.

    Raises :class:`LintUnavailableError` for PostgreSQL without pglast installed.
    """
    checker = _checker(dialect)
    state = RunState(existing_tables)
    findings: list[Finding] = []
    for migration in migrations:
        source = read_upgrade(migration, dialect)
        hits: list[Hit] = []
        if checker is not None and migration.kind == "sql" and source.split_error is None:
            hits.extend(checker(migration, source.statements, state))
        if (missing := _downgrade_hit(migration, source, dialect)) is not None:
            hits.append(missing)
        found = [_finding(migration, source, hit) for hit in hits if not _allowed(source, hit)]
        found.extend(
            Finding(
                rule="unknown-allow",
                severity=RULES["unknown-allow"].severity,
                message=f"'-- sqlspec: allow {allow.rule}' names no rule",
                revision=migration.revision,
                path=str(migration.path),
                line=allow.line,
                why=RULES["unknown-allow"].why,
                fix=RULES["unknown-allow"].fix,
            )
            for allow in source.allows
            if allow.rule not in RULES
        )
        findings.extend(sorted(found, key=lambda finding: finding.line))
    return findings


async def lint_pending(
    config: DatabaseConfig,
    revision: str = "head",
    *,
    existing_tables: Collection[str] | None = None,
) -> list[Finding]:
    """The hazards in what ``migrate_up(revision)`` would apply to ``config``'s database.

    Reads the database's history (as ``pending_migrations`` does) and nothing else; works for sync
    and async configs alike. Raises what ``pending_migrations`` raises, and
    :class:`LintUnavailableError` for PostgreSQL without pglast.
    """
    engine = config.migration_engine()
    _checker(engine.dialect)  # before connecting: a missing extra is the first thing to say
    migrations = await engine.pending_migrations(revision)
    return lint_migrations(migrations, engine.dialect, existing_tables=existing_tables)


def format_finding(finding: Finding, *, fix: bool = True) -> str:
    """One line for a terminal: ``path:line: severity rule-id: message; fix`` (``fix=False``: no fix)."""
    where = f"{finding.path}:{finding.line}: {finding.severity} {finding.rule}: {finding.message}"
    return f"{where}; {finding.fix}" if fix else where


def to_builtins(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """The findings as plain dicts, for a JSON document that holds more than them."""
    result: list[dict[str, Any]] = msgspec.to_builtins(findings)
    return result


def to_json(findings: Sequence[Finding]) -> bytes:
    """The findings as a JSON array, one object per finding (the fields of :class:`Finding`)."""
    return msgspec.json.encode(findings)


def exit_code(findings: Sequence[Finding], *, strict: bool = False) -> int:
    """1 when an error was found (or, ``strict``, any finding), else 0."""
    if strict:
        return 1 if findings else 0
    return 1 if any(finding.severity == "error" for finding in findings) else 0
