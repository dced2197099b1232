"""MySQL's reading of a migration, for :mod:`sqlspec.migrations.sql`, whose lexer the others share.

MySQL strings take backslash escapes, ``#`` starts a comment, ``/*! */`` comments are code, the
``mysql`` client's ``DELIMITER`` lines change what ends a statement, and compound statements
(``BEGIN ... END``, ``IF``, ``CASE``, loops) hold ``;`` without ending. :mod:`~sqlspec.migrations.sql`
imports this module only when it first reads MySQL, so this one may import its lexer's pieces.
"""

from __future__ import annotations

import functools
import re

from sqlspec.migrations.sql import (
    _DOLLAR_TAG,
    _QUOTED,
    _SYMBOL,
    _WORD,
    SQLSplitError,
    _comment_end,
    _dollar_end,
    _is_word_char,
    _line,
)

__all__ = ("split_mysql", "unwrap_code_comments")

# MySQL. Strings take backslash escapes as well as doubled quotes; '$' is a letter; '--' starts a
# comment only before a blank or a control character ("1--1" is one minus minus one).
_MYSQL_QUOTED = r"""'(?:[^'\\]++|\\.|'')*+'|"(?:[^"\\]++|\\.|"")*+"|`(?:[^`]++|``)*+`"""
_MYSQL_LINE_COMMENT = r"(?:#|--(?![^\x00-\x20]))[^\n]*"
_MYSQL_COMMENT_START = re.compile(_MYSQL_LINE_COMMENT)
_CODE_COMMENT = re.compile(r"/\*M?!\d*")  # /*!50003 ... */ runs on MySQL, /*M!100100 ... */ on MariaDB
# A DELIMITER line inside a statement is refused as a forgotten delimiter only when its argument
# looks like one: "delimiter text" may be a column definition.
_DELIMITER_LIKE = re.compile(r"[;/$|@!%&*~^?:]+")
_ROUTINES = frozenset({"PROCEDURE", "FUNCTION", "TRIGGER", "EVENT"})
_END_PARTNERS = frozenset({"IF", "CASE", "LOOP", "WHILE", "REPEAT", "FOR"})  # END IF, END LOOP, ...
# What a statement inside a block follows: a BEGIN there opens a block, elsewhere it is a name.
_STATEMENT_STARTS = frozenset({";", ":", "BEGIN", "THEN", "ELSE", "DO", "LOOP", "REPEAT"})
# Words a routine's BEGIN never follows (its head ends with ")", a type, a characteristic, ROW or
# DO), but a column named begin in a body without BEGIN may.
_BEFORE_NAMES = frozenset(
    {"SELECT", "DISTINCT", "WHERE", "AND", "OR", "XOR", "NOT", "BY", "SET", "VALUES", "AS", "FROM"}
    | {"RETURN", "INTO", "HAVING", "IS", "LIKE", "IN", "ON", "JOIN", "USING", "WHEN", "THEN", "ELSE"}
)
_HEAD_START, _HEAD_MODIFIERS, _HEAD_DEFINER, _HEAD_DONE = range(4)


@functools.lru_cache(maxsize=32)
def _mysql_pattern(delimiter: str) -> re.Pattern[str]:
    """Blanks, then one MySQL token; a custom ``delimiter`` is a symbol token wherever it starts.

    The ``mysql`` client looks for its delimiter at every character outside strings and comments
    before anything else, inside a word too (``END$$``): so does this pattern, with a lookahead
    of the delimiter's length at each character of a word.
    """
    if delimiter == ";":
        return re.compile(rf"\s*+(?:([\w$]++)|({_MYSQL_LINE_COMMENT})|({_MYSQL_QUOTED})|(.))", re.DOTALL)
    mark = re.escape(delimiter)
    word = rf"(?:(?!{mark})[\w$])++"
    return re.compile(
        rf"\s*+(?:(?!{mark})(?:({word})|({_MYSQL_LINE_COMMENT})|({_MYSQL_QUOTED}))|({mark}|.))", re.DOTALL
    )


