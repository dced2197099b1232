"""Splitting SQL into statements: golden cases, unterminated constructs and dialect differences.

Each folder under ``testdata/split`` is one golden case:

- ``input.sql``: the script, read as bytes so that CRLF line endings reach the splitter untouched;
- ``dialect`` (optional): ``postgres``, ``sqlite`` or ``mysql``, else the ``generic`` dialect is used;
- ``expected.sql``: the statements in order, separated by a line that is exactly ``-- ;;``, with a
  final newline; an empty file means no statements.

``SQLSPEC_UPDATE_GOLDEN=1 pytest tests/unit/migrations/test_sql_split.py`` rewrites every
``expected.sql`` from the current output: review the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sqlspec.migrations.sql import Lexer, SQLSplitError, split_statements, unwrap_code_comments

Dialect = Lexer
DIALECTS: dict[str, Dialect] = {
    "postgres": "postgres",
    "sqlite": "sqlite",
    "generic": "generic",
    "mysql": "mysql",
}

GOLDEN = Path(__file__).parent / "testdata" / "split"
CASES = sorted(path.name for path in GOLDEN.iterdir() if path.is_dir())
SEPARATOR = "\n-- ;;\n"
UPDATE = os.environ.get("SQLSPEC_UPDATE_GOLDEN", "") == "1"


def _dialect(folder: Path) -> Dialect:
    path = folder / "dialect"
    name = path.read_text().strip() if path.exists() else "generic"
    if name not in DIALECTS:
        raise ValueError(f"{path}: unknown dialect {name!r}")
    return DIALECTS[name]


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
        # MySQL: a backslash escapes the closing quote, double quotes make strings, /*! */ is code.
        ("SELECT 'it\\';\nSELECT 1;", "mysql", 1, "unterminated string"),
        ('SELECT 1;\nSELECT "a\\";', "mysql", 2, "unterminated string"),
        ("SELECT 1;\nSELECT `a;", "mysql", 2, "unterminated quoted identifier"),
        ("SELECT 1; # '\nSELECT 'a;", "mysql", 2, "unterminated string"),
        ("SELECT 1;\n/*!40101 SET NAMES utf8mb4 ;\n", "mysql", 2, "unterminated /* comment"),
        ("DELIMITER //\nSELECT 1 //\nSELECT '//", "mysql", 3, "unterminated string"),
        # A block never closed would swallow the rest of the file.
        ("SELECT 1;\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n", "mysql", 3, "BEGIN without a matching END"),
        (
            "CREATE PROCEDURE p() BEGIN\n  IF x THEN SELECT 1;\nEND;\nSELECT 2;",
            "mysql",
            1,
            "BEGIN without a matching END",
        ),
        (
            "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW\nIF NEW.a THEN SET NEW.b = 1;",
            "mysql",
            2,
            "IF without a matching END IF",
        ),
        ("SELECT 1;\nWHILE 1 DO\n  SELECT 1;\n", "mysql", 2, "WHILE without a matching END WHILE"),
        ("CREATE PROCEDURE p() BEGIN SELECT 1;\nDELIMITER ;\n", "mysql", 1, "BEGIN without a matching END"),
        # DELIMITER lines the mysql client would misread, or send to the server as SQL.
        (
            "SELECT 1;\nDELIMITER\nSELECT 2;",
            "mysql",
            2,
            "DELIMITER without a delimiter after it; write e.g. DELIMITER // before the block and "
            "DELIMITER ; after it",
        ),
        (
            "DELIMITER \\\n",
            "mysql",
            1,
            "DELIMITER \\: a delimiter cannot hold a quote or a backslash; use e.g. // or $$",
        ),
        (
            "DELIMITER '//'\n",
            "mysql",
            1,
            "DELIMITER '//': a delimiter cannot hold a quote or a backslash; use e.g. // or $$",
        ),
        (
            "\n\ndelimiter GO\n",
            "mysql",
            3,
            "DELIMITER GO: a delimiter holding letters or digits would also end statements inside names "
            "that hold it; use e.g. // or $$",
        ),
        (
            "DELIMITER // CREATE PROCEDURE p()\n",
            "mysql",
            1,
            "DELIMITER // followed by 'CREATE PROCEDURE p()'; a DELIMITER line holds the delimiter alone "
            "(and perhaps a comment)",
        ),
        (
            "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END;\nDELIMITER ;\nSELECT 2;",
            "mysql",
            3,
            "DELIMITER ; inside the statement that starts on line 2; end that statement with // first",
        ),
        (
            "SELECT 1; DELIMITER //\n",
            "mysql",
            1,
            "DELIMITER must start its line; the mysql client reads it nowhere else",
        ),
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


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        # MySQL strings take backslash escapes; double quotes make strings; '$' is a letter.
        ("SELECT 'a\\';SELECT 2'", ["SELECT 'a\\';SELECT 2'"]),
        ("SELECT 'a\\\\';SELECT 2", ["SELECT 'a\\\\'", "SELECT 2"]),
        ('SELECT "a;b", "c\\";d"', ['SELECT "a;b", "c\\";d"']),
        ("SELECT `a;b`", ["SELECT `a;b`"]),
        ("SELECT [a;b]", ["SELECT [a", "b]"]),
        ("SELECT $$a;b$$", ["SELECT $$a", "b$$"]),
        ("SELECT E'a\\';SELECT 2'", ["SELECT E'a\\';SELECT 2'"]),
        # '#' and '-- ' start comments; '--' before anything but a blank is two minuses.
        ("SELECT 1 # c;\n;SELECT 2", ["SELECT 1", "SELECT 2"]),
        ("SELECT 1; -- c;\n--\tc;\n--\nSELECT 2--", ["SELECT 1", "SELECT 2"]),
        ("SELECT 1--1;SELECT 2 --x", ["SELECT 1--1", "SELECT 2 --x"]),
        ("SELECT 1--;SELECT 2", ["SELECT 1--", "SELECT 2"]),
        ("SELECT 1 -- c\r\n;", ["SELECT 1"]),
        # Block comments do not nest; /*! */ and /*M! */ are code, kept even alone, ';' inside.
        ("/* /* */ SELECT 1; SELECT 2", ["SELECT 1", "SELECT 2"]),
        ("/* c; */; # c\n; -- c\n;", []),
        ("/*!40101 SET NAMES utf8 */;/* c */;", ["/*!40101 SET NAMES utf8 */"]),
        ("/*M!100616 SET NOTE_VERBOSITY=0 */ ;", ["/*M!100616 SET NOTE_VERBOSITY=0 */"]),
        ("SELECT 1 /*! , 2; */;SELECT 3 /* c */", ["SELECT 1 /*! , 2; */", "SELECT 3"]),
        (
            "/*!50003 CREATE*/ /*!50003 TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a = 1; END */;",
            None,
        ),
        # BEGIN outside a routine starts a transaction; begin and end are also names.
        (
            "BEGIN; SELECT 1; COMMIT; BEGIN WORK; ROLLBACK",
            ["BEGIN", "SELECT 1", "COMMIT", "BEGIN WORK", "ROLLBACK"],
        ),
        ("SELECT begin, end FROM t; SELECT 2", ["SELECT begin, end FROM t", "SELECT 2"]),
    ],
)
def test_mysql_rules(script: str, expected: list[str] | None) -> None:
    assert split_statements(script, "mysql") == (expected if expected is not None else [script[:-1]])


@pytest.mark.parametrize(
    "block",
    [
        "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END",
        "create definer = `u`@`%` procedure p(in a int) begin select a; end",
        "CREATE DEFINER='u'@'localhost' FUNCTION f() RETURNS INT DETERMINISTIC BEGIN RETURN 1; END",
        "CREATE DEFINER=u@127.0.0.1 PROCEDURE p() BEGIN DO 1; END",
        "CREATE DEFINER=CURRENT_USER() PROCEDURE p() BEGIN DO 1; END",
        "CREATE DEFINER = CURRENT_USER EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN DO 1; END",
        "CREATE OR REPLACE AGGREGATE FUNCTION f(x INT) RETURNS INT BEGIN RETURN x; END",
        "CREATE PROCEDURE IF NOT EXISTS p() BEGIN DROP TABLE IF EXISTS t; END",
        "CREATE /*!50017 DEFINER=`u`@`%` */ TRIGGER t AFTER INSERT ON x FOR EACH ROW BEGIN DO 1; END",
        "ALTER EVENT e DO BEGIN DELETE FROM t; END",
        # Nested blocks, labels, and the END that closes each.
        "CREATE PROCEDURE p() a: BEGIN b: BEGIN LEAVE b; END b; LEAVE a; END a",
        "CREATE PROCEDURE p() BEGIN BEGIN END; BEGIN DO 1; END; END",
        "CREATE PROCEDURE p() BEGIN IF a THEN DO 1; ELSEIF b THEN DO 2;"
        " ELSE IF c THEN DO 3; END IF; END IF; END",
        "CREATE PROCEDURE p() BEGIN CASE x WHEN 1 THEN DO 1;"
        " WHEN 2 THEN IF y THEN DO 2; END IF; END CASE; END",
        "CREATE PROCEDURE p() BEGIN CASE WHEN (SELECT CASE WHEN a THEN 1 END) THEN DO 1; END CASE; END",
        "CREATE PROCEDURE p() BEGIN IF IF(a, 1, 0) = CASE WHEN b THEN 1 END THEN DO 1; END IF; END",
        "CREATE PROCEDURE p() BEGIN l: LOOP LEAVE l; END LOOP l; WHILE a DO DO 1; END WHILE; END",
        "CREATE PROCEDURE p() BEGIN REPEAT SET a = REPEAT('x', 2); UNTIL a END REPEAT; END",
        "CREATE PROCEDURE p() BEGIN"
        " DECLARE EXIT HANDLER FOR SQLEXCEPTION, SQLSTATE '23000' BEGIN DO 1; END; END",
        "CREATE PROCEDURE p() BEGIN DECLARE c CURSOR FOR SELECT a FROM t FOR UPDATE; DO 1; END",
        # Column names begin and end inside a body open and close nothing.
        "CREATE PROCEDURE p() BEGIN SELECT begin, end FROM t WHERE end > 0;"
        " INSERT INTO t (begin) VALUES (1); END",
        "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET NEW.end = NEW.begin; END",
        # Bodies without BEGIN: one compound statement.
        "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW IF NEW.a THEN SET NEW.b = 1; END IF",
        "CREATE PROCEDURE p() WHILE a DO DO 1; END WHILE",
        "CREATE PROCEDURE p() REPEAT DO 1; UNTIL a END REPEAT",
        "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO CASE WHEN a THEN DO 1; ELSE DO 2; END CASE",
        # MariaDB compound statements outside a routine.
        "BEGIN NOT ATOMIC DECLARE a INT; SET a = 1; END",
        "l: BEGIN NOT ATOMIC DO 1; END l",
        "IF @a THEN DO 1; END IF",
        "FOR i IN 1..3 DO DO i; END FOR",
        "FOR r IN (SELECT 1) DO DO 1; END FOR",
        "LOOP LEAVE x; END LOOP",
    ],
)
def test_mysql_compound_statements(block: str) -> None:
    assert split_statements(f"{block}; SELECT 2", "mysql") == [block, "SELECT 2"]
    assert split_statements(f"DELIMITER //\n{block} //\nDELIMITER ;\nSELECT 2", "mysql") == [
        block,
        "SELECT 2",
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE PROCEDURE p() SELECT begin FROM t",  # no BEGIN body: one plain statement
        "CREATE PROCEDURE p() SELECT 1",
        "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.a = CASE WHEN 1 THEN 2 END",
        "CREATE TABLE event (begin int, end int)",
        "CREATE TEMPORARY TABLE procedure_log (id int)",
        "CREATE ALGORITHM=MERGE DEFINER=u@h SQL SECURITY INVOKER VIEW v AS SELECT begin FROM trigger_log",
        "DROP TRIGGER IF EXISTS t",
        "SELECT IF(a, 1, 2), REPEAT('x', 3), REPEAT ('y', 2) FROM t FOR UPDATE",
        "SELECT * FROM t WHERE a IN (SELECT b FROM u) FOR SHARE",
        "XA BEGIN 'x'",
    ],
)
def test_mysql_plain_statements_open_no_block(statement: str) -> None:
    assert split_statements(f"{statement}; SELECT 2", "mysql") == [statement, "SELECT 2"]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        # The line is dropped; statements then end at the delimiter, wherever it starts.
        ("DELIMITER //\nSELECT 1; SELECT 2//SELECT 3 //\n", ["SELECT 1; SELECT 2", "SELECT 3"]),
        ("DELIMITER $$\nSELECT a$$b, 'x$$', `y$$`$$", ["SELECT a", "b, 'x$$', `y$$`"]),
        ("delimiter ;;\nSELECT 1;;SELECT 2;\n;;", ["SELECT 1", "SELECT 2;"]),
        (
            "  Delimiter |\nSELECT 1 | SELECT 2|\n\tDELIMITER ;\nSELECT 3; SELECT 4",
            ["SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4"],
        ),
        # Not inside comments or strings; a comment may follow the delimiter on its line.
        ("DELIMITER // # custom\nSELECT '//' /* // */ 1 -- //\n//", ["SELECT '//' /* // */ 1"]),
        ("DELIMITER //\r\nSELECT 1//\r\nDELIMITER ;\r\nSELECT 2;\r\n", ["SELECT 1", "SELECT 2"]),
        ("DELIMITER ;\nSELECT 1;SELECT 2", ["SELECT 1", "SELECT 2"]),
        # A DELIMITER line's rest is the client's: even an unclosed quote there is not SQL.
        ("-- c\nDELIMITER //\nSELECT 1//", ["SELECT 1"]),
        # Inside a statement a line starting with "delimiter" is SQL (a column, say).
        (
            "CREATE TABLE f (\n  id int,\n  delimiter text\n);",
            ["CREATE TABLE f (\n  id int,\n  delimiter text\n)"],
        ),
        ("SELECT\ndelimiter\nFROM f", ["SELECT\ndelimiter\nFROM f"]),
        # The last statement needs no delimiter.
        ("DELIMITER //\nSELECT 1", ["SELECT 1"]),
        ("DELIMITER //", []),
    ],
)
def test_mysql_delimiter_lines(script: str, expected: list[str]) -> None:
    assert split_statements(script, "mysql") == expected


@pytest.mark.parametrize(
    ("statement", "code"),
    [
        ("/*!40101 SET autocommit=0 */", "SET autocommit=0"),
        (
            "/*!50003 CREATE*/ /*!50017 DEFINER=`u`@`%`*/ /*!50003 TRIGGER t BEFORE INSERT ON x FOR EACH ROW"
            " SET @a = 1 */",
            "CREATE    DEFINER=`u`@`%`    TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a = 1",
        ),
        ("/*M!100616 SET NOTE_VERBOSITY=0 */", "SET NOTE_VERBOSITY=0"),
        ("SELECT '/*!1 x */', `/*!2 y */` /* c */ /*!3 z*/", "SELECT '/*!1 x */', `/*!2 y */` /* c */   z"),
        ("SELECT 1", "SELECT 1"),
    ],
)
def test_unwrap_code_comments_shows_what_a_mysql_statement_does(statement: str, code: str) -> None:
    assert unwrap_code_comments(statement) == code


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


def test_thousands_of_mysql_statements_and_blocks() -> None:
    unit = (
        "INSERT INTO t VALUES (1, 'a;b\\'c', \"c;d\"); # note;\n"
        "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN IF NEW.a THEN SET NEW.b = 1; END IF; END;\n"
    )
    custom = "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\n"
    statements = split_statements((unit * 10 + custom) * 2_000, "mysql")
    assert len(statements) == 42_000
    assert statements[-1] == "CREATE PROCEDURE p() BEGIN SELECT 1; END"


def test_megabytes_of_mysql_escapes_split_in_one_pass() -> None:
    big = "INSERT INTO blobs VALUES ('" + "\\\\\\';" * 1_500_000 + "')"
    script = "DELIMITER $$\n" + big + "$$\nDELIMITER ;\n" + big + ";\nSELECT 1"
    assert split_statements(script, "mysql") == [big, big, "SELECT 1"]


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
