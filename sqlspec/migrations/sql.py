"""Split a migration's SQL into statements with a small lexer, never by searching for ``;``.

Migrations run one statement at a time, so that a failure can name its statement and so that
drivers which take a single statement per call (sqlite3) work. Cutting at every ``;`` breaks the
first function body, trigger or string that holds one, and a full SQL parser is slow and tied to
one dialect. A lexer that only knows where strings, identifiers, comments, dollar quotes and block
bodies start and end finds the top-level ``;`` in one linear pass, for any dialect we run. MySQL
gets a reading of its own (backslash escapes, ``#`` comments, ``/*! */`` code, compound statements
and the ``mysql`` client's ``DELIMITER`` lines, in :mod:`sqlspec.migrations._mysql_sql`),
so the other dialects' rules stay simple.

Linear is a promise, not a hope: each token is one regular-expression match with possessive
quantifiers (which never backtrack) or one ``str.find`` that starts where the last one stopped, so
no character is scanned twice however many escapes a file holds (a data migration can be
megabytes of ``E'\\n...'``).

Most migrations hold no literal at all: plain DDL without a quote, comment, dollar quote or block
body. For those the lexer's answer is known without it (the statements are the text between the
``;``, stripped; the line comments are the lines starting with ``--``), so both readings take a
fast path after one scan that proves the text is plain; anything else gets the lexer.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from typing import Literal, NamedTuple

__all__ = ("Lexer", "SQLSplitError", "split_statements", "top_level_line_comments", "unwrap_code_comments")

Lexer = Literal["postgres", "sqlite", "generic", "mysql"]
"""The SQL flavours :func:`split_statements` reads: a :class:`~sqlspec.dialects.Dialect`'s ``lexer``."""

_TRIGGER_HEADS = (("CREATE", "TRIGGER"), ("CREATE", "TEMP", "TRIGGER"), ("CREATE", "TEMPORARY", "TRIGGER"))
_RULE_HEADS = (("CREATE", "RULE"), ("CREATE", "OR", "REPLACE", "RULE"))
_HEAD_WORDS = 4  # enough to recognise the longest head above

# Kinds of token; the first four are the groups of a token pattern. Comments are tokens too: the
# section finder needs them.
_WORD, _LINE_COMMENT, _QUOTED, _SYMBOL, _BLOCK_COMMENT = 1, 2, 3, 4, 5
_DOLLAR_TAG = re.compile(r"\$(?:[^\W\d]\w*)?\$")


class _Rules(NamedTuple):
    """What one SQL flavour quotes and how its comments nest."""

    e_strings: bool
    nested_comments: bool
    dollar_quotes: bool
    backticks: bool
    brackets: bool


_DIALECTS: dict[str, _Rules] = {
    "postgres": _Rules(
        e_strings=True, nested_comments=True, dollar_quotes=True, backticks=False, brackets=False
    ),
    "sqlite": _Rules(
        e_strings=False, nested_comments=False, dollar_quotes=False, backticks=True, brackets=True
    ),
    "generic": _Rules(
        e_strings=False, nested_comments=False, dollar_quotes=True, backticks=True, brackets=False
    ),
}
# Section markers are found before anyone knows the database, so a file is read twice: once as
# PostgreSQL and once as SQLite. Both readings know E-strings and dollar quotes, which valid SQLite
# never holds at top level; they differ where the databases do (nested comments, [identifiers]).
_SECTION_READINGS = (
    _DIALECTS["postgres"],
    _Rules(e_strings=True, nested_comments=False, dollar_quotes=True, backticks=True, brackets=True),
)


