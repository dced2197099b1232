"""The ``?`` hint: only for a syntax error, only for a ``?`` outside quotes and comments, before the
point where the server stopped reading. The errors here are the shapes asyncpg and asyncmy raise; the
real servers are in test_terminal.py."""

from __future__ import annotations

import pytest

from sqlspec.dialects.mysql import MYSQL
from sqlspec.dialects.postgres import POSTGRES
from sqlspec.dialects.sqlite import SQLITE
from sqlspec.migrations.hints import placeholder_hint


class PostgresLikeError(Exception):
    """What asyncpg's errors carry: the SQLSTATE, the query, the 1-based position."""

    def __init__(self, sqlstate: str, query: str | None = None, position: str | None = None) -> None:
        super().__init__("syntax error")
        self.sqlstate = sqlstate
        self.query = query
        self.position = position


@pytest.mark.parametrize(
    ("statement", "position", "hinted"),
    [
        ("INSERT INTO t (a) VALUES (?)", "28", True),
        ("SELECT * FROM t WHERE a = ?", "28", True),
        ("SELECT '?' FROM t WHERE", "24", False),  # in a string
        ("SELECT 1 -- ?\nFROM WHERE", "20", False),  # in a comment
        ('SELECT "a?" FROM', "17", False),  # in an identifier
        ("SELECT $$?$$ FROM", "14", False),  # in a dollar-quoted body
        ("SELECT 1 FROM WHERE b ? 'k'", "15", False),  # a jsonb ? after the fault is not it
    ],
)
def test_postgres(statement: str, position: str, hinted: bool) -> None:
    hint = placeholder_hint(PostgresLikeError("42601", position=position), statement, POSTGRES)
    assert bool(hint) is hinted
    if hinted:
        assert hint == "`?` is not a placeholder on postgres: write $1, $2, ... instead"


def test_the_query_on_the_error_is_used_when_the_runner_has_no_statement() -> None:
    error = PostgresLikeError("42601", query="INSERT INTO t VALUES (?)", position="24")
    assert "$1" in placeholder_hint(error, None, POSTGRES)


def test_only_a_syntax_error_gets_it() -> None:
    assert placeholder_hint(PostgresLikeError("42P01"), "SELECT * FROM t WHERE a = ?", POSTGRES) == ""


def test_mysql_and_sqlite() -> None:
    parse_error = Exception(1064, "You have an error in your SQL syntax ... near '?)'")
    assert placeholder_hint(parse_error, "INSERT INTO t VALUES (?)", MYSQL) == (
        "`?` is not a placeholder on mysql: write %s instead"
    )
    assert placeholder_hint(parse_error, "INSERT INTO t VALUES (?)", SQLITE) == ""  # ? is SQLite's own
