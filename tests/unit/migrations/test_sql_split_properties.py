"""Property tests for split_statements: scripts are built from statements known in advance.

Statements are random tokens (words, numbers, operators, parameters, strings, quoted identifiers,
comments and dollar-quoted bodies whose contents are full of ';', quotes and comment markers),
optionally wrapped in trigger or BEGIN ATOMIC bodies. Each statement starts and ends with a real
token, so the splitter must hand back exactly the generated text. MySQL scripts also get backslash
escapes, '#' comments, /*! */ code, nested compound blocks, and DELIMITER sections.
"""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from sqlspec.migrations.sql import Lexer, SQLSplitError, split_statements

Dialect = Lexer
DIALECTS: tuple[Dialect, ...] = ("postgres", "sqlite", "generic", "mysql")
BOUNDED = settings(max_examples=200, deadline=None)

# Characters that tempt a naive splitter: statement ends, every quote, comment starts and ends.
NASTY = st.text(alphabet=";'\"`[]$-/*\\\n ab", max_size=12)
BLANK = st.sampled_from([" ", "\n", "  ", "\t", "\r\n", " \n "])
# An E-string body mixes plain characters with its three escapes: '' and \' for a quote, \\ for a backslash.
E_STRINGS = st.lists(
    st.one_of(st.text(alphabet=';"`$-/*\n ab', max_size=3), st.sampled_from(["''", "\\'", "\\\\"])),
    max_size=6,
).map(lambda pieces: "E'" + "".join(pieces) + "'")
# BEGIN/ATOMIC open blocks and CASE/END nest or close them: the generated bodies place those.
WORDS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,7}", fullmatch=True).filter(
    lambda word: word.upper() not in {"BEGIN", "ATOMIC", "CASE", "END"}
)
# MySQL's blocks also open at IF's THEN, LOOP, WHILE, REPEAT and FOR ... IN; DELIMITER is the client's.
MYSQL_KEYWORDS = {"THEN", "WHEN", "ELSEIF", "LOOP", "WHILE", "REPEAT", "FOR", "UNTIL", "DELIMITER"}
MYSQL_WORDS = WORDS.filter(lambda word: word.upper() not in MYSQL_KEYWORDS)
MYSQL_NASTY = st.text(alphabet=";'\"`[]$-/*\\#\n ab", max_size=12)


def _mysql_string(quote: str) -> st.SearchStrategy[str]:
    """A MySQL string: plain characters, the quote doubled or backslashed, escaped backslashes."""
    plain = st.text(alphabet=";'\"`$-/*#\n ab".replace(quote, ""), max_size=3)
    escapes = st.sampled_from([quote * 2, "\\" + quote, "\\\\", "\\n", "\\;"])
    return st.lists(st.one_of(plain, escapes), max_size=6).map(lambda pieces: quote + "".join(pieces) + quote)


def _flat_comment_body(text: str) -> bool:
    return "*/" not in text


def _nested_comment_body(text: str) -> bool:
    """PostgreSQL would read '/*' (also the one made by a trailing '/' and the closing '*/') as an opener."""
    return "/*" not in text and "*/" not in text and not text.endswith("/")


def _dollar(tag_and_body: tuple[str, str]) -> str:
    tag, body = tag_and_body
    return f"${tag}${body}${tag}$"


def _dollar_closes_at_the_end(tag_and_body: tuple[str, str]) -> bool:
    """A body ending like the start of its delimiter ($b$ + "x$" + $b$) would close it early."""
    tag, body = tag_and_body
    quote = f"${tag}$"
    return (body + quote).find(quote) == len(body)


@cache
def solid_tokens(dialect: Dialect) -> st.SearchStrategy[str]:
    """Tokens that may start or end a statement."""
    if dialect == "mysql":
        return st.one_of(
            MYSQL_WORDS,
            st.integers(0, 10**6).map(str),
            _mysql_string("'"),
            _mysql_string('"'),
            MYSQL_NASTY.map(lambda s: "`" + s.replace("`", "``") + "`"),
            MYSQL_NASTY.filter(_flat_comment_body).map(lambda s: "/*!50003 " + s + "*/"),
        )
    options = [
        WORDS,
        st.integers(0, 10**6).map(str),
        NASTY.map(lambda s: "'" + s.replace("'", "''") + "'"),
        NASTY.map(lambda s: '"' + s.replace('"', '""') + '"'),
    ]
    if dialect == "postgres":
        options.append(E_STRINGS)
    if dialect != "postgres":
        options.append(NASTY.map(lambda s: "`" + s.replace("`", "``") + "`"))
    if dialect == "sqlite":
        options.append(NASTY.map(lambda s: "[" + s.replace("]", "") + "]"))
    if dialect != "sqlite":
        tags = st.sampled_from(["", "body", "_x1", "fn", "b"])
        options.append(st.tuples(tags, NASTY).filter(_dollar_closes_at_the_end).map(_dollar))
    return st.one_of(options)