@functools.cache  # compiled when first needed: a run reads one database's SQL, and plain SQL no lexer
def _token_pattern(rules: _Rules) -> re.Pattern[str]:
    """Blanks, then one token: a word, a line comment, a closed quoted construct, or one character.

    Words may hold '$' after their first character (PostgreSQL and SQLite allow it). A doubled
    closing quote stands for itself; in an E-string a backslash escapes the next character, the quote
    included. A construct that is never closed matches as its single opening character, for
    `_tokens` to report.
    """
    quoted = [r"'(?:[^']++|'')*+'", r'"(?:[^"]++|"")*+"']
    if rules.backticks:
        quoted.append(r"`(?:[^`]++|``)*+`")
    if rules.brackets:
        quoted.append(r"\[(?:[^\]]++|\]\])*+\]")
    word = r"\w[\w$]*"
    if rules.e_strings:  # E'...' is one token: its E is not a word of its own
        quoted.insert(0, r"(?<![\w$])[eE]'(?:[^'\\]++|\\.|'')*+'")
        word = r"(?![eE]')" + word
    return re.compile(rf"\s*+(?:({word})|(--[^\n]*)|({'|'.join(quoted)})|(.))", re.DOTALL)


# What makes a script need the lexer in some reading: a character that opens a string, quoted name,
# dollar quote or MySQL comment, a comment opener, or (after upper-casing, as the lexer compares
# words) a word that opens a block or a rule. Without any of them every ';' ends a statement.
_NOT_PLAIN = re.compile(r"['\"`\[$#]|--|/\*")
_BLOCK_WORDS = ("BEGIN", "RULE")
# Without quotes, block comments or DELIMITER lines, the top-level comments starting a line are the
# lines whose first non-blank characters are "--", in every reading.
_NOT_PLAIN_FOR_COMMENTS = re.compile(r"['\"`\[$#]|/\*")
_LINE_COMMENT_LINES = re.compile(r"^[^\S\n]*+(--[^\n]*)", re.MULTILINE)


def _is_plain(script: str) -> bool:
    """Whether ``script`` holds nothing the lexer reads but words, symbols and ``;``: no literal,
    comment, dollar quote, trigger or ``BEGIN ATOMIC`` body, or rule (whose parentheses hold ``;``)."""
    if _NOT_PLAIN.search(script):
        return False
    upper = script.upper()
    return not any(word in upper for word in _BLOCK_WORDS)


