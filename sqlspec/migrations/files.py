"""Read one migration file: its header, sections and checksum.

A file is read when it is about to run or be checked; finding files by name is
:mod:`sqlspec.migrations.folder`'s job (``discover``, ``scan`` and ``MigrationFile`` are
importable from here too). Reading never imports a Python migration: its docstring and shape
are read with :mod:`ast`, and the module is imported only to run it.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

import msgspec

from sqlspec.exceptions import MigrationSourceError
from sqlspec.migrations.folder import MigrationFile, MigrationKind, discover, scan

__all__ = (
    "CHECKSUM_ALGORITHM",
    "HeaderField",
    "Migration",
    "MigrationFile",
    "discover",
    "import_python_migration",
    "normalise",
    "parse",
    "read_header",
    "scan",
)

CHECKSUM_ALGORITHM = "sha256-v1"
"""Recorded beside each checksum so a later normalisation can tell old checksums from new."""

_PY_KEYS = {"revision id": "revision", "down revision": "down_revision"}
_SQL_KEYS = frozenset({"revision", "down_revision", "description", "transactional"})


class _Grammar:
    """The patterns of headers and sections, compiled once by the first reading that needs them."""

    def __init__(self) -> None:
        # The header grammar, for reading and for ``fix``'s rewriting alike. SQL: "-- key: value"
        # lines before the first section marker; Python: "Revision ID: value" lines in the module
        # docstring. Keys in any case; the first line of a key counts.
        self.sql_header = re.compile(r"\s*--\s*(?P<key>[A-Za-z_]+)\s*:\s*(?P<value>.*?)\s*")
        self.sql_marker = re.compile(r"--\s*(?P<section>upgrade|downgrade)\s*--", re.IGNORECASE)
        self.py_header = re.compile(
            r"(?:^|(?<=[\r\n]))[ \t]*(?P<key>revision id|down revision)[ \t]*:"
            r"[ \t]*(?P<value>[^\r\n]*?)[ \t]*(?=[\r\n]|\Z)",
            re.IGNORECASE,
        )
        # A docstring literal's opening, then its text up to the closing quote (ast has checked
        # it is one).
        self.py_string_open = re.compile(r"[rRuU]?(?P<quote>'''|\"\"\"|'|\")")
        self.py_string_text = {
            quote: re.compile(
                rf"(?:[^{quote[0]}\\]++|\\.|{quote[0]}(?!{quote[0] * 2}))*+"
                if len(quote) == 3
                else rf"(?:[^{quote}\\\r\n]++|\\(?:\r\n|.))*+",
                re.DOTALL,
            )
            for quote in ("'''", '"""', "'", '"')
        }
        self.py_between_literals = re.compile(r"(?:\s|\\|#[^\r\n]*)*+")  # blanks, continuations, comments
        self.line_break = re.compile(r"\r\n|\r|\n")  # as Python's tokenizer counts lines


@functools.cache
def _grammar() -> _Grammar:
    return _Grammar()


class HeaderField(NamedTuple):
    """A header value and where it sits in the file's text, so ``fix`` rewrites exactly what was read."""

    value: str
    start: int
    end: int


class Migration(msgspec.Struct, frozen=True, kw_only=True):
    """A parsed migration, ready to plan and run."""

    revision: str
    down_revision: str | None
    description: str
    kind: MigrationKind
    path: Path
    checksum: str
    transactional: bool = True
    upgrade_sql: str | None = None
    """SQL migrations: the upgrade section (may be empty: a recorded no-op)."""
    downgrade_sql: str | None = None
    """SQL migrations: the downgrade section, ``None`` when the file has none."""
    has_downgrade: bool = True
    section_lines: tuple[int, int] = (0, 0)
    """SQL migrations: the lines of the upgrade and downgrade markers, to give a statement's file line."""
    replaces_from: str | None = None
    """A squashed migration's first replaced revision (see :attr:`MigrationFile.replaces_from`)."""


