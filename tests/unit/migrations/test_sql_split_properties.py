"""Property tests for split_statements: scripts are built from statements known in advance.

Statements are random tokens (words, numbers, operators, parameters, strings, quoted identifiers,
comments and dollar-quoted bodies whose contents are full of ';', quotes and comment markers),
optionally wrapped in trigger or BEGIN ATOMIC bodies. Each statement starts and ends with a real
token, so the splitter must hand back exactly the generated text.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from hypothesis import given, settings
from hypothesis import strategies as st

from sqlspec.migrations.sql import SQLSplitError, split_statements

Dialect = Literal["postgres", "sqlite", "generic"]
DIALECTS: tuple[Dialect, ...] = ("postgres", "sqlite", "generic")
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
def block_statements(dialect: Dialect) -> st.SearchStrategy[str]:
    """A trigger or BEGIN ATOMIC body: statements with their ';' and CASE ... END inside."""
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
    assert split_statements(";\n".join(statements), dialect) == statements


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