def split_mysql(script: str, line_comments: set[tuple[int, int]] | None = None) -> list[str]:
    """`sqlspec.migrations.sql.split_statements` for MySQL and MariaDB; see there.

    Given ``line_comments``, this is the MySQL reading of `top_level_line_comments`: the ``--``
    comments that start a line are added to it, and ``$tag$`` quotes are read as PostgreSQL's, so
    that a marker inside a function body stays content here too.
    """
    statements: list[str] = []
    delimiter = ";"
    match = _mysql_pattern(delimiter).match
    blocks = _Compound()
    first = -1  # as in split_statements
    last = 0
    i = 0
    while found := match(script, i):
        kind = found.lastindex or _SYMBOL
        start, end = found.start(kind), found.end()
        blanks_from, i = i, end
        if line_comments is not None and kind == _WORD and (tag := _DOLLAR_TAG.match(script, start)):
            kind, i = _QUOTED, _dollar_end(script, start, tag.group())
            end = i
        if kind == _WORD:
            word = script[start:end].upper()
            if word == "DELIMITER":
                starts_line = blanks_from == 0 or script.find("\n", blanks_from, start) >= 0
                if first < 0 and starts_line:  # a client command: not sent, nor the rest of its line
                    delimiter, i = _delimiter_command(script, start, end)
                    match = _mysql_pattern(delimiter).match
                    continue
                if first < 0:  # no statement starts with this word: the client would send it
                    raise SQLSplitError(
                        "DELIMITER must start its line; the mysql client reads it nowhere else",
                        _line(script, start),
                    )
                if starts_line:
                    _refuse_delimiter_inside(script, start, end, first, delimiter, blocks)
            if delimiter == ";":
                blocks.word(word, start)
        elif kind == _SYMBOL:
            ends = script.startswith(delimiter, start) and end - start == len(delimiter)
            if ends and (delimiter != ";" or not blocks.depth):
                if first >= 0:
                    statements.append(script[first:last])
                first, blocks = -1, _Compound()
                continue
            if script.startswith("/*", start):
                i = end = _comment_end(script, start, nested=False)
                if not _CODE_COMMENT.match(script, start):
                    continue  # code comments are kept, and hide nothing from the blocks around them
            elif script[start] in "'\"`":
                what = "quoted identifier" if script[start] == "`" else "string"
                raise SQLSplitError(f"unterminated {what}", _line(script, start))
            elif delimiter == ";":
                blocks.other(script[start])
        elif kind == _QUOTED:
            if delimiter == ";":
                blocks.other("")
        else:  # a line comment
            starts_line = blanks_from == 0 or script.find("\n", blanks_from, start) >= 0
            if line_comments is not None and starts_line and script.startswith("--", start):
                line_comments.add((start, end))
            continue
        if first < 0:
            first = start
        last = end
    if blocks.depth:
        raise SQLSplitError(blocks.unclosed(), _line(script, blocks.opened_at))
    if first >= 0:
        statements.append(script[first:last])
    return statements


def unwrap_code_comments(statement: str) -> str:
    """`sqlspec.migrations.sql.unwrap_code_comments`; see there."""
    pieces: list[str] = []
    match = _mysql_pattern(";").match
    copied = i = 0
    while found := match(statement, i):
        kind = found.lastindex or _SYMBOL
        start, i = found.start(kind), found.end()
        if kind != _SYMBOL:
            continue
        if statement.startswith("/*", start):
            i = _comment_end(statement, start, nested=False)
            if code := _CODE_COMMENT.match(statement, start):
                pieces += (statement[copied:start], " ", statement[code.end() : i - 2], " ")
                copied = i
        elif statement[start] in "'\"`":
            what = "quoted identifier" if statement[start] == "`" else "string"
            raise SQLSplitError(f"unterminated {what}", _line(statement, start))
    return ("".join(pieces) + statement[copied:]).strip()


def _delimiter_command(script: str, start: int, end: int) -> tuple[str, int]:
    """The delimiter set by the ``DELIMITER`` word from ``start`` to ``end``, and where its line ends."""
    line_end = script.find("\n", end)
    line_end = len(script) if line_end < 0 else line_end
    fields = script[end:line_end].split(None, 1)
    if not fields:
        raise SQLSplitError(
            "DELIMITER without a delimiter after it; write e.g. DELIMITER // before the block and "
            "DELIMITER ; after it",
            _line(script, start),
        )
    delimiter = fields[0]
    if any(char in delimiter for char in "'\"`\\"):
        raise SQLSplitError(
            f"DELIMITER {delimiter}: a delimiter cannot hold a quote or a backslash; use e.g. // or $$",
            _line(script, start),
        )
    if re.search(r"\w", delimiter):
        raise SQLSplitError(
            f"DELIMITER {delimiter}: a delimiter holding letters or digits would also end statements "
            "inside names that hold it; use e.g. // or $$",
            _line(script, start),
        )
    if len(fields) > 1 and not _MYSQL_COMMENT_START.match(fields[1]):
        raise SQLSplitError(
            f"DELIMITER {delimiter} followed by {fields[1].strip()!r}; a DELIMITER line holds the "
            "delimiter alone (and perhaps a comment)",
            _line(script, start),
        )
    return delimiter, line_end


