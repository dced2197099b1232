"""The lint rules: what each one finds, why it matters and how to fix it, in one table.

The checkers in :mod:`sqlspec.lint._postgres` and :mod:`sqlspec.lint._tokens` name a rule by its id;
everything a user reads about it (severity, why, fix, its section in ``docs/lint.md``) is here.
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ("FILE_RULES", "RULES", "LintRule", "Severity")

Severity = Literal["error", "warning"]
"""``error``: the migration blocks or breaks production as written. ``warning``: it needs care."""

_ALL = ("postgres", "sqlite", "mysql")


class LintRule(msgspec.Struct, frozen=True, kw_only=True):
    """One hazard the linter looks for."""

    id: str
    severity: Severity
    dialects: tuple[str, ...]
    """The databases it applies to, by :attr:`~sqlspec.dialects.Dialect.name`."""
    title: str
    why: str
    """One line: what goes wrong in production."""
    fix: str
    """One line: what to write instead."""

    @property
    def docs(self) -> str:
        """Where the rule is explained, with a bad and a good example."""
        return f"docs/lint.md#{self.id}"


_CONCURRENT_FIX = (
    "build it with CREATE INDEX CONCURRENTLY in a migration of its own whose header says "
    "'-- transactional: false' (it cannot run in a transaction); a failed build leaves an INVALID "
    "index to drop before retrying"
)

_RULE_LIST = (
    LintRule(
        id="pg-index-not-concurrent",
        severity="error",
        dialects=("postgres",),
        title="Index built without CONCURRENTLY on an existing table",
        why="CREATE INDEX (and ADD PRIMARY KEY / UNIQUE, which build one) blocks every write to the "
        "table until the index is built: minutes on a large table",
        fix=_CONCURRENT_FIX
        + "; for a constraint, build the unique index that way, then ADD CONSTRAINT ... USING INDEX",
    ),
    LintRule(
        id="pg-add-column-not-null-without-default",
        severity="error",
        dialects=("postgres",),
        title="New NOT NULL column without a default",
        why="the existing rows have no value for it, so the ALTER fails on any table that has rows",
        fix="give it a constant DEFAULT (no rewrite since PostgreSQL 11), or add it nullable, "
        "backfill it, then make it NOT NULL (see pg-set-not-null)",
    ),
    LintRule(
        id="pg-volatile-default",
        severity="error",
        dialects=("postgres",),
        title="New column whose default differs per row",
        why="a volatile default (random(), gen_random_uuid(), clock_timestamp(), a serial or "
        "identity column, a stored generated column) rewrites the whole table under an ACCESS "
        "EXCLUSIVE lock; now() and CURRENT_TIMESTAMP are stable and do not",
        fix="add the column without a default (or with a constant one), backfill it in batches in "
        "later migrations, then ALTER COLUMN ... SET DEFAULT for new rows",
    ),
    LintRule(
        id="pg-column-type-rewrite",
        severity="error",
        dialects=("postgres",),
        title="ALTER COLUMN ... TYPE that rewrites the table",
        why="changing a column's type rewrites the table and rebuilds its indexes under an ACCESS "
        "EXCLUSIVE lock; only widening to varchar, varchar(n) or unconstrained numeric/text skips it",
        fix="add a column of the new type, backfill it in batches, move the code to it, then drop the "
        "old column in a later release",
    ),
    LintRule(
        id="pg-constraint-not-valid",
        severity="error",
        dialects=("postgres",),
        title="Foreign key or check constraint validated while locking",
        why="adding a FOREIGN KEY or CHECK constraint reads every row while holding a lock that blocks "
        "writes (on both tables for a foreign key)",
        fix="add it with NOT VALID (instant; new rows are checked), then ALTER TABLE ... VALIDATE "
        "CONSTRAINT in a later migration, which reads the rows without blocking writes",
    ),
    LintRule(
        id="pg-set-not-null",
        severity="error",
        dialects=("postgres",),
        title="SET NOT NULL without a validated check constraint",
        why="SET NOT NULL reads the whole table under an ACCESS EXCLUSIVE lock to prove no row is "
        "NULL, unless a validated CHECK (column IS NOT NULL) already proves it",
        fix="ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c in a later "
        "migration; then SET NOT NULL (no scan on PostgreSQL 12+) and DROP CONSTRAINT c",
    ),
    LintRule(
        id="drop-column-or-table",
        severity="warning",
        dialects=_ALL,
        title="Column or table dropped",
        why="the code running while the migration deploys may still read or write it, and fails the "
        "moment the migration commits",
        fix="first deploy code that no longer uses it (an ORM must stop selecting the column too), "
        "then drop it in a later migration, marked '-- sqlspec: allow drop-column-or-table'",
    ),
    LintRule(
        id="rename-column-or-table",
        severity="warning",
        dialects=_ALL,
        title="Column or table renamed",
        why="the code running while the migration deploys still uses the old name, and fails the "
        "moment the migration commits",
        fix="add the new column or table, write to both, backfill, move reads to the new one, then "
        "drop the old one in a later release (or keep a view under the old name meanwhile)",
    ),
    LintRule(
        id="pg-lock-timeout",
        severity="warning",
        dialects=("postgres",),
        title="Locking DDL without a lock_timeout",
        why="DDL waiting for its lock behind one long query makes every later query on the table "
        "queue behind it: an outage while nothing runs",
        fix="begin the migration with SET lock_timeout = '5s' (SET LOCAL in a transactional one), "
        "and run it again if it times out",
    ),
    LintRule(
        id="no-downgrade",
        severity="warning",
        dialects=_ALL,
        title="Migration without a downgrade",
        why="without one, 'sqlspec downgrade' cannot step back over it and the up/down/up test "
        "cannot check it",
        fix="add a '-- downgrade --' section (a Python migration: a downgrade(driver) function) "
        "that undoes the upgrade; if it cannot be undone, say so with an allow comment",
    ),
    LintRule(
        id="mixed-schema-and-data",
        severity="warning",
        dialects=("postgres", "mysql"),
        title="Schema change and large data change in one migration",
        why="a backfill (UPDATE or DELETE without WHERE, INSERT ... SELECT) next to DDL holds the "
        "DDL's locks, or leaves a half-done change, for as long as the whole table takes",
        fix="move the data change to a migration of its own, ideally '-- transactional: false' "
        "and in batches",
    ),
    LintRule(
        id="sqlite-unsupported-alter",
        severity="error",
        dialects=("sqlite",),
        title="ALTER TABLE that SQLite cannot do",
        why="SQLite's ALTER TABLE only renames, adds a plain column or drops one: ALTER COLUMN, "
        "ADD/DROP CONSTRAINT, several actions in one statement, or a new column with PRIMARY KEY, "
        "UNIQUE or a non-constant default fail",
        fix="rebuild the table (create the new shape, copy the rows, drop the old table, rename "
        "the new one; see sqlite-rebuild-foreign-keys)",
    ),
    LintRule(
        id="sqlite-add-column-not-null-without-default",
        severity="error",
        dialects=("sqlite",),
        title="New NOT NULL column without a default",
        why="SQLite refuses to add a NOT NULL column without a non-NULL default, even to an empty table",
        fix="give it a constant DEFAULT, or rebuild the table with the column",
    ),
    LintRule(
        id="sqlite-drop-column",
        severity="warning",
        dialects=("sqlite",),
        title="ALTER TABLE ... DROP COLUMN",
        why="DROP COLUMN needs SQLite 3.35 (2021), and fails when the column is indexed, part of a "
        "key, UNIQUE, a foreign key, or used by a view, trigger or generated column",
        fix="check the SQLite every deployment runs (sqlite3.sqlite_version) and drop the column's "
        "indexes first, or rebuild the table without the column",
    ),
    LintRule(
        id="sqlite-rebuild-foreign-keys",
        severity="error",
        dialects=("sqlite",),
        title="Table rebuild without PRAGMA foreign_keys handling",
        why="with foreign keys on, dropping the old table deletes or orphans the rows that reference "
        "it, and renaming the old table away repoints other tables' foreign keys at it",
        fix="in a '-- transactional: false' migration: PRAGMA foreign_keys = OFF; BEGIN; create the "
        "new table, copy, drop the old one, rename the new one; PRAGMA foreign_key_check; COMMIT; "
        "PRAGMA foreign_keys = ON",
    ),
    LintRule(
        id="pg-unparsable",
        severity="warning",
        dialects=("postgres",),
        title="Statement the PostgreSQL parser cannot read",
        why="the linter checks nothing in a statement it cannot parse; the server will most likely "
        "refuse it too",
        fix="correct the syntax (the message quotes the parser's error)",
    ),
    LintRule(
        id="unknown-allow",
        severity="warning",
        dialects=_ALL,
        title="Allow comment naming no rule",
        why="a misspelt rule id in '-- sqlspec: allow' allows nothing, so the finding it meant to "
        "silence stays",
        fix="use one of the rule ids listed in docs/lint.md",
    ),
)

RULES: dict[str, LintRule] = {rule.id: rule for rule in _RULE_LIST}
"""Every rule, by id, in the order the docs list them."""

FILE_RULES = frozenset({"no-downgrade", "mixed-schema-and-data"})
"""Rules about the migration as a whole: an allow comment anywhere in its file silences them."""
