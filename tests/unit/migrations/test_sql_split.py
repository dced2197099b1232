"""Splitting SQL into statements: golden cases, unterminated constructs and dialect differences.

Each folder under ``testdata/split`` is one golden case:

- ``input.sql``: the script, read as bytes so that CRLF line endings reach the splitter untouched;
- ``dialect`` (optional): ``postgres`` or ``sqlite``, else the ``generic`` dialect is used;
- ``expected.sql``: the statements in order, separated by a line that is exactly ``-- ;;``, with a
  final newline; an empty file means no statements.

``SQLSPEC_UPDATE_GOLDEN=1 pytest tests/unit/migrations/test_sql_split.py`` rewrites every
``expected.sql`` from the current output: review the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import pytest

from sqlspec.migrations.sql import SQLSplitError, split_statements

Dialect = Literal["postgres", "sqlite", "generic"]

GOLDEN = Path(__file__).parent / "testdata" / "split"
CASES = sorted(path.name for path in GOLDEN.iterdir() if path.is_dir())
SEPARATOR = "\n-- ;;\n"
UPDATE = os.environ.get("SQLSPEC_UPDATE_GOLDEN", "") == "1"


def _dialect(folder: Path) -> Dialect:
    path = folder / "dialect"
    name = path.read_text().strip() if path.exists() else "generic"
    if name == "postgres":
        return "postgres"
    if name == "sqlite":
        return "sqlite"
    if name == "generic":
        return "generic"
    raise ValueError(f"{path}: unknown dialect {name!r}")


def _render(statements: list[str]) -> str:
    for statement in statements:
        assert SEPARATOR.strip() not in statement.splitlines(), "a statement holds the separator line"
    return SEPARATOR.join(statements) + "\n" if statements else ""


def test_golden_cases_are_found() -> None:
    assert len(CASES) >= 15
    for name in CASES:
        assert (GOLDEN / name / "input.sql").is_file(), name


@pytest.mark.parametrize("name", CASES)
def test_golden(name: str) -> None:
    folder = GOLDEN / name
    script = (folder / "input.sql").read_bytes().decode("utf-8")
    actual = _render(split_statements(script, _dialect(folder)))
    expected_path = folder / "expected.sql"
    if UPDATE:
        expected_path.write_bytes(actual.encode("utf-8"))
    assert expected_path.exists(), f"{expected_path} is missing; run with SQLSPEC_UPDATE_GOLDEN=1"
    assert actual == expected_path.read_bytes().decode("utf-8")


def test_crlf_golden_input_really_has_crlf() -> None:
    # Guards the CRLF case against an editor or a git setting that rewrote its line endings.
    assert b"\r\n" in (GOLDEN / "crlf_input" / "input.sql").read_bytes()


def test_crlf_inside_a_statement_is_kept_and_none_leaks_around_it() -> None:
    script = "CREATE TABLE t (\r\n    id int\r\n);\r\n-- c\r\nSELECT 1\r\n;\r\n"
    assert split_statements(script) == ["CREATE TABLE t (\r\n    id int\r\n)", "SELECT 1"]


@pytest.mark.parametrize(
    ("script", "dialect", "line", "what"),
    [
        ("SELECT 'abc", "generic", 1, "unterminated string"),
        ("SELECT 'a\n''b", "generic", 1, "unterminated string"),
        ("SELECT 1;\n\nSELECT 'a;\nb;", "generic", 3, "unterminated string"),
        ('SELECT 1;\nSELECT "a;b FROM t;', "generic", 2, "unterminated quoted identifier"),
        ("SELECT 1;\nSELECT `a FROM t;", "sqlite", 2, "unterminated quoted identifier"),
        ("SELECT 1;\n\n\nSELECT [a FROM t;", "sqlite", 4, "unterminated quoted identifier"),
        ("SELECT 1;\n/* no end;\nSELECT 2;", "generic", 2, "unterminated /* comment"),
        ("SELECT 1;\n/* a /* b */\nSELECT 2;", "postgres", 2, "unterminated /* comment"),
        ("SELECT 1;\nSELECT $$ body;\n", "postgres", 2, "unterminated dollar-quoted string $$"),
        ("DO $a$\nBEGIN\nNULL;\nEND\n$b$;", "postgres", 1, "unterminated dollar-quoted string $a$"),
        ("SELECT E'it\\';\nSELECT 1;", "postgres", 1, "unterminated string"),
        ("SELECT 1;\r\nSELECT 2;\r\nSELECT 'x", "generic", 3, "unterminated string"),
    ],
)
def test_unterminated_constructs_raise_with_their_starting_line(
    script: str, dialect: Dialect, line: int, what: str
) -> None:
    with pytest.raises(SQLSplitError) as caught:
        split_statements(script, dialect)
    assert caught.value.line == line
    assert caught.value.message == what
    assert str(caught.value) == f"line {line}: {what}"


def test_split_error_is_a_value_error() -> None:
    error = SQLSplitError("unterminated string", 7)
    assert isinstance(error, ValueError)
    assert (error.message, error.line) == ("unterminated string", 7)


@pytest.mark.parametrize(
    ("script", "dialect", "expected"),
    [
        # A backslash escapes only in PostgreSQL E-strings; elsewhere it is an ordinary character.
        ("SELECT 'a\\';SELECT 2", "generic", ["SELECT 'a\\'", "SELECT 2"]),
        ("SELECT 'a\\';SELECT 2", "sqlite", ["SELECT 'a\\'", "SELECT 2"]),
        ("SELECT E'a\\';SELECT 2'", "postgres", ["SELECT E'a\\';SELECT 2'"]),
        ("SELECT name'a\\';SELECT 2", "postgres", ["SELECT name'a\\'", "SELECT 2"]),
        # Brackets quote identifiers only in SQLite, backticks everywhere but in PostgreSQL.
        ("SELECT [a;b]", "sqlite", ["SELECT [a;b]"]),
        ("SELECT a[1];SELECT b[2]", "postgres", ["SELECT a[1]", "SELECT b[2]"]),
        ("SELECT `a;b`", "generic", ["SELECT `a;b`"]),
        ("SELECT `a;b`", "postgres", ["SELECT `a", "b`"]),
        # PostgreSQL nests block comments, SQLite and the generic dialect do not.
        ("/* /* */ SELECT 1; */ SELECT 2", "postgres", ["SELECT 2"]),
        ("/* /* */ SELECT 1; SELECT 2", "sqlite", ["SELECT 1", "SELECT 2"]),
        ("/* /* */ SELECT 1; SELECT 2", "generic", ["SELECT 1", "SELECT 2"]),
        # SQLite has no dollar quotes ($name is a parameter there).
        ("SELECT $$a;b$$", "sqlite", ["SELECT $$a", "b$$"]),
        ("SELECT $$a;b$$", "generic", ["SELECT $$a;b$$"]),
        ("SELECT $1;SELECT $2", "postgres", ["SELECT $1", "SELECT $2"]),
        ("SELECT $1$;SELECT $1$", "postgres", ["SELECT $1$", "SELECT $1$"]),
        ("SELECT 1;;;SELECT 2;", "generic", ["SELECT 1", "SELECT 2"]),
        ("--only a comment", "generic", []),
        ("SELECT 1 -- no newline at the end", "generic", ["SELECT 1"]),
        ("  \n\t ", "generic", []),
    ],
)
def test_dialect_rules(script: str, dialect: Dialect, expected: list[str]) -> None:
    assert split_statements(script, dialect) == expected


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        # BEGIN opens a block only in CREATE [TEMP|TEMPORARY] TRIGGER or as BEGIN ATOMIC.
        ("BEGIN; SELECT 1; END;", ["BEGIN", "SELECT 1", "END"]),
        (
            "CREATE TABLE t (trigger_at int); BEGIN; COMMIT",
            ["CREATE TABLE t (trigger_at int)", "BEGIN", "COMMIT"],
        ),
        ("CREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END; SELECT 2", None),
        ("Create Trigger t After Insert On x Begin Select 1; End; Select 2", None),
        (
            "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT CASE WHEN 1 THEN CASE 2 END END; SELECT 1; END;"
            " SELECT 2",
            None,
        ),
        (
            "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 'END;'; /* END; */ SELECT \"END\"; END;"
            " SELECT 2",
            None,
        ),
        ("CREATE FUNCTION f() RETURNS int BEGIN /* c */ ATOMIC SELECT 1; END; SELECT 2", None),
        # A keyword after '.' is a qualified name: new.end does not close the trigger.
        ("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT new.end; SELECT 1; END; SELECT 2", None),
        # A missing END leaves the block open to the end of the script; the database reports it.
        (
            "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; SELECT 2;",
            ["CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; SELECT 2;"],
        ),
    ],
)
def test_block_bodies(script: str, expected: list[str] | None) -> None:
    if expected is None:  # a block statement, then "SELECT 2"
        head, _, tail = script.rpartition(";")
        expected = [head, tail.strip()]
    for dialect in ("postgres", "sqlite", "generic"):
        assert split_statements(script, dialect) == expected, dialect


def test_thousands_of_statements() -> None:
    unit = "INSERT INTO t VALUES (1, 'a;b', \"c;d\"); -- note;\nCREATE FUNCTION f() AS $$ x; $$;\n"
    statements = split_statements(unit * 20_000, "postgres")
    assert len(statements) == 40_000
    assert statements[-1] == "CREATE FUNCTION f() AS $$ x; $$"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        # A rule's parenthesised command list is one statement, after DO, DO ALSO or DO INSTEAD.
        (
            "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)); x",
            None,
        ),
        (
            "create or replace rule r as on update to t where (x > 0) do instead (update a; delete b;); y",
            None,
        ),
        # Parentheses inside strings, identifiers and comments are not counted.
        ("CREATE RULE r AS ON DELETE TO t DO (SELECT ')'; /* ) */ SELECT \"(\"); SELECT 2", None),
        ("CREATE RULE r AS ON DELETE TO t DO INSTEAD NOTHING; SELECT 2", None),
        # Only a rule's parentheses hide ';': elsewhere the database reports the broken statement.
        ("SELECT (1; SELECT 2)", ["SELECT (1", "SELECT 2)"]),
        ("CREATE TABLE rule (id int); SELECT (1; 2)", ["CREATE TABLE rule (id int)", "SELECT (1", "2)"]),
    ],
)
def test_rule_command_lists(script: str, expected: list[str] | None) -> None:
    if expected is None:  # a rule, then one more statement
        head, _, tail = script.rpartition(";")
        expected = [head, tail.strip()]
    for dialect in ("postgres", "sqlite", "generic"):
        assert split_statements(script, dialect) == expected, dialect


def test_megabytes_of_e_string_escapes_split_in_one_pass() -> None:
    # Every backslash used to send the lexer looking for the closing quote again from just past it:
    # this input then took minutes (the suite would visibly hang); read once, it takes milliseconds.
    big = "INSERT INTO blobs VALUES (E'" + "\\\\\\n;" * 1_500_000 + "')"
    body = "\\n" * 500
    small = [f"INSERT INTO t VALUES ({k}, E'it\\'s; {body}')" for k in range(2_000)]
    script = ";\n".join([big, *small, "SELECT 1"]) + ";\n"
    assert len(script) > 9_000_000
    statements = split_statements(script, "postgres")
    assert len(statements) == 2_002
    assert statements == [big, *small, "SELECT 1"]