def _refuse_delimiter_inside(
    script: str, start: int, end: int, first: int, delimiter: str, blocks: _Compound
) -> None:
    """Refuse a ``DELIMITER`` line met inside a statement: the statement's delimiter or END is missing.

    The ``mysql`` client would send the line to the server as part of the statement. A line is
    refused only when it is a delimiter command in shape: ``delimiter text`` may be a column.
    """
    line_end = script.find("\n", end)
    fields = script[end : len(script) if line_end < 0 else line_end].split()
    if len(fields) != 1 or not script[end : end + 1].isspace() or not _DELIMITER_LIKE.fullmatch(fields[0]):
        return
    if blocks.depth:
        raise SQLSplitError(blocks.unclosed(), _line(script, blocks.opened_at))
    raise SQLSplitError(
        f"DELIMITER {fields[0]} inside the statement that starts on line {_line(script, first)}; "
        f"end that statement with {delimiter} first",
        _line(script, start),
    )


class _Compound:
    """The compound-statement blocks of one MySQL statement, so that a ``;`` inside them ends nothing.

    After ``CREATE [OR REPLACE] [DEFINER = user] [AGGREGATE] PROCEDURE|FUNCTION|TRIGGER|EVENT``
    (or ``ALTER``), a ``BEGIN`` outside parentheses opens the body unless a symbol or a word such
    as ``SELECT`` puts a name there; ``BEGIN NOT ATOMIC`` opens a block anywhere (MariaDB). Inside
    a block, a ``BEGIN`` opens one where a statement starts (after ``;``, a label, ``THEN``,
    ``ELSE``, ``DO``, ...) or as a handler's body. ``CASE``, ``LOOP``, ``WHILE``, ``REPEAT`` (not
    the function ``REPEAT(``) and MariaDB's ``FOR x IN`` open at their keyword. An IF opens at its
    ``THEN``: every ``THEN`` answers an ``IF``, an ``ELSEIF`` or a ``WHEN``, so one that no
    ``WHEN`` or ``ELSEIF`` awaits opens an IF block, while the function ``IF(`` and ``IF [NOT]
    EXISTS`` never reach a ``THEN``. ``END`` closes a CASE, a REPEAT after its UNTIL, and any other
    block when it follows a ``;`` or the block's ``BEGIN``, at the parenthesis depth the block
    opened at: ``begin`` and ``end`` are column names too, and not reserved.
    """

    __slots__ = (
        "after_end",
        "begin_at",
        "definer_operand",
        "handler",
        "head",
        "if_at",
        "last",
        "open",
        "opened_at",
        "parens",
        "pending",
        "pending_at",
        "previous",
        "routine",
        "until",
        "whens",
    )

    def __init__(self) -> None:
        self.open: list[tuple[str, int]] = []  # the open blocks: their keyword and parenthesis depth
        self.opened_at = 0  # where the outermost one opened
        self.head = _HEAD_START
        self.definer_operand = False  # in DEFINER = user@host, a name comes next
        self.routine = False
        self.parens = 0
        self.whens = 0  # WHEN and ELSEIF still waiting for their THEN
        self.handler = False  # in DECLARE ... HANDLER FOR ..., whose body may be a BEGIN block
        self.until = False  # in REPEAT's UNTIL condition, which its END follows
        self.last = ""  # the token before: a keyword upper-cased, a symbol, "" for a name or a quote
        self.after_end = False
        self.pending = ""  # REPEAT or FOR, told from the function or FOR UPDATE by what follows
        self.pending_at = 0
        self.begin_at = 0
        self.if_at = -1
        self.previous = ("", "")  # the two words before, for BEGIN NOT ATOMIC

    @property
    def depth(self) -> int:
        return len(self.open)

    def unclosed(self) -> str:
        opener = self.open[0][0]
        closer = "END" if opener in {"BEGIN", "CASE"} else f"END {opener}"
        return f"{opener} without a matching {closer}"

    def word(self, word: str, start: int) -> None:
        """Take a word, upper-cased, starting at ``start``."""
        if self.pending:
            self._resolve(word, "")
        if self.head != _HEAD_DONE:
            self._read_head(word, "")
        last, after_end = self.last, self.after_end
        self.last, self.after_end = word, False
        if last == "." or (after_end and word in _END_PARTNERS):
            self.last = ""  # a qualified name (new.end), or the IF of END IF
            return
        before, previous = self.previous
        self.previous = (previous, word)
        if word == "BEGIN":
            self.begin_at = start
            if self.open:
                starts = last in _STATEMENT_STARTS or self.handler
            else:  # a routine's body: after its head, not where a name goes
                after_head = last in {"", ")", ":"} or (_is_word_char(last, 0) and last not in _BEFORE_NAMES)
                starts = self.routine and after_head
            if starts and self.parens == 0:
                self._open(word, start)
        elif word == "END":
            self.after_end = True
            kind, parens = self.open[-1] if self.open else ("", -1)
            closes = kind == "CASE" or last in {";", "BEGIN"} or (kind == "REPEAT" and self.until)
            if closes and parens == self.parens:
                self.open.pop()
        elif word == "ATOMIC":
            if not self.open and (before, previous) == ("BEGIN", "NOT"):
                self._open("BEGIN", self.begin_at)
        elif word in {"CASE", "LOOP", "WHILE"}:
            self._open(word, start)
        elif word in {"REPEAT", "FOR"}:
            self.pending, self.pending_at = word, start
        elif word in {"WHEN", "ELSEIF"}:
            self.whens += 1
        elif word == "THEN":
            if self.whens:
                self.whens -= 1
            else:
                self._open("IF", self.if_at if self.if_at >= 0 else start)
        elif word == "IF":
            self.if_at = start
        elif word == "HANDLER":
            self.handler = True
        elif word == "UNTIL":
            self.until = True

    def other(self, symbol: str) -> None:
        """Take a symbol (its character), or a quoted string or name (``""``)."""
        if self.pending:
            self._resolve("", symbol)
        if self.head != _HEAD_DONE:
            self._read_head("", symbol)
        if symbol == "(":
            self.parens += 1
        elif symbol == ")" and self.parens:
            self.parens -= 1
        elif symbol == ";":  # inside a block: a statement of its body ended, with what it opened
            self.whens = 0
            self.handler = self.until = False
            self.parens = self.open[-1][1] if self.open else 0
        self.last = symbol
        self.after_end = False

    def _open(self, opener: str, at: int) -> None:
        if not self.open:
            self.opened_at = at
        self.open.append((opener, self.parens))

    def _resolve(self, word: str, symbol: str) -> None:
        """Settle a pending REPEAT or FOR with the token after it (a word, a symbol, or neither: a quote)."""
        pending, self.pending = self.pending, ""
        if pending == "REPEAT" and symbol != "(":
            self._open("REPEAT", self.pending_at)
        elif pending == "FOR" and not symbol:
            self.pending = "FOR IN"  # FOR name, and IN next: a MariaDB FOR loop
        elif pending == "FOR IN" and word == "IN":
            self._open("FOR", self.pending_at)

    def _read_head(self, word: str, symbol: str) -> None:
        """Follow ``CREATE [OR REPLACE] [DEFINER = user] [AGGREGATE]`` to a routine's kind, or give up."""
        if self.head == _HEAD_DEFINER:
            if symbol:
                if symbol in "=@.()":  # user@host, 'user'@'host', CURRENT_USER()
                    self.definer_operand = symbol in "=@."
                else:
                    self.head = _HEAD_DONE
                return
            if self.definer_operand:
                self.definer_operand = False
                return
            self.head = _HEAD_MODIFIERS  # the user is complete: read this word as a modifier
        if self.head == _HEAD_START:
            self.head = _HEAD_MODIFIERS if word in {"CREATE", "ALTER"} else _HEAD_DONE
        elif word == "DEFINER":
            self.head, self.definer_operand = _HEAD_DEFINER, True
        elif word in _ROUTINES:
            self.head, self.routine = _HEAD_DONE, True
        elif word not in {"OR", "REPLACE", "AGGREGATE"}:
            self.head = _HEAD_DONE
