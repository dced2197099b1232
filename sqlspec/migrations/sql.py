"""Split a migration's SQL into statements with a small lexer, never by searching for ``;``.

Migrations run one statement at a time, so that a failure can name its statement and so that
drivers which take a single statement per call (sqlite3) work. Cutting at every ``;`` breaks the
first function body, trigger or string that holds one, and a full SQL parser is slow and tied to
one dialect. A lexer that only knows where strings, identifiers, comments, dollar quotes and block
bodies start and end finds the top-level ``;`` in one linear pass, for any dialect we run.
"""

from __future__ import annotations

from typing import Literal

__all__ = ("SQLSplitError", "split_statements")

_TRIGGER_HEADS = (("CREATE", "TRIGGER"), ("CREATE", "TEMP", "TRIGGER"), ("CREATE", "TEMPORARY", "TRIGGER"))


class SQLSplitError(ValueError):
    """A string, quoted identifier, block comment or dollar quote is never closed.

    ``line`` is the 1-based line of ``script`` on which the unterminated construct starts.
    """

    def __init__(self, message: str, line: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.message = message
        self.line = line


def split_statements(script: str, dialect: Literal["postgres", "sqlite", "generic"] = "generic") -> list[str]:
    """The statements of ``script`` in order, without their terminating ``;``.

    A statement's text runs from its first token to its last one: comments between tokens are kept
    verbatim (the database ignores them), comments and whitespace before the first token or after
    the last are dropped, so a chunk holding only comments yields no statement at all.

    Dialects: ``postgres`` knows ``E'\\''`` escape strings, nested ``/* */`` comments and dollar
    quotes; ``sqlite`` knows backtick and ``[bracket]`` identifiers and flat comments; ``generic``
    knows backticks, flat comments and dollar quotes. ``CREATE [TEMP] TRIGGER ... BEGIN ... END``
    and ``BEGIN ATOMIC ... END`` bodies (with ``CASE ... END`` nested in them) are one statement in
    every dialect. Raises `SQLSplitError` for a construct that is never closed.
    """
    postgres, sqlite = dialect == "postgres", dialect == "sqlite"
    statements: list[str] = []
    n = len(script)
    i = 0
    first = -1  # index of the current statement's first token, -1 until there is one
    last = 0  # index just past its last token
    head: tuple[str, ...] = ()  # its first words, to recognise CREATE [TEMP] TRIGGER
    trigger = False
    previous = ""  # the previous word, upper-cased
    depth = 0  # open BEGIN/CASE ... END blocks
    after_dot = False  # the previous token was '.', so a word is a qualified name, not a keyword
    while i < n:
        char = script[i]
        if char.isspace():
            i += 1
            continue
        if char == "-" and script.startswith("-", i + 1):
            end = script.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if char == "/" and script.startswith("*", i + 1):
            i = _comment_end(script, i, nested=postgres)
            continue
        if char == ";" and depth == 0:
            if first >= 0:
                statements.append(script[first:last])
            first, head, trigger, previous, after_dot = -1, (), False, "", False
            i += 1
            continue
        if first < 0:
            first = i
        if char.isalnum() or char == "_":
            j = _word_end(script, i)
            word = script[i:j].upper()
            if len(head) < 3:
                head = (*head, word)
                trigger = trigger or head in _TRIGGER_HEADS
            if not after_dot:
                depth = _block_depth(depth, word, previous, trigger)
                previous = word
        elif char == "'":
            escapes = postgres and script[i - 1 : i] in ("e", "E") and not _is_word_char(script, i - 2)
            j = _quoted_end(script, i, "'", escapes)
        elif char == '"' or (char == "`" and not postgres):
            j = _quoted_end(script, i, char, escapes=False)
        elif char == "[" and sqlite:
            j = _quoted_end(script, i, "]", escapes=False)
        elif char == "$" and not sqlite:
            j = _dollar_end(script, i)
        else:
            j = i + 1
        after_dot = char == "."
        i = last = j
    if first >= 0:
        statements.append(script[first:last])
    return statements


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


def _word_end(script: str, i: int) -> int:
    """Past a word, number or unquoted identifier (PostgreSQL and SQLite allow '$' inside those)."""
    n = len(script)
    while i < n and (script[i].isalnum() or script[i] in "_$"):
        i += 1
    return i


def _quoted_end(script: str, start: int, close: str, escapes: bool) -> int:
    """Past the string or quoted identifier opened at ``start``; a doubled quote stands for itself."""
    i = start + 1
    while True:
        end = script.find(close, i)
        if end < 0:
            kind = "string" if close == "'" else "quoted identifier"
            raise SQLSplitError(f"unterminated {kind}", _line(script, start))
        slash = script.find("\\", i, end) if escapes else -1
        if slash >= 0:
            i = slash + 2  # skips the escaped character, which may be the quote at ``end``
        elif script.startswith(close, end + 1):
            i = end + 2
        else:
            return end + 1


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


def _dollar_end(script: str, start: int) -> int:
    """Past the ``$tag$ ... $tag$`` quote at ``start``, or just past a '$' that opens none ($1)."""
    n = len(script)
    i = start + 1
    if i < n and not script[i].isdigit():
        while i < n and (script[i].isalnum() or script[i] == "_"):
            i += 1
    if i >= n or script[i] != "$":
        return start + 1
    delimiter = script[start : i + 1]
    close = script.find(delimiter, i + 1)
    if close < 0:
        raise SQLSplitError(f"unterminated dollar-quoted string {delimiter}", _line(script, start))
    return close + len(delimiter)


def _line(script: str, index: int) -> int:
    return script.count("\n", 0, index) + 1
