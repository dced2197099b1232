"""Hints added to a failed statement's message, for mistakes the database's own words do not name.

``?`` is SQLite's placeholder; PostgreSQL answers a statement holding one with a bare ``syntax error
at end of input`` (or ``at or near ","``), which says nothing about placeholders.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlspec.dialects import Dialect

__all__ = ("placeholder_hint",)

_SYNTAX_ERROR_SQLSTATE = "42601"
_MYSQL_PARSE_ERROR = 1064
# Quoted text and comments first, so a "?" inside them is skipped; group 2 is a bare "?".
_QUESTION_MARK = re.compile(
    r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|--[^\n]*|/\*.*?\*/|(\$\w*\$).*?\1|(\?)""", re.DOTALL
)


def _is_syntax_error(error: BaseException) -> bool:
    if getattr(error, "sqlstate", None) == _SYNTAX_ERROR_SQLSTATE:  # asyncpg
        return True
    return bool(error.args) and error.args[0] == _MYSQL_PARSE_ERROR  # asyncmy: (code, message)


def _first_question_mark(statement: str) -> int | None:
    for match in _QUESTION_MARK.finditer(statement):
        if match.group(2):
            return match.start(2)
    return None


def placeholder_hint(error: BaseException, statement: str | None, dialect: Dialect) -> str:
    """A hint when a syntax error comes from a ``?`` placeholder the database does not know, else ``""``.

    ``statement`` is the failed statement when the runner knows it; a driver that keeps the query on
    its error (asyncpg's ``query``) tells it for a Python migration's ``driver.execute`` too.
    """
    mark = dialect.placeholder(1)
    if mark == "?" or not _is_syntax_error(error):
        return ""
    query = getattr(error, "query", None)
    text = query if isinstance(query, str) else statement
    if not text:
        return ""
    found = _first_question_mark(text)
    if found is None:
        return ""
    try:  # the 1-based character where the server stopped reading: the "?" is before it
        position = int(getattr(error, "position", None) or 0)
    except (TypeError, ValueError):
        position = 0
    if position and found >= position:
        return ""
    second = dialect.placeholder(2)
    marks = f"{mark}, {second}, ..." if second != mark else mark
    return f"`?` is not a placeholder on {dialect}: write {marks} instead"