def normalise(text: str) -> str:
    """The text a checksum is taken over: LF line ends, no trailing blanks, no blank edges."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def _checksum(*parts: str | None) -> str:
    import hashlib  # here: an up-to-date check hashes nothing, and the import is a third of this module's

    digest = hashlib.sha256()
    for part in parts:
        digest.update(b"\x00" if part is None else normalise(part).encode() + b"\x01")
    return digest.hexdigest()


def _read_text(path: Path) -> str:
    try:
        with open(path, "rb", buffering=0) as file:  # unbuffered: one read, no buffer set up per file
            data = file.read()
    except OSError as error:
        raise MigrationSourceError(path, f"cannot read file: {error.strerror or error}") from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise MigrationSourceError(path, "file is not valid UTF-8; save it as UTF-8", line=line) from error
    if not text.strip():
        raise MigrationSourceError(path, "file is empty; a migration needs a header and an upgrade section")
    return text


def _none_or_revision(value: str) -> str | None:
    return None if value.lower() in {"", "none", "null"} else value


def _check_revision(file: MigrationFile, declared: str | None, down: str | None) -> None:
    if not declared:
        raise MigrationSourceError(file.path, "header has no revision; add one matching the file name")
    if file.namespace + declared != file.revision:
        raise MigrationSourceError(
            file.path,
            f"header says revision {declared} but the file name says {file.revision}; make them agree",
        )
    if down is not None and down == declared:
        raise MigrationSourceError(file.path, f"down_revision {down} is the migration's own revision")


def read_header(path: Path, text: str) -> dict[str, HeaderField]:
    """The header of a migration's ``text``, each value with the span it occupies in ``text``.

    This is the grammar :func:`parse` reads, so ``fix`` rewrites exactly the values ``parse`` would
    read. Keys: ``revision`` and ``down_revision``; SQL files also ``description`` and
    ``transactional``. Raises :class:`MigrationSourceError` where :func:`parse` would for the header.
    """
    if path.suffix == ".sql":
        return _sql_header(path, text.splitlines(), text.splitlines(keepends=True))[0]
    return _py_header(text, _py_tree(path, text))


def _sql_header(path: Path, lines: list[str], ended: list[str]) -> tuple[dict[str, HeaderField], int]:
    """The header lines above the first section marker, and that marker's index (``len(lines)`` if none).

    ``ended`` is ``lines`` with their line ends, to place each value in the text.
    """
    grammar = _grammar()
    header: dict[str, HeaderField] = {}
    offset = 0
    for index, line in enumerate(lines):
        stripped = line.strip()
        if grammar.sql_marker.fullmatch(stripped):
            return header, index
        if stripped and not stripped.startswith("--"):
            raise MigrationSourceError(
                path, "SQL before the '-- upgrade --' marker; put statements in a section", line=index + 1
            )
        if field := grammar.sql_header.fullmatch(line):
            key = field["key"].lower()
            if key in _SQL_KEYS:
                value = HeaderField(
                    field["value"], offset + field.start("value"), offset + field.end("value")
                )
                header.setdefault(key, value)
            elif near := _close_key(key):
                # Other "-- word: text" lines are comments, but a misspelt key would be dropped
                # without a word (a lost "transactional: false" fails far from its cause).
                raise MigrationSourceError(
                    path, f"unknown header key {key!r}; did you mean {near[0]!r}?", line=index + 1
                )
        offset += len(ended[index])
    return header, len(lines)


def _close_key(key: str) -> list[str]:
    """The header key ``key`` is probably a misspelling of, if any."""
    import difflib  # here: only a "-- word: text" comment needs it

    return difflib.get_close_matches(key, _SQL_KEYS, n=1, cutoff=0.8)


def _sql_markers(lines: list[str], first: int) -> list[tuple[int, str]]:
    """The section markers from the first one (line index ``first``) on, as ``(index, section)``.

    Only markers outside literals count: a marker-shaped line inside a multi-line string, dollar
    quote or block comment is content. Above ``first`` there are only comments and blank lines.
    """
    from sqlspec.migrations.sql import top_level_line_comments  # here: a check reads no file

    marker_pattern = _grammar().sql_marker
    body = "\n".join(lines[first:])
    markers: list[tuple[int, str]] = []
    index, position = first, 0
    for start, end in top_level_line_comments(body):
        index += body.count("\n", position, start)
        position = start
        if marker := marker_pattern.fullmatch(body[start:end].strip()):
            markers.append((index, marker["section"].lower()))
    return markers


def _parse_sql(file: MigrationFile, text: str, path: Path | None = None) -> Migration:
    path = path or file.path
    lines = text.splitlines()
    header, first = _sql_header(path, lines, text.splitlines(keepends=True))
    sections: dict[str, list[str]] = {}
    starts: dict[str, int] = {}
    markers = _sql_markers(lines, first) if first < len(lines) else []
    for position, (index, section) in enumerate(markers):
        number = index + 1
        if section in sections:
            raise MigrationSourceError(file.path, f"second '-- {section} --' section", line=number)
        if section == "upgrade" and sections:
            raise MigrationSourceError(
                file.path, "'-- upgrade --' must come before '-- downgrade --'", line=number
            )
        following = markers[position + 1][0] if position + 1 < len(markers) else len(lines)
        sections[section] = lines[index + 1 : following]
        starts[section] = number
    if "upgrade" not in sections:
        raise MigrationSourceError(file.path, "no '-- upgrade --' section; add one (it may be empty)")
    values = {key: field.value for key, field in header.items()}
    revision, down = values.get("revision"), _none_or_revision(values.get("down_revision", ""))
    _check_revision(file, revision, down)
    down = down and file.namespace + down
    if "down_revision" not in values:
        raise MigrationSourceError(
            file.path, "header has no down_revision; use 'None' for the first migration"
        )
    transactional = values.get("transactional", "true").lower()
    if transactional not in {"true", "false"}:
        raise MigrationSourceError(file.path, f"transactional must be true or false, got {transactional!r}")
    upgrade = "\n".join(sections["upgrade"])
    downgrade = "\n".join(sections["downgrade"]) if "downgrade" in sections else None
    return Migration(
        revision=file.revision,
        down_revision=down,
        description=values.get("description") or file.slug.replace("_", " "),
        kind="sql",
        path=path,
        checksum=_checksum(upgrade, downgrade),
        transactional=transactional == "true",
        upgrade_sql=upgrade,
        downgrade_sql=downgrade,
        section_lines=(starts["upgrade"], starts.get("downgrade", 0)),
        has_downgrade=downgrade is not None,
        replaces_from=file.replaces_from,
    )


def _module_flag(tree: ast.Module, name: str) -> bool | None:
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, bool)
        ):
            return node.value.value
    return None


def _py_tree(path: Path, text: str) -> ast.Module:
    try:
        return ast.parse(text, filename=str(path))
    except SyntaxError as error:
        raise MigrationSourceError(path, f"Python syntax error: {error.msg}", line=error.lineno) from error
    except ValueError as error:  # a NUL byte
        raise MigrationSourceError(path, f"not Python source: {error}") from error
    except (MemoryError, RecursionError) as error:  # the parser's stack overflowed
        raise MigrationSourceError(path, "Python code is nested too deeply to parse") from error


def _py_values(docstring: str) -> dict[str, str]:
    """The header values a module docstring holds: what :func:`parse` reads."""
    values: dict[str, str] = {}
    for field in _grammar().py_header.finditer(docstring):
        values.setdefault(_PY_KEYS[field["key"].lower()], field["value"])
    return values


def _py_header(text: str, tree: ast.Module) -> dict[str, HeaderField]:
    """The module docstring's header values with their spans, found in the docstring's source.

    A value whose source differs from its text (written with escape sequences, "\\n") is left out,
    as no span holds it. Empty without a docstring. A docstring made of several literals
    ("a" "b") is read literal by literal.
    """
    docstring = ast.get_docstring(tree, clean=False)
    if docstring is None or not isinstance(tree.body[0], ast.Expr):
        return {}
    node = tree.body[0].value
    position = _offset(text, node.lineno, node.col_offset)
    end = _offset(text, node.end_lineno or node.lineno, node.end_col_offset or 0)
    grammar = _grammar()
    header: dict[str, HeaderField] = {}
    while position < end and (opening := grammar.py_string_open.match(text, position)):
        quote = opening["quote"]
        body = grammar.py_string_text[quote].match(text, opening.end())
        if body is None:  # unreachable: the pattern also matches an empty literal
            break
        for field in grammar.py_header.finditer(body[0]):
            value = HeaderField(
                field["value"], body.start() + field.start("value"), body.start() + field.end("value")
            )
            header.setdefault(_PY_KEYS[field["key"].lower()], value)
        between = grammar.py_between_literals.match(text, body.end() + len(quote))
        position = between.end() if between else end
    values = _py_values(docstring)
    return {key: field for key, field in header.items() if values.get(key) == field.value}


def _offset(text: str, lineno: int, col_offset: int) -> int:
    """Where ast's (line, UTF-8 byte column) position sits in ``text``."""
    line_start = 0
    line_break = _grammar().line_break
    for _, found in zip(range(lineno - 1), line_break.finditer(text), strict=False):
        line_start = found.end()
    line_end = line_break.search(text, line_start)
    line = text[line_start : line_end.start() if line_end else len(text)]
    return line_start + len(line.encode()[:col_offset].decode())


