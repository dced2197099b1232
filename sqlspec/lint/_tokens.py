"""The SQLite and MySQL rules, read from each statement's words (no parser needed for these).

The statements come from the engine's own splitter, so strings, comments and block bodies are
already where the database will see them; each statement is then cut into words, names, strings
and symbols, and the few shapes the rules care about (``ALTER TABLE``, ``DROP TABLE``, ``PRAGMA``,
a data change without ``WHERE``) are matched on the words.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import NamedTuple

from sqlspec.dialects import Dialect
from sqlspec.lint._source import Statement
from sqlspec.lint._state import Hit, RunState, table_key
from sqlspec.migrations.files import Migration

__all__ = ("check",)

_COMMON = r"""\s+|--[^\n]*|/\*.*?(?:\*/|\Z)|`(?:[^`]|``)*`|[A-Za-z_0-9$\x80-\uffff]+"""
_SCANNERS = {
    "sqlite": re.compile(
        rf"""{_COMMON}|'(?:[^']|'')*'|"(?:[^"]|"")*"|\[[^\]]*\]|.""",
        re.DOTALL,
    ),
    # MySQL: backslash escapes in strings, "..." is a string (ANSI_QUOTES aside), # comments.
    "mysql": re.compile(
        rf"""{_COMMON}|\#[^\n]*|'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|.""",
        re.DOTALL,
    ),
}
_KEY_WORDS = frozenset(
    {"CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "INDEX", "KEY", "FULLTEXT", "SPATIAL"}
)
_FALSE = frozenset({"OFF", "0", "FALSE", "NO"})


class _Token(NamedTuple):
    kind: str
    """``w`` a word, ``n`` a quoted name, ``s`` a string, ``p`` a symbol."""
    word: str
    """A word upper-cased; a name unquoted and lower-cased; else the text."""


def _tokens(text: str, lexer: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _SCANNERS[lexer].finditer(text):
        value = match.group()
        first = value[0]
        if first.isspace() or value.startswith(("--", "/*", "#")):
            continue
        if first in "`[" or (first == '"' and lexer == "sqlite"):
            tokens.append(_Token("n", value[1:-1].lower()))
        elif first in "'\"":
            tokens.append(_Token("s", value))
        elif first.isalnum() or first in "_$" or ord(first) > 127:
            tokens.append(_Token("w", value.upper()))
        else:
            tokens.append(_Token("p", value))
    return tokens


def _words(tokens: Sequence[_Token]) -> list[str]:
    return [token.word if token.kind == "w" else "" for token in tokens]


def _name_at(tokens: Sequence[_Token], index: int) -> tuple[str, int]:
    """The (possibly qualified) name starting at ``index``, lower-cased, and the index after it."""
    name = ""
    while index < len(tokens) and tokens[index].kind in "wn":
        name = tokens[index].word.lower()
        if index + 1 < len(tokens) and tokens[index + 1].word == ".":
            index += 2
            continue
        return name, index + 1
    return name, index


def _skip(words: Sequence[str], index: int, *optional: str) -> int:
    """Past the ``optional`` words that follow ``index`` in that order, each if present."""
    for word in optional:
        if index < len(words) and words[index] == word:
            index += 1
    return index


def _actions(tokens: Sequence[_Token], start: int) -> list[list[_Token]]:
    """The comma-separated actions of an ALTER TABLE, from ``start``; commas in parentheses don't cut."""
    actions: list[list[_Token]] = [[]]
    depth = 0
    for token in tokens[start:]:
        if token.word == "(":
            depth += 1
        elif token.word == ")":
            depth -= 1
        elif token.word == "," and depth == 0:
            actions.append([])
            continue
        actions[-1].append(token)
    return [action for action in actions if action]


def _top_level(words: Sequence[str], tokens: Sequence[_Token], word: str) -> bool:
    depth = 0
    for token, upper in zip(tokens, words, strict=True):
        depth += (token.word == "(") - (token.word == ")")
        if depth == 0 and upper == word:
            return True
    return False


class _Checker:
    def __init__(
        self, migration: Migration, statements: Sequence[Statement], state: RunState, lexer: str
    ) -> None:
        self.migration = migration
        self.statements = statements
        self.state = state
        self.lexer = lexer
        self.hits: list[Hit] = []
        self.first_ddl: int | None = None
        self.first_data: tuple[int, str] | None = None
        self.foreign_keys_off: int | None = None
        self.drops: list[tuple[int, str, Hit | None]] = []
        self.renames: list[tuple[int, str, str, Hit | None]] = []

    def hit(self, rule: str, index: int, message: str) -> None:
        self.hits.append(Hit(rule, index, message))

    def ddl(self, index: int) -> None:
        if self.first_ddl is None:
            self.first_ddl = index

    def run(self, dialect: Dialect) -> list[Hit]:
        for index, statement in enumerate(self.statements):
            tokens = _tokens(dialect.executable_text(statement.text), self.lexer)
            if tokens:
                self.statement(index, tokens)
        rebuilt = self.rebuilds()
        for index, _, found in self.drops:
            if found is not None and index not in rebuilt:
                self.hits.append(found)
        for index, _, _, found in self.renames:
            if found is not None and index not in rebuilt:
                self.hits.append(found)
        if self.lexer == "mysql" and self.first_data is not None and self.first_ddl is not None:
            index, what = self.first_data
            line = self.statements[self.first_ddl].line
            self.hit("mixed-schema-and-data", index, f"{what} in the same migration as DDL (line {line})")
        return sorted(self.hits, key=lambda found: found.statement)

    def statement(self, index: int, tokens: list[_Token]) -> None:
        words = _words(tokens)
        head = words[0]
        if head == "CREATE":
            at = _skip(words, 1, "TEMP", "TEMPORARY")
            if at < len(words) and words[at] == "TABLE":
                name, _ = _name_at(tokens, _skip(words, at + 1, "IF", "NOT", "EXISTS"))
                self.state.created(name)
            elif "INDEX" in words[:4] and "ON" in words:
                name, _ = _name_at(tokens, words.index("ON") + 1)
                if self.state.exists(name):
                    self.ddl(index)
        elif head == "ALTER" and len(words) > 2 and words[1] == "TABLE":
            name, at = _name_at(tokens, _skip(words, 2, "IF", "EXISTS"))
            self.alter_table(index, name, _actions(tokens, at))
        elif head == "DROP" and len(words) > 2 and words[1] == "TABLE":
            at = _skip(words, 2, "IF", "EXISTS")
            while at < len(tokens):
                name, at = _name_at(tokens, at)
                exists = self.state.exists(name)
                if exists:
                    self.ddl(index)
                found = Hit("drop-column-or-table", index, f"table {name} is dropped") if exists else None
                self.drops.append((index, name, found))
                at += 1  # the comma
        elif head == "RENAME" and len(words) > 1 and words[1] == "TABLE":  # MySQL
            at = 2
            while at < len(tokens):
                old, at = _name_at(tokens, at)
                new, at = _name_at(tokens, at + 1)
                self.rename_table(index, old, new)
                at += 1
        elif head == "PRAGMA" and "FOREIGN_KEYS" in words and len(tokens) > 2:
            if tokens[-1].word.strip("'\"").upper() in _FALSE and self.foreign_keys_off is None:
                self.foreign_keys_off = index
        elif head in {"UPDATE", "DELETE"}:
            name, _ = _name_at(tokens, _skip(words, 1, "LOW_PRIORITY", "QUICK", "IGNORE", "FROM"))
            if not _top_level(words, tokens, "WHERE") and self.state.exists(name) and self.first_data is None:
                self.first_data = (index, f"{head} of every row of {name}")
        elif head in {"INSERT", "REPLACE"} and "SELECT" in words and "FROM" in words:
            source, _ = _name_at(tokens, words.index("FROM", words.index("SELECT")) + 1)
            if self.state.exists(source):
                target, _ = _name_at(tokens, _skip(words, 1, "OR", "REPLACE", "IGNORE", "INTO"))
                self.state.filled(target)
                if self.first_data is None:
                    self.first_data = (index, f"INSERT ... SELECT from {source}")

    def alter_table(self, index: int, table: str, actions: list[list[_Token]]) -> None:
        exists = self.state.exists(table)
        if exists:
            self.ddl(index)
        sqlite = self.lexer == "sqlite"
        if sqlite and len(actions) > 1:
            self.hit("sqlite-unsupported-alter", index, f"ALTER TABLE {table} has {len(actions)} actions")
        for action in actions:
            words = _words(action)
            verb = words[0]
            second = words[1] if len(words) > 1 else ""
            if verb == "RENAME" and (second == "COLUMN" or "TO" in words[2:3]):
                at = 2 if second == "COLUMN" else 1
                old, at = _name_at(action, at)
                new, _ = _name_at(action, at + 1)
                if exists:
                    self.hit("rename-column-or-table", index, f"column {table}.{old} is renamed to {new}")
            elif verb == "RENAME" and second not in {"INDEX", "KEY"}:
                new, _ = _name_at(action, _skip(words, 1, "TO", "AS"))
                self.rename_table(index, table, new)
            elif verb == "ADD" and second not in _KEY_WORDS:
                self.add_column(index, table, action[_skip(words, 1, "COLUMN") :])
            elif verb == "ADD" and sqlite:
                self.hit("sqlite-unsupported-alter", index, f"ALTER TABLE {table} ADD {second}")
            elif verb == "DROP" and second not in _KEY_WORDS:
                column, _ = _name_at(action, _skip(words, 1, "COLUMN"))
                if sqlite:
                    self.hit("sqlite-drop-column", index, f"column {table}.{column} is dropped")
                if exists:
                    self.hit("drop-column-or-table", index, f"column {table}.{column} is dropped")
            elif sqlite and verb in {"DROP", "ALTER", "MODIFY", "CHANGE"}:
                self.hit("sqlite-unsupported-alter", index, f"ALTER TABLE {table} {verb} {second}".rstrip())
            elif verb == "CHANGE" and exists:  # MySQL: CHANGE [COLUMN] old new type
                old, at = _name_at(action, _skip(words, 1, "COLUMN"))
                new, _ = _name_at(action, at)
                if old != new:
                    self.hit("rename-column-or-table", index, f"column {table}.{old} is renamed to {new}")

    def add_column(self, index: int, table: str, definition: list[_Token]) -> None:
        if self.lexer != "sqlite":
            return
        words = _words(definition)
        column, _ = _name_at(definition, 0)
        default_at = words.index("DEFAULT") if "DEFAULT" in words else -1
        after = definition[default_at + 1].word.upper() if 0 <= default_at < len(definition) - 1 else ""
        not_null = any(a == "NOT" and b == "NULL" for a, b in itertools.pairwise(words))
        if not_null and (default_at < 0 or after == "NULL"):
            self.hit(
                "sqlite-add-column-not-null-without-default",
                index,
                f"new column {table}.{column} is NOT NULL with no default",
            )
        if "PRIMARY" in words or "UNIQUE" in words:
            self.hit("sqlite-unsupported-alter", index, f"new column {table}.{column} is a key")
        elif after in {"(", "CURRENT_TIME", "CURRENT_DATE", "CURRENT_TIMESTAMP"}:
            self.hit(
                "sqlite-unsupported-alter", index, f"new column {table}.{column} has a non-constant default"
            )
        elif "STORED" in words:
            self.hit("sqlite-unsupported-alter", index, f"new column {table}.{column} is stored generated")

    def rename_table(self, index: int, old: str, new: str) -> None:
        exists = self.state.exists(old)
        if exists:
            self.ddl(index)
        found = Hit("rename-column-or-table", index, f"table {old} is renamed to {new}") if exists else None
        self.renames.append((index, old, new, found))
        self.state.renamed(old, new)

    def rebuilds(self) -> set[int]:
        """The statements of table rebuilds (drop the old table, rename the new one to its name).

        Either order counts: DROP t then RENAME x TO t, or RENAME t TO x then DROP x. A rebuild's
        drop and rename are not reported as such; SQLite's rebuild needs foreign keys off.
        """
        parts: set[int] = set()
        for drop_index, dropped, _ in self.drops:
            for rename_index, old, new, _ in self.renames:
                if table_key(new) != table_key(dropped):
                    continue
                parts |= {drop_index, rename_index}
                if self.lexer != "sqlite":
                    continue
                if rename_index < drop_index:  # the old table renamed away, its copy dropped
                    message = (
                        f"table {old} is renamed away before its copy is dropped, which repoints other "
                        "tables' foreign keys at the dropped copy; create the new table under a new name, "
                        "copy, drop the old one and rename the new one"
                    )
                    self.hit("sqlite-rebuild-foreign-keys", rename_index, message)
                else:
                    self.rebuild_foreign_keys(drop_index, dropped)
        return parts

    def rebuild_foreign_keys(self, index: int, table: str) -> None:
        off = self.foreign_keys_off
        if off is not None and off < index and not self.migration.transactional:
            return
        if off is not None and off < index:
            why = "PRAGMA foreign_keys does nothing inside the migration's transaction"
        else:
            why = "foreign keys are not turned off first"
        message = f"table {table} is rebuilt, but {why}"
        if all(found.message != message for found in self.hits):
            self.hit("sqlite-rebuild-foreign-keys", index, message)


def check(
    migration: Migration, statements: Sequence[Statement], state: RunState, dialect: Dialect
) -> list[Hit]:
    """The rules broken by one SQLite or MySQL migration's upgrade; updates ``state`` for the next."""
    lexer = "mysql" if dialect.lexer == "mysql" else "sqlite"
    return _Checker(migration, statements, state, lexer).run(dialect)
