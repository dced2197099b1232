"""A migration's upgrade as the linter reads it: statements with their file lines, and opt-outs.

The statements are the ones the engine will run (the dialect's own splitter), each placed on the
line of the file where it starts. Opt-outs are ``-- sqlspec: allow <rule-id>[, <rule-id>...]``
comments (``#`` in a Python migration), with any reason after the ids:

- in the header, above ``-- upgrade --``: for the whole file;
- in the upgrade section: for the statement the comment sits in or ends the line of, else for the
  next statement;
- anywhere in the file, for the rules about the migration as a whole (``no-downgrade``,
  ``mixed-schema-and-data``), and in a Python migration for its one rule.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path
from typing import NamedTuple

from sqlspec.dialects import Dialect
from sqlspec.migrations.files import Migration
from sqlspec.migrations.sql import SQLSplitError

__all__ = ("ALLOW_COMMENT", "Allow", "Statement", "UpgradeSource", "read_upgrade")

ALLOW_COMMENT = re.compile(
    r"(?:--|#)[ \t]*sqlspec:[ \t]*allow[ \t]+(?P<ids>[A-Za-z0-9_-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_-]+)*)",
    re.IGNORECASE,
)


class Allow(NamedTuple):
    """One rule id named by an opt-out comment, and the file line of the comment."""

    rule: str
    line: int


class Statement(NamedTuple):
    """One statement of an upgrade section, as it will run."""

    text: str
    line: int
    """The file line of its first token."""
    end_line: int
    """The file line of its last token."""


class UpgradeSource(NamedTuple):
    """What the rules read of one migration."""

    statements: list[Statement]
    statement_allows: list[frozenset[str]]
    """Per statement, the rules its opt-out comments (and the header's) silence."""
    file_allows: frozenset[str]
    """The rules silenced by any opt-out comment of the file, for the whole-migration rules."""
    allows: list[Allow]
    """Every opt-out, to report ids that name no rule."""
    split_error: SQLSplitError | None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):  # parse() read it a moment ago; a vanished file has no opt-outs
        return ""


def _allows(text: str, first_line: int) -> list[Allow]:
    found: list[Allow] = []
    starts = _line_starts(text)
    for match in ALLOW_COMMENT.finditer(text):
        line = first_line + bisect.bisect_right(starts, match.start()) - 1
        found.extend(Allow(rule.strip().lower(), line) for rule in match["ids"].split(","))
    return found


def _line_starts(text: str) -> list[int]:
    return [0, *(match.end() for match in re.finditer(r"\n", text))]


def _locate(section: str, statements: list[str], first_line: int) -> list[Statement]:
    """Place each statement, in order, at the lines of ``section`` it spans.

    The splitter returns each statement as an exact slice of ``section``; an occurrence inside a
    line comment (``-- DROP TABLE x`` above ``DROP TABLE x``) is skipped.
    """
    starts = _line_starts(section)
    placed: list[Statement] = []
    position = 0
    for text in statements:
        found = section.find(text, position)
        while found >= 0:
            line_start = section.rfind("\n", 0, found) + 1
            prefix = section[line_start:found]
            if "--" not in prefix and "#" not in prefix:
                break
            found = section.find(text, found + 1)
        if found < 0:  # not a slice (cannot happen with the splitters we have): keep the order
            found = position
        end = found + len(text)
        placed.append(
            Statement(
                text,
                first_line + bisect.bisect_right(starts, found) - 1,
                first_line + bisect.bisect_right(starts, max(end - 1, found)) - 1,
            )
        )
        position = end
    return placed


def read_upgrade(migration: Migration, dialect: Dialect) -> UpgradeSource:
    """The statements and opt-outs of a migration's upgrade; a Python migration has opt-outs only."""
    text = _read(migration.path)
    if migration.kind != "sql":
        allows = _allows(text, 1)
        return UpgradeSource([], [], frozenset(a.rule for a in allows), allows, None)
    marker = migration.section_lines[0]
    header = "\n".join(text.splitlines()[: max(marker - 1, 0)])
    header_allows = _allows(header, 1)
    section = migration.upgrade_sql or ""
    body_allows = _allows(section, marker + 1)
    downgrade_allows = _allows(migration.downgrade_sql or "", migration.section_lines[1] + 1)
    split_error = None
    try:
        statements = _locate(section, dialect.split(section), marker + 1)
    except SQLSplitError as error:
        statements, split_error = [], error
    file_wide = frozenset(allow.rule for allow in header_allows)
    per_statement = [set(file_wide) for _ in statements]
    ends = [statement.end_line for statement in statements]
    for allow in body_allows:
        index = bisect.bisect_left(ends, allow.line)  # the first statement ending on or after it
        if index < len(statements):
            per_statement[index].add(allow.rule)
    every = [*header_allows, *body_allows, *downgrade_allows]
    return UpgradeSource(
        statements,
        [frozenset(rules) for rules in per_statement],
        frozenset(allow.rule for allow in every),
        every,
        split_error,
    )