@cache
def comments(dialect: Dialect) -> st.SearchStrategy[str]:
    """Comments, a line comment with the newline that ends it."""
    if dialect == "mysql":
        line = MYSQL_NASTY.map(lambda s: s.replace("\n", " "))
        return st.one_of(
            line.map(lambda s: "-- " + s + "\n"),
            line.map(lambda s: "#" + s + "\n"),
            st.just("--\n"),
            MYSQL_NASTY.filter(_flat_comment_body).map(lambda s: "/* " + s + "*/"),
        )
    body = NASTY.filter(_nested_comment_body if dialect == "postgres" else _flat_comment_body)
    options = [
        NASTY.map(lambda s: "--" + s.replace("\n", " ") + "\n"),
        body.map(lambda s: "/*" + s + "*/"),
    ]
    if dialect == "postgres":
        options.append(st.builds(lambda a, b: f"/*{a} /* {b} */ {a}*/", body, body))
    return st.one_of(options)


@cache
def tokens(dialect: Dialect) -> st.SearchStrategy[str]:
    operators = st.sampled_from(["(", ")", ",", ".", "=", "+", "*", "<>", "::", "-", "/", "$1", "$23"])
    if dialect == "mysql":  # '-' then '-x' is no comment; ':' would make a label
        operators = st.sampled_from(["(", ")", ",", ".", "=", "+", "*", "<>", "-", "--x", "/", "@v", "$1"])
    return st.one_of(solid_tokens(dialect), solid_tokens(dialect), operators, comments(dialect))


def _join(parts: list[str], blanks: list[str]) -> str:
    return "".join(part + blanks[i % len(blanks)] for i, part in enumerate(parts[:-1])) + parts[-1]


@cache
def plain_statements(dialect: Dialect) -> st.SearchStrategy[str]:
    solid = solid_tokens(dialect)
    return st.builds(
        lambda first, middle, last, blanks: _join([first, *middle, last], blanks),
        solid,
        st.lists(tokens(dialect), max_size=6),
        solid,
        st.lists(BLANK, min_size=1, max_size=3),
    )


