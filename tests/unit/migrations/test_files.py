"""Discovering and parsing migration files, without a database."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlspec.exceptions import DuplicateRevisionError, MigrationSourceError
from sqlspec.migrations.files import MigrationFile, discover, parse, read_header
from sqlspec.migrations.sql import SQLSplitError, split_statements
from tests.migration_files import py_migration, sql_migration

GUIDE_SQL = """-- revision: 0001
-- down_revision: None
-- description: Add users table

-- upgrade --
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT UNIQUE NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_users_email ON users(email);

-- downgrade --
DROP INDEX idx_users_email;
DROP TABLE users;
"""

GUIDE_PY = '''"""Add users table

Revision ID: 0001
Down Revision: None
"""

def upgrade(driver):
    driver.execute("""
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            email TEXT UNIQUE NOT NULL
        )
    """)

def downgrade(driver):
    driver.execute("DROP TABLE users")
'''


def test_the_guides_sql_migration_parses(migrations_dir: Path) -> None:
    (migrations_dir / "0001_add_users_table.sql").write_text(GUIDE_SQL)
    [file] = discover(migrations_dir)
    migration = parse(file)
    assert (migration.revision, migration.down_revision, migration.description) == (
        "0001",
        None,
        "Add users table",
    )
    assert migration.kind == "sql"
    assert migration.transactional
    assert "CREATE INDEX idx_users_email" in (migration.upgrade_sql or "")
    assert (migration.downgrade_sql or "").strip().endswith("DROP TABLE users;")


def test_the_guides_python_migration_parses_without_importing(migrations_dir: Path) -> None:
    (migrations_dir / "0001_add_users_table.py").write_text(GUIDE_PY + "\nraise SystemExit('imported!')\n")
    migration = parse(discover(migrations_dir)[0])
    assert (migration.revision, migration.down_revision, migration.description) == (
        "0001",
        None,
        "Add users table",
    )
    assert migration.kind == "py"
    assert migration.has_downgrade


def test_discover_orders_sequential_then_timestamp_and_ignores_other_files(migrations_dir: Path) -> None:
    for name in ["20251115123000_b.sql", "0002_b.py", "0010_c.sql", "20251115120000_a.sql", "0001_a.sql"]:
        (migrations_dir / name).write_text("")
    for ignored in ["__init__.py", "_draft.sql", ".hidden.sql", "README.md", "notes.txt"]:
        (migrations_dir / ignored).write_text("")
    (migrations_dir / "subdir.sql").mkdir()
    assert [f.revision for f in discover(migrations_dir)] == [
        "0001",
        "0002",
        "0010",
        "20251115120000",
        "20251115123000",
    ]


def test_duplicate_revisions_are_refused_naming_both_files(migrations_dir: Path) -> None:
    (migrations_dir / "0001_a.sql").write_text("")
    (migrations_dir / "0001_b.py").write_text("")
    with pytest.raises(DuplicateRevisionError, match=r"0001.*0001_a\.sql.*0001_b\.py"):
        discover(migrations_dir)


@pytest.mark.parametrize("name", ["add_users.sql", "0001-add-users.sql", "0001_add users.sql", "v1_x.sql"])
def test_badly_named_files_are_refused(migrations_dir: Path, name: str) -> None:
    (migrations_dir / name).write_text("")
    with pytest.raises(MigrationSourceError, match="file name must be"):
        discover(migrations_dir)


def test_missing_folder_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(MigrationSourceError, match="sqlspec init"):
        discover(tmp_path / "nope")


def _parse_one(folder: Path) -> object:
    return parse(discover(folder)[0])


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("", "file is empty"),
        ("   \n\n", "file is empty"),
        ("-- revision: 0001\n-- down_revision: None\nCREATE TABLE t (id int);\n", "SQL before"),
        ("-- revision: 0001\n-- down_revision: None\n", "no '-- upgrade --' section"),
        ("-- down_revision: None\n-- upgrade --\n", "no revision"),
        ("-- revision: 0002\n-- down_revision: None\n-- upgrade --\n", "file name says 0001"),
        ("-- revision: 0001\n-- upgrade --\n", "no down_revision"),
        ("-- revision: 0001\n-- down_revision: 0001\n-- upgrade --\n", "own revision"),
        (
            "-- revision: 0001\n-- down_revision: None\n-- transactional: maybe\n-- upgrade --\n",
            "true or false",
        ),
        ("-- revision: 0001\n-- down_revision: None\n-- upgrade --\n-- upgrade --\n", "second"),
        (
            "-- revision: 0001\n-- down_revision: None\n-- downgrade --\nx;\n-- upgrade --\ny;\n",
            "must come before",
        ),
    ],
)
def test_malformed_sql_files_name_the_problem(migrations_dir: Path, content: str, words: str) -> None:
    path = migrations_dir / "0001_x.sql"
    path.write_text(content)
    with pytest.raises(MigrationSourceError, match=words) as caught:
        _parse_one(migrations_dir)
    assert str(path) in str(caught.value)


def test_non_utf8_file_is_refused_with_its_line(migrations_dir: Path) -> None:
    (migrations_dir / "0001_x.sql").write_bytes(b"-- revision: 0001\n-- description: caf\xe9\n")
    with pytest.raises(MigrationSourceError, match=r"0001_x\.sql:2: file is not valid UTF-8"):
        _parse_one(migrations_dir)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("def upgrade(driver):\n    pass\n", "no module docstring"),
        ('"""x\n\nRevision ID: 0001\nDown Revision: None\n"""\ndef upgrade(driver) pass\n', "syntax error"),
        (
            '"""x\n\nRevision ID: 0001\nDown Revision: None\n"""\ndef downgrade(driver):\n    pass\n',
            "no upgrade",
        ),
        ('"""x\n\nDown Revision: None\n"""\ndef upgrade(driver):\n    pass\n', "no revision"),
        ('"""x\n\nRevision ID: 0001\n"""\ndef upgrade(driver):\n    pass\n', "Down Revision"),
    ],
)
def test_malformed_python_files_name_the_problem(migrations_dir: Path, content: str, words: str) -> None:
    (migrations_dir / "0001_x.py").write_text(content)
    with pytest.raises(MigrationSourceError, match=words):
        _parse_one(migrations_dir)


def test_missing_downgrade_section_is_allowed_and_known(migrations_dir: Path) -> None:
    sql_migration(migrations_dir, "0001", "x", "CREATE TABLE t (id int);", downgrade=None)
    migration = parse(discover(migrations_dir)[0])
    assert not migration.has_downgrade
    assert migration.downgrade_sql is None


def test_transactional_false_is_read_from_sql_header_and_python_module(migrations_dir: Path) -> None:
    sql_migration(migrations_dir, "0001", "a", "SELECT 1;", extra_header="-- transactional: false\n")
    py_migration(migrations_dir, "0002", "b", "transactional = False\n\ndef upgrade(driver):\n    pass\n")
    first, second = (parse(f) for f in discover(migrations_dir))
    assert not first.transactional
    assert not second.transactional


class TestChecksum:
    """The checksum covers the sections, not the header, and ignores line-end and whitespace noise."""

    def _checksum(self, folder: Path, name: str, text: str | bytes) -> str:
        for old in folder.iterdir():
            old.unlink()
        path = folder / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        return parse(discover(folder)[0]).checksum

    def test_renumbering_keeps_the_checksum(self, migrations_dir: Path) -> None:
        stamped = self._checksum(
            migrations_dir, "20251115120000_a.sql", GUIDE_SQL.replace("0001", "20251115120000")
        )
        renumbered = self._checksum(migrations_dir, "0007_a.sql", GUIDE_SQL.replace("0001", "0007"))
        assert stamped == renumbered

    def test_crlf_bom_and_trailing_spaces_do_not_change_it(self, migrations_dir: Path) -> None:
        plain = self._checksum(migrations_dir, "0001_a.sql", GUIDE_SQL)
        noisy = "\ufeff" + GUIDE_SQL.replace("\n", "  \r\n")
        assert self._checksum(migrations_dir, "0001_a.sql", noisy.encode()) == plain

    def test_changing_a_statement_changes_it(self, migrations_dir: Path) -> None:
        plain = self._checksum(migrations_dir, "0001_a.sql", GUIDE_SQL)
        edited = self._checksum(
            migrations_dir, "0001_a.sql", GUIDE_SQL.replace("DROP TABLE users", "DROP TABLE u")
        )
        assert edited != plain

    def test_python_docstring_is_header_but_code_is_not(self, migrations_dir: Path) -> None:
        plain = self._checksum(migrations_dir, "0001_a.py", GUIDE_PY)
        renumbered = self._checksum(migrations_dir, "0009_a.py", GUIDE_PY.replace("0001", "0009"))
        edited = self._checksum(
            migrations_dir, "0001_a.py", GUIDE_PY.replace("DROP TABLE users", "DROP TABLE x")
        )
        assert plain == renumbered
        assert edited != plain


def test_python_header_keys_are_read_in_any_case(tmp_path: Path) -> None:
    path = tmp_path / "0002_lower.py"
    path.write_text(
        '"""Lower.\n\nrevision id: 0002\nDOWN REVISION: 0001\n"""\n\ndef upgrade(driver):\n    pass\n'
    )
    migration = parse(MigrationFile("0002", "lower", "py", tmp_path, path.name))
    assert (migration.revision, migration.down_revision) == ("0002", "0001")


@pytest.mark.parametrize(
    ("typo", "meant"), [("transactonal", "transactional"), ("down_revison", "down_revision")]
)
def test_a_misspelt_sql_header_key_is_named_not_dropped(migrations_dir: Path, typo: str, meant: str) -> None:
    path = migrations_dir / "0001_t.sql"
    path.write_text(
        f"-- revision: 0001\n-- down_revision: None\n-- {typo}: false\n-- author: somebody\n"
        "-- upgrade --\nSELECT 1;\n"
    )
    with pytest.raises(MigrationSourceError, match=f"unknown header key '{typo}'; did you mean '{meant}'"):
        parse(discover(migrations_dir)[0])


NOTE_DOWNGRADE = "\n-- downgrade --\nDROP TABLE notes;"


@pytest.mark.parametrize(
    "literal",
    [
        "'first line\n-- downgrade --\nlast line'",
        "$body$\n-- downgrade --\n$body$",
        "E'it\\'s\n-- downgrade --\n'",
        "/* a note */ 'x'\n/*\n-- downgrade --\n*/",
        '"a\n-- upgrade --\nname"',
    ],
    ids=["string", "dollar-quote", "e-string", "block-comment", "quoted-identifier"],
)
def test_a_marker_line_inside_a_literal_is_content(migrations_dir: Path, literal: str) -> None:
    upgrade = f"CREATE TABLE notes (body text);\nINSERT INTO notes VALUES ({literal});"
    sql_migration(migrations_dir, "0001", "notes", upgrade, downgrade="DROP TABLE notes;")
    migration = parse(discover(migrations_dir)[0])
    assert migration.upgrade_sql == upgrade + "\n"
    assert migration.downgrade_sql == "DROP TABLE notes;"
    assert migration.section_lines == (5, 5 + upgrade.count("\n") + 3)


def test_a_section_commented_out_in_a_block_comment_is_not_an_error(migrations_dir: Path) -> None:
    upgrade = "CREATE TABLE t (id int);\n/* not yet:\n-- downgrade --\nDROP TABLE t;\n*/"
    sql_migration(migrations_dir, "0001", "t", upgrade, downgrade=None)
    migration = parse(discover(migrations_dir)[0])
    assert migration.upgrade_sql == upgrade
    assert not migration.has_downgrade


@pytest.mark.parametrize(
    "upgrade",
    [
        "SELECT [it's] FROM t;",  # a SQLite identifier; PostgreSQL would read a string
        "/* a /* b */\nSELECT 1;",  # closed for SQLite; PostgreSQL nests comments
        "# the users' table\nCREATE TABLE t (id int);",  # a MySQL comment; the others read a string
        "INSERT INTO t VALUES ('it\\'s', \"a\\\"b\");",  # MySQL's backslash escapes
        "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT '$$'; END$$\nDELIMITER ;",
    ],
)
def test_a_marker_either_database_sees_is_a_marker(migrations_dir: Path, upgrade: str) -> None:
    # Where the databases read a file differently, a wrong cut fails to split before anything runs;
    # a missed marker would run the downgrade's statements as part of the upgrade.
    sql_migration(migrations_dir, "0001", "t", upgrade, downgrade="DROP TABLE t;")
    migration = parse(discover(migrations_dir)[0])
    assert migration.upgrade_sql == upgrade + "\n"
    assert migration.downgrade_sql == "DROP TABLE t;"


def test_an_unterminated_string_keeps_the_rest_of_the_file_in_its_section(migrations_dir: Path) -> None:
    # The splitter then reports the string, naming its section and line, before anything runs.
    sql_migration(migrations_dir, "0001", "t", "INSERT INTO t VALUES ('x);", downgrade="DROP TABLE t;")
    migration = parse(discover(migrations_dir)[0])
    assert "DROP TABLE t;" in (migration.upgrade_sql or "")
    with pytest.raises(SQLSplitError, match="line 1: unterminated string"):
        split_statements(migration.upgrade_sql or "", "postgres")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("0001_a.sql", "-- Revision : 0001\n--DOWN_REVISION:None  \n-- upgrade --\n"),
        ("0001_a.py", "# Revision ID: comment\n'''Title\n\n  revision id:0001\nDOWN REVISION :  None\n'''\n"),
        ("0001_a.py", '"""Revision ID: 0001\r\nDown Revision: None"""\r\ndef upgrade(driver): pass\n'),
    ],
)
def test_read_header_gives_each_value_with_its_place(tmp_path: Path, name: str, text: str) -> None:
    header = read_header(tmp_path / name, text)
    assert {key: text[field.start : field.end] for key, field in header.items()} == {
        "revision": "0001",
        "down_revision": "None",
    }
    assert {key: field.value for key, field in header.items()} == {
        "revision": "0001",
        "down_revision": "None",
    }