class SQLSplitError(ValueError):
    """A string, quoted identifier, block comment or dollar quote is never closed.

    ``line`` is the 1-based line of ``script`` on which the unterminated construct starts.
    """

    def __init__(self, message: str, line: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.message = message
        self.line = line


def split_statements(script: str, dialect: Lexer = "generic") -> list[str]:
    """The statements of ``script`` in order, without their terminating ``;``.

    A statement's text runs from its first token to its last one: comments between tokens are kept
    verbatim (the database ignores them), comments and whitespace before the first token or after
    the last are dropped, so a chunk holding only comments yields no statement at all.

    Dialects: ``postgres`` knows ``E'\\''`` escape strings, nested ``/* */`` comments and dollar
    quotes; ``sqlite`` knows backtick and ``[bracket]`` identifiers and flat comments; ``generic``
    knows backticks, flat comments and dollar quotes. ``CREATE [TEMP] TRIGGER ... BEGIN ... END``
    and ``BEGIN ATOMIC ... END`` bodies (with ``CASE ... END`` nested in them), and the
    parenthesised command list of ``CREATE [OR REPLACE] RULE ... DO [ALSO | INSTEAD] (a; b)``, are
    one statement in every dialect. Raises `SQLSplitError` for a construct that is never closed.

    ``mysql`` reads a script as the ``mysql`` client does: ``'...'`` and ``"..."`` strings with
    backslash escapes, backtick names, ``#`` and ``-- `` comments (``--x`` is not one), and
    ``DELIMITER`` lines, which are dropped and change what ends a statement until the next one.
    ``/*! ... */`` and ``/*M! ... */`` comments are code for the server: kept, even as a statement of
    their own, and a ``;`` inside one ends nothing. Under ``;``, compound statements written without
    ``DELIMITER`` (as drivers receive them) are one statement: a procedure, function, trigger or
    event body from its ``BEGIN`` to the matching ``END``, and ``IF``, ``CASE``, ``LOOP``,
    ``WHILE``, ``REPEAT`` and MariaDB's ``FOR`` and ``BEGIN NOT ATOMIC`` blocks; elsewhere a
    ``BEGIN`` starts a transaction. A block never closed, or a ``DELIMITER`` line without a usable
    delimiter, raises `SQLSplitError` too.
    """
    if dialect == "mysql":
        from sqlspec.migrations import _mysql_sql

        return _mysql_sql.split_mysql(script)
    if _is_plain(script):  # what the lexer would find, in one scan: see the module docstring
        return [statement for part in script.split(";") if (statement := part.strip())]
    return _split_lexed(script, _DIALECTS[dialect])


def _split_lexed(script: str, rules: _Rules) -> list[str]:
    """:func:`split_statements` by the lexer, for any script of a non-MySQL dialect."""
    statements: list[str] = []
    first = -1  # index of the current statement's first token, -1 until there is one
    last = 0  # index just past its last token
    head: tuple[str, ...] = ()  # its first words, to recognise CREATE [TEMP] TRIGGER and CREATE RULE
    trigger = rule = False
    previous = ""  # the previous word, upper-cased
    depth = 0  # open BEGIN/CASE ... END blocks
    parens = 0  # open parentheses of a rule, whose command list holds ';'
    after_dot = False  # the previous token was '.', so a word is a qualified name, not a keyword
    for kind, start, end in _tokens(script, rules):
        if kind == _WORD:
            word = script[start:end].upper()
            if len(head) < _HEAD_WORDS:
                head = (*head, word)
                trigger = trigger or head in _TRIGGER_HEADS
                rule = rule or head in _RULE_HEADS
            if not after_dot:
                depth = _block_depth(depth, word, previous, trigger)
                previous = word
            after_dot = False
        elif kind == _SYMBOL:
            char = script[start]
            if char == ";" and depth == 0 and parens == 0:
                if first >= 0:
                    statements.append(script[first:last])
                first, head, trigger, rule, previous, after_dot = -1, (), False, False, "", False
                continue
            if rule and char in "()":
                parens = parens + 1 if char == "(" else max(parens - 1, 0)
            after_dot = char == "."
        elif kind == _QUOTED:
            after_dot = False
        else:  # a comment
            continue
        if first < 0:
            first = start
        last = end
    if first >= 0:
        statements.append(script[first:last])
    return statements


def top_level_line_comments(script: str) -> list[tuple[int, int]]:
    """The spans of the ``--`` comments that begin a line of ``script`` outside every literal.

    Lets :mod:`~sqlspec.migrations.files` tell a ``-- downgrade --`` section marker from the same
    text inside a string, dollar quote or block comment before the database is known. A comment
    counts when the PostgreSQL, the SQLite or the MySQL reading of the file puts it at top level:
    where they disagree, cutting there makes the other databases' split fail on an unterminated
    string, while not cutting would run the downgrade's statements as part of the upgrade (a
    MySQL ``# users' table`` or ``'it\\'s'`` hides the marker from the other two). A construct
    that is never closed hides the comments after it (the splitter reports it, naming its line);
    when the PostgreSQL and SQLite readings both meet one, SQLite's own reading, without dollar
    quotes and E-strings, decides for them.
    """
    if not _NOT_PLAIN_FOR_COMMENTS.search(script) and "DELIMITER" not in script.upper():
        return [match.span(1) for match in _LINE_COMMENT_LINES.finditer(script)]
    return _lexed_line_comments(script)


def _lexed_line_comments(script: str) -> list[tuple[int, int]]:
    """:func:`top_level_line_comments` by the lexers of every reading, for any script."""
    found: set[tuple[int, int]] = set()
    differ = "/*" in script or "[" in script or "`" in script  # else both readings are one
    closed = [_add_line_comments(script, rules, found) for rules in _SECTION_READINGS[: 2 if differ else 1]]
    if not any(closed):
        _add_line_comments(script, _DIALECTS["sqlite"], found)
    from sqlspec.migrations import _mysql_sql

    with contextlib.suppress(SQLSplitError):  # MySQL's reading, dollar quotes kept as the others keep them
        _mysql_sql.split_mysql(script, found)
    return sorted(found)


def _add_line_comments(script: str, rules: _Rules, found: set[tuple[int, int]]) -> bool:
    """Add the spans of the line-starting top-level comments to ``found``; whether every construct closed."""
    try:
        for kind, start, end in _tokens(script, rules):
            if kind == _LINE_COMMENT and _starts_line(script, start):
                found.add((start, end))
    except SQLSplitError:
        return False
    return True


def _starts_line(script: str, index: int) -> bool:
    line_start = script.rfind("\n", 0, index) + 1
    return not script[line_start:index].strip()


def _tokens(script: str, rules: _Rules) -> Iterator[tuple[int, int, int]]:
    """Each token of ``script`` as ``(kind, start, end)``, comments included, blanks skipped.

    Raises `SQLSplitError` on reaching a construct that is never closed.
    """
    match = _token_pattern(rules).match
    i = 0
    while found := match(script, i):
        kind = found.lastindex or _SYMBOL
        start, end = found.start(kind), found.end()
        if kind == _SYMBOL:
            char = script[start]
            if char == "/" and script.startswith("*", start + 1):
                kind, end = _BLOCK_COMMENT, _comment_end(script, start, nested=rules.nested_comments)
            elif char == "$" and rules.dollar_quotes and (tag := _DOLLAR_TAG.match(script, start)):
                kind, end = _QUOTED, _dollar_end(script, start, tag.group())
            elif char in "eE":  # followed by a quote, yet not a closed E-string
                if not _is_word_char(script, start - 1):
                    raise SQLSplitError("unterminated string", _line(script, start))
                kind = _WORD  # "$$x$$E'": this E ends a name, and its quote opens a plain string
            elif char in "'\"" or (char == "`" and rules.backticks) or (char == "[" and rules.brackets):
                what = "string" if char == "'" else "quoted identifier"
                raise SQLSplitError(f"unterminated {what}", _line(script, start))
        yield kind, start, end
        i = end


def _block_depth(depth: int, word: str, previous: str, trigger: bool) -> int:
    """The block depth after ``word``: a trigger's BEGIN and BEGIN ATOMIC open, CASE nests, END closes."""
    if word == "ATOMIC" and previous == "BEGIN":
        return depth + 1
    if depth == 0:
        return 1 if word == "BEGIN" and trigger else 0
    if word == "CASE":
        return depth + 1
    return depth - 1 if word == "END" else depth


def _is_word_char(script: str, i: int) -> bool:
    return i >= 0 and (script[i].isalnum() or script[i] in "_$")


def _comment_end(script: str, start: int, *, nested: bool) -> int:
    """Past the ``/* */`` comment opened at ``start``; PostgreSQL nests them, SQLite does not."""
    depth = 1
    i = start + 2
    close = -1
    while True:
        if close < i:
            close = script.find("*/", i)
            if close < 0:
                raise SQLSplitError("unterminated /* comment", _line(script, start))
        opener = script.find("/*", i, close) if nested else -1
        if opener >= 0:
            depth += 1
            i = opener + 2
            continue
        depth -= 1
        i = close + 2
        if depth == 0:
            return i


def _dollar_end(script: str, start: int, delimiter: str) -> int:
    """Past the ``$tag$ ... $tag$`` quote whose opening ``delimiter`` is at ``start``."""
    close = script.find(delimiter, start + len(delimiter))
    if close < 0:
        raise SQLSplitError(f"unterminated dollar-quoted string {delimiter}", _line(script, start))
    return close + len(delimiter)


def _line(script: str, index: int) -> int:
    return script.count("\n", 0, index) + 1


def unwrap_code_comments(statement: str) -> str:
    """A MySQL statement with its ``/*! */`` and ``/*M! */`` comments opened, to tell what it does.

    Dumps wrap whole statements in them (``/*!50003 CREATE*/ /*!50017 DEFINER=...*/ /*!50003
    TRIGGER ...*/``, ``/*!40101 SET ... */``), which a rule matching a statement's first words, past
    its comments, would not see. Each becomes its text between blanks, whatever its version; other
    comments, strings and names are left as they are. Raises `SQLSplitError` as the splitter does.
    """
    from sqlspec.migrations import _mysql_sql

    return _mysql_sql.unwrap_code_comments(statement)