@cache
def mysql_block_statements() -> st.SearchStrategy[str]:
    """A MySQL routine, trigger or event, or a MariaDB block, with nested compound statements inside."""
    solid = solid_tokens("mysql")
    simple = st.one_of(
        plain_statements("mysql"),
        st.builds(lambda a, b, c: f"SET x = CASE WHEN {a} THEN {b} ELSE {c} END", solid, solid, solid),
        st.builds(lambda a, b: f"SELECT IF({a}, {b}, 1), REPEAT({a}, 2)", solid, solid),
    )

    def lines(body: list[str]) -> str:
        return "".join(f"  {statement};\n" for statement in body)

    def nest(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        body = st.lists(inner, min_size=1, max_size=3).map(lines)
        return st.one_of(
            st.builds(
                lambda c, a, b: f"IF {c} THEN\n{a}ELSEIF {c} THEN\n{b}ELSE\n{a}END IF", solid, body, body
            ),
            st.builds(lambda c, a: f"CASE {c} WHEN 1 THEN\n{a}ELSE\n{a}END CASE", solid, body),
            st.builds(lambda a: f"lbl: LOOP\n{a}  LEAVE lbl;\nEND LOOP lbl", body),
            st.builds(lambda c, a: f"WHILE {c} DO\n{a}END WHILE", solid, body),
            st.builds(lambda c, a: f"REPEAT\n{a}UNTIL {c} END REPEAT", solid, body),
            st.builds(lambda a: f"FOR i IN 1..3 DO\n{a}END FOR", body),
            st.builds(lambda a: f"inner: BEGIN\n{a}END inner", body),
            st.builds(lambda a: f"DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN\n{a}END", body),
        )

    compound = st.recursive(simple, lambda inner: st.one_of(inner, nest(inner)), max_leaves=6)
    heads = st.sampled_from(
        [
            "CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW BEGIN",
            "CREATE DEFINER=`root`@`localhost` PROCEDURE p(IN a INT)\nBEGIN",
            "create or replace definer = current_user function f() returns int deterministic begin",
            "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN",
            "CREATE PROCEDURE p() outer_block: BEGIN",
            "BEGIN NOT ATOMIC",
        ]
    )
    return st.builds(
        lambda head, body: head + "\n" + lines(body) + "END",
        heads,
        st.lists(compound, min_size=1, max_size=3),
    )


@cache
def block_statements(dialect: Dialect) -> st.SearchStrategy[str]:
    """A trigger or BEGIN ATOMIC body: statements with their ';' and CASE ... END inside."""
    if dialect == "mysql":
        return mysql_block_statements()
    solid = solid_tokens(dialect)
    case = st.builds(lambda a, b, c: f"SELECT CASE WHEN {a} THEN {b} ELSE {c} END", solid, solid, solid)
    body_statement = st.one_of(plain_statements(dialect), case)
    heads = st.sampled_from(
        [
            "CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW BEGIN",
            "create temp trigger t before delete on x begin",
            "CREATE TEMPORARY TRIGGER t AFTER UPDATE ON x\nBEGIN",
            "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC",
            "create procedure p() language sql begin atomic",
        ]
    )
    return st.builds(
        lambda head, body: head + "\n" + "".join(f"  {s};\n" for s in body) + "END",
        heads,
        st.lists(body_statement, min_size=1, max_size=3),
    )


@cache
def fillers(dialect: Dialect) -> st.SearchStrategy[str]:
    """What may sit between statements: blanks, comments and empty statements."""
    piece = st.one_of(BLANK, comments(dialect), st.just(";"))
    return st.lists(piece, max_size=3).map(lambda pieces: " ".join(pieces))


@st.composite
def scripts(draw: st.DrawFn) -> tuple[Dialect, str, list[str]]:
    dialect = draw(st.sampled_from(DIALECTS))
    statement = st.one_of(plain_statements(dialect), plain_statements(dialect), block_statements(dialect))
    statements = draw(st.lists(statement, max_size=5))
    script = draw(fillers(dialect))
    for index, text in enumerate(statements):
        script += " " + text
        if index < len(statements) - 1 or draw(st.booleans()):
            script += ";"
        script += " " + draw(fillers(dialect))
    return dialect, script, statements


# Random text with no letter but 'E': no keyword can appear, so no block can be left open.
SOUP = st.text(alphabet=";'\"`[]$-/*\\\r\n E1.(", max_size=60)


@BOUNDED
@given(scripts())
def test_returns_exactly_the_generated_statements(case: tuple[Dialect, str, list[str]]) -> None:
    dialect, script, statements = case
    assert split_statements(script, dialect) == statements


@BOUNDED
@given(scripts())
def test_rejoining_the_statements_is_a_fixed_point(case: tuple[Dialect, str, list[str]]) -> None:
    dialect, script, _ = case
    statements = split_statements(script, dialect)
    assert split_statements(";\n".join(statements), dialect) == statements


@BOUNDED
@given(st.sampled_from(DIALECTS), SOUP)
def test_rejoining_split_soup_is_a_fixed_point(dialect: Dialect, script: str) -> None:
    try:
        statements = split_statements(script, dialect)
    except SQLSplitError:
        return
    # Each statement ended at a ';' (or the end), so it is rejoined ended by one: MySQL's "--" is a
    # comment before a blank or the end of the script, and a statement "--" must stay one.
    assert split_statements("".join(f"{statement};\n" for statement in statements), dialect) == statements


@BOUNDED
@given(st.sampled_from(DIALECTS), st.one_of(st.text(), SOUP))
def test_any_text_splits_or_raises_split_error(dialect: Dialect, script: str) -> None:
    try:
        statements = split_statements(script, dialect)
    except SQLSplitError as error:
        line = error.line
        assert 1 <= line <= script.count("\n") + 1
        return
    for statement in statements:
        assert isinstance(statement, str)
        assert statement
        assert statement == statement.strip()
        assert statement in script


@st.composite
def mysql_delimiter_scripts(draw: st.DrawFn) -> tuple[str, list[str]]:
    """MySQL statements in DELIMITER sections, the delimiter sometimes right after the last token."""
    blank_or_comment = st.one_of(BLANK, comments("mysql"))
    statement = st.one_of(plain_statements("mysql"), block_statements("mysql"))
    script, statements = "", []
    for _ in range(draw(st.integers(0, 3))):
        delimiter = draw(st.sampled_from(["//", "$$", ";;", "|"]))
        script += f"{draw(st.sampled_from(['DELIMITER', 'delimiter', '  Delimiter']))} {delimiter}\n"
        for text in draw(st.lists(statement, max_size=3)):
            script += draw(blank_or_comment) + text + draw(st.sampled_from(["", " ", "\n"])) + delimiter
            statements.append(text)
        script += draw(blank_or_comment) + "\nDELIMITER ;\n"
        for text in draw(st.lists(statement, max_size=2)):
            script += text + ";" + draw(fillers("mysql"))
            statements.append(text)
        script += "\n"
    return script, statements


@BOUNDED
@given(mysql_delimiter_scripts())
def test_mysql_delimiter_sections_return_exactly_their_statements(case: tuple[str, list[str]]) -> None:
    script, statements = case
    assert split_statements(script, "mysql") == statements
