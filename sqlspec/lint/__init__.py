"""Find hazards in migrations before they run: ``sqlspec lint``, and ``check`` on pending migrations.

PostgreSQL migrations are read with PostgreSQL's own parser (pglast, the ``lint`` extra), imported
only when one is linted; SQLite and MySQL migrations are read from the engine's split statements.
Every rule, with a bad and a good example, is in ``docs/lint.md``; :data:`RULES` holds the same
table for programs. A file opts out of a rule with ``-- sqlspec: allow <rule-id>``.
"""

from sqlspec.lint._rules import RULES, LintRule, Severity
from sqlspec.lint._runner import (
    EXTRA,
    Finding,
    LintUnavailableError,
    exit_code,
    format_finding,
    lint_migrations,
    lint_pending,
    to_builtins,
    to_json,
)

__all__ = (
    "EXTRA",
    "RULES",
    "Finding",
    "LintRule",
    "LintUnavailableError",
    "Severity",
    "exit_code",
    "format_finding",
    "lint_migrations",
    "lint_pending",
    "to_builtins",
    "to_json",
)
