"""Statements a database refuses to run inside a transaction block.

A transactional migration holding one would fail only when it runs, after the migrations before it
were applied; finding it while planning turns that into a clear error before anything runs, with
the fix (``-- transactional: false``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ("first_autocommit_statement",)

_LEADING_COMMENTS = re.compile(r"^(?:\s+|--[^\n]*\n?|/\*.*?\*/)*", re.DOTALL)
_RULES: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    "postgres": (
        ("CREATE INDEX CONCURRENTLY", re.compile(r"CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\b", re.I)),
        ("DROP INDEX CONCURRENTLY", re.compile(r"DROP\s+INDEX\s+CONCURRENTLY\b", re.I)),
        ("REINDEX ... CONCURRENTLY", re.compile(r"REINDEX\b[^;]*\bCONCURRENTLY\b", re.I)),
        (
            "DETACH PARTITION ... CONCURRENTLY",
            re.compile(r"ALTER\s+TABLE\b[^;]*\bDETACH\s+PARTITION\b[^;]*\bCONCURRENTLY\b", re.I),
        ),
        ("VACUUM", re.compile(r"VACUUM\b", re.I)),
        ("CREATE DATABASE", re.compile(r"CREATE\s+DATABASE\b", re.I)),
        ("DROP DATABASE", re.compile(r"DROP\s+DATABASE\b", re.I)),
        ("CREATE/DROP TABLESPACE", re.compile(r"(CREATE|DROP)\s+TABLESPACE\b", re.I)),
        ("ALTER SYSTEM", re.compile(r"ALTER\s+SYSTEM\b", re.I)),
    ),
    "sqlite": (("VACUUM", re.compile(r"VACUUM\b", re.I)),),
}


def first_autocommit_statement(statements: Sequence[str], dialect: str) -> tuple[int, str] | None:
    """The 1-based number and kind of the first statement that cannot run in a transaction, if any."""
    rules = _RULES.get(dialect, ())
    for number, statement in enumerate(statements, start=1):
        text = _LEADING_COMMENTS.sub("", statement, count=1)
        for kind, pattern in rules:
            if pattern.match(text):
                return number, kind
    return None
