"""Any bytes in a migration file either parse or raise the project's own error, never anything else.

Inputs are drawn both from raw bytes and from a soup of the pieces real files are made of (header
lines, section markers, docstrings, statements, BOMs, CRLFs), so the parser's deeper paths are hit.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqlspec.dialects.postgres import POSTGRES
from sqlspec.dialects.sqlite import SQLITE
from sqlspec.exceptions import MigrationSourceError
from sqlspec.migrations.files import Migration, MigrationFile, parse
from sqlspec.migrations.statements import migration_statements

BOUNDED = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SQL_PIECES = [
    "-- revision: 0001\n",
    "-- revision: 0002\n",
    "-- down_revision: None\n",
    "-- down_revision: 0001\n",
    "-- description: anything: at all\n",
    "-- transactional: false\n",
    "-- transactional: maybe\n",
    "-- upgrade --\n",
    "-- downgrade --\n",
    "--UPGRADE--\r\n",
    "CREATE TABLE t (id INTEGER);\n",
    "SELECT 'a;b', \"c;d\", $$e;f$$;\n",
    "CREATE INDEX CONCURRENTLY i ON t (id);\n",
    "/* unterminated",
    "'unterminated",
    "\ufeff",
    "\r\n",
    "\x00",
    "   \t\n",
]
PY_PIECES = [
    '"""Title\n\nRevision ID: 0001\nDown Revision: None\n"""\n',
    '"""Revision ID: 0002\nDown Revision: 0001"""\n',
    "'''no header'''\n",
    "def upgrade(driver):\n    pass\n",
    "async def upgrade(driver):\n    await driver.execute('SELECT 1')\n",
    "def downgrade(driver):\n    pass\n",
    "transactional = False\n",
    "import does_not_exist\n",
    "def broken(:\n",
    "\ufeff",
    "\r\n",
    "\x00",
    "    indented\n",
    "(" * 200,
]


def _soup(pieces: list[str]) -> st.SearchStrategy[bytes]:
    text = st.lists(st.one_of(st.sampled_from(pieces), st.text(max_size=8)), max_size=12).map("".join)
    return st.one_of(st.binary(max_size=200), text.map(lambda s: s.encode("utf-8", "surrogatepass")))


def _parse_bytes(data: bytes, kind: str) -> Migration | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"0001_fuzz.{kind}"
        path.write_bytes(data)
        try:
            migration = parse(
                MigrationFile("0001", "fuzz", "sql" if kind == "sql" else "py", path.parent, path.name)
            )
            for dialect in (SQLITE, POSTGRES):
                migration_statements(migration, "upgrade", dialect)
                migration_statements(migration, "downgrade", dialect)
        except MigrationSourceError as error:
            message = str(error)
        else:
            return migration
    assert "\n" not in message, "errors are one line"
    assert str(path) in message, "errors name the file"
    return None


@BOUNDED
@given(_soup(SQL_PIECES))
def test_any_sql_file_parses_or_raises_a_source_error(data: bytes) -> None:
    migration = _parse_bytes(data, "sql")
    if migration is not None:
        assert migration.revision == "0001"
        assert migration.upgrade_sql is not None


@BOUNDED
@given(_soup(PY_PIECES))
def test_any_python_file_parses_or_raises_a_source_error(data: bytes) -> None:
    migration = _parse_bytes(data, "py")
    if migration is not None:
        assert migration.revision == "0001"
        assert migration.kind == "py"


@BOUNDED
@given(st.sampled_from(["\n", "\r\n"]), st.booleans(), st.sampled_from(["", "   ", "\t"]))
def test_line_endings_bom_and_trailing_blanks_keep_the_checksum(newline: str, bom: bool, blanks: str) -> None:
    lines = ["-- revision: 0001", "-- down_revision: None", "-- upgrade --", "CREATE TABLE t (id INTEGER);"]
    plain = _parse_bytes(("\n".join(lines) + "\n").encode(), "sql")
    varied = _parse_bytes(
        (("\ufeff" if bom else "") + newline.join(line + blanks for line in lines) + newline).encode(), "sql"
    )
    assert plain is not None
    assert varied is not None
    assert varied.checksum == plain.checksum