def _parse_python(file: MigrationFile, text: str, path: Path | None = None) -> Migration:
    path = path or file.path
    tree = _py_tree(path, text)
    docstring = ast.get_docstring(tree, clean=True)
    if not docstring:
        raise MigrationSourceError(
            file.path,
            "no module docstring; start the file with one holding 'Revision ID:' and 'Down Revision:'",
        )
    values = _py_values(ast.get_docstring(tree, clean=False) or "")
    down = _none_or_revision(values.get("down_revision", ""))
    _check_revision(file, values.get("revision"), down)
    down = down and file.namespace + down
    if "down_revision" not in values:
        raise MigrationSourceError(
            file.path, "docstring has no 'Down Revision:'; use 'None' for the first migration"
        )
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
    if "upgrade" not in functions:
        raise MigrationSourceError(
            file.path, "no upgrade(driver) function; define def or async def upgrade(driver)"
        )
    first_node = tree.body[0]
    body = "\n".join(text.splitlines()[first_node.end_lineno or 0 :])
    description = docstring.splitlines()[0].strip()
    if _grammar().py_header.match(description):
        description = file.slug.replace("_", " ")
    return Migration(
        revision=file.revision,
        down_revision=down,
        description=description,
        kind="py",
        path=path,
        checksum=_checksum(body),
        transactional=_module_flag(tree, "transactional") is not False,
        has_downgrade="downgrade" in functions,
    )


def parse(file: MigrationFile) -> Migration:
    """Read and parse one migration; raises :class:`MigrationSourceError` naming the file and line."""
    path = file.path  # built once: each use would join a Path again (about 1.4 us each)
    text = _read_text(path)
    return _parse_sql(file, text, path) if file.kind == "sql" else _parse_python(file, text, path)


@functools.cache  # unbounded: an evicted module would run its top level again
def import_python_migration(migration: Migration) -> ModuleType:
    """Import a Python migration to run it; any error while importing is a :class:`MigrationSourceError`.

    Cached per parsed migration (its checksum included), so the import that validates a run before
    anything runs is the one the run uses: the module's top level executes once.
    """
    import hashlib

    name = (
        f"sqlspec_migration_{migration.revision}_{hashlib.sha1(str(migration.path).encode()).hexdigest()[:8]}"
    )
    import importlib.util  # only to run a Python migration

    spec = importlib.util.spec_from_file_location(name, migration.path)
    if spec is None or spec.loader is None:
        raise MigrationSourceError(migration.path, "cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise MigrationSourceError(
            migration.path, f"importing it failed: {type(error).__name__}: {error}"
        ) from error
    return module
