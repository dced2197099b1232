"""The splitter's fast path for plain SQL gives exactly the lexer's answer.

A script with no quote, comment, dollar quote, block body or rule is split on ``;`` directly, and
its section markers are found by line; these tests hold both to the full lexer's reading on
generated text that is mostly plain and sometimes just not (one quote, one ``BEGIN``, a dotless
``i`` that upper-cases into one).
"""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sqlspec.migrations.sql import (
    _DIALECTS,
    Lexer,
    SQLSplitError,
    _is_plain,
    _lexed_line_comments,
    _split_lexed,
    split_statements,
    top_level_line_comments,
)

MANY = settings(max_examples=400, deadline=None)
LEXED: tuple[Lexer, ...] = ("postgres", "sqlite", "generic")

# Blanks as str.strip and the lexer's \s both know them, line breaks splitlines knows included.
BLANKS = st.sampled_from(
    [" ", "\n", "\t", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\xa0", "\u2028", "\u3000"]
)
DOTLESS_BEGIN = "beg\u0131n"  # upper-cases to BEGIN
# Words that matter to the lexer, in any case, and look-alikes that upper-case into them.
KEYWORDS = st.sampled_from(
    [
        *["CREATE", "create", "TABLE", "TRIGGER", "temp", "BEGIN", "begin", DOTLESS_BEGIN, "ATOMIC"],
        *["CASE", "END", "RULE", "rule", "OR", "REPLACE", "DO", "ALSO", "DELIMITER", "delimiter"],
        *["upgrade", "downgrade", "E", "e", "\u00df", "\u017f", "x1", "t_2", "bench$1"],
    ]
)
PLAIN_SYMBOLS = st.sampled_from([";", ";", ";", "-", ".", "(", ")", ",", "*", "/", "\\", "=", "+", "1"])
TEMPTING = st.sampled_from(["--", "-- upgrade --", "-- downgrade --", "--x", "'", '"', "`", "[", "]"])
RARE = st.sampled_from(["$", "$$", "#", "/*", "*/", "E'", "e'a'", "'a;b'", '"q"', "/* ; */", "-- c;\n"])

PLAIN_PIECES = st.one_of(BLANKS, KEYWORDS, PLAIN_SYMBOLS, TEMPTING)
SCRIPTS = st.lists(st.one_of(PLAIN_PIECES, PLAIN_PIECES, PLAIN_PIECES, RARE), max_size=40).map("".join)
PLAIN_SCRIPTS = st.lists(
    st.one_of(BLANKS, PLAIN_SYMBOLS, st.sampled_from(["CREATE", "TABLE", "t", "INDEX", "ix", "ON", "e"])),
    max_size=40,
).map("".join)


def _lexer_split(script: str, dialect: Lexer) -> list[str] | str:
    try:
        return _split_lexed(script, _DIALECTS[dialect])
    except SQLSplitError as error:
        return str(error)


def _split(script: str, dialect: Lexer) -> list[str] | str:
    try:
        return split_statements(script, dialect)
    except SQLSplitError as error:
        return str(error)


@MANY
@given(st.sampled_from(LEXED), SCRIPTS)
def test_split_agrees_with_the_lexer(dialect: Lexer, script: str) -> None:
    assert _split(script, dialect) == _lexer_split(script, dialect)


@MANY
@given(st.sampled_from(LEXED), PLAIN_SCRIPTS)
def test_plain_scripts_take_the_fast_path_and_agree(dialect: Lexer, script: str) -> None:
    assume("--" not in script and "/*" not in script)  # symbols in a row that open a comment
    assert _is_plain(script)
    assert split_statements(script, dialect) == _split_lexed(script, _DIALECTS[dialect])


@MANY
@given(SCRIPTS)
def test_section_comments_agree_with_every_reading(script: str) -> None:
    assert top_level_line_comments(script) == _lexed_line_comments(script)


@MANY
@given(st.lists(st.one_of(PLAIN_SCRIPTS, st.sampled_from(["-- upgrade --", "--downgrade--", " -- x"]))))
def test_section_comments_of_plain_sections_agree(lines: list[str]) -> None:
    script = "\n".join(lines)
    assert top_level_line_comments(script) == _lexed_line_comments(script)


def test_a_benchmark_migration_is_plain_and_splits_as_written() -> None:
    body = (
        "-- upgrade --\n"
        "CREATE TABLE bench_1 (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, created_at TIMESTAMP);\n"
        "CREATE INDEX ix_bench_1_name ON bench_1 (name);\n"
        "-- downgrade --\nDROP INDEX ix_bench_1_name;\nDROP TABLE bench_1;\n"
    )
    upgrade = body.split("\n", 1)[1].split("-- downgrade --")[0]
    assert _is_plain(upgrade)
    assert split_statements(upgrade, "sqlite") == [
        "CREATE TABLE bench_1 (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, created_at TIMESTAMP)",
        "CREATE INDEX ix_bench_1_name ON bench_1 (name)",
    ]
    marker = body.index("-- downgrade --")
    assert top_level_line_comments(body) == _lexed_line_comments(body) == [(0, 13), (marker, marker + 15)]


def test_what_needs_the_lexer_is_not_plain() -> None:
    for script in ["a 'b'", 'a "b"', "a `b`", "a [b]", "$$ x $$", "# x", "a -- b", "/* a */", "BEGIN"]:
        assert not _is_plain(script), script
    assert not _is_plain(DOTLESS_BEGIN)
    assert not _is_plain("CREATE OR REPLACE RULE r AS ON INSERT TO t DO ALSO (a; b)")
