"""``fix``: timestamp files become one sequential chain, checksums kept, and no crash loses a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlspec.exceptions import MigrationSourceError
from sqlspec.migrations.files import discover, parse
from sqlspec.migrations.fix import JOURNAL, apply_fix, plan_fix
from tests.migration_files import py_migration, sql_migration

USERS = "20251115120000"
POSTS = "20251115123000"
SEED = "20251116090000"


def _branch_work(folder: Path) -> None:
    """Two merged sequential migrations, then three timestamp ones from different branches."""
    sql_migration(folder, "0001", "init", "CREATE TABLE a (id INTEGER);")
    sql_migration(folder, "0002", "more", "CREATE TABLE b (id INTEGER);", down_revision="0001")
    sql_migration(folder, USERS, "add_users", "CREATE TABLE users (id INTEGER);", down_revision="0002")
    sql_migration(folder, POSTS, "add_posts", "CREATE TABLE posts (id INTEGER);", down_revision="0002")
    py_migration(folder, SEED, "seed", "def upgrade(driver):\n    pass\n", down_revision=USERS)


def _chain(folder: Path) -> list[tuple[str, str | None, str]]:
    return [(m.revision, m.down_revision, m.path.name) for m in map(parse, discover(folder))]


def test_timestamps_become_one_chain_after_the_highest_sequential(migrations_dir: Path) -> None:
    _branch_work(migrations_dir)
    checksums = {f.slug: parse(f).checksum for f in discover(migrations_dir)}
    conversions = plan_fix(migrations_dir)
    assert [(c.old_revision, c.new_revision, c.down_revision) for c in conversions] == [
        (USERS, "0003", "0002"),
        (POSTS, "0004", "0003"),
        (SEED, "0005", "0004"),
    ]
    apply_fix(conversions)
    assert _chain(migrations_dir) == [
        ("0001", None, "0001_init.sql"),
        ("0002", "0001", "0002_more.sql"),
        ("0003", "0002", "0003_add_users.sql"),
        ("0004", "0003", "0004_add_posts.sql"),
        ("0005", "0004", "0005_seed.py"),
    ]
    assert {f.slug: parse(f).checksum for f in discover(migrations_dir)} == checksums
    assert not (migrations_dir / JOURNAL).exists()


def test_only_header_lines_change(migrations_dir: Path) -> None:
    path = migrations_dir / f"{USERS}_add_users.sql"
    original = (
        "\ufeff-- revision: 20251115120000\r\n-- down_revision: None\r\n-- description: Users\r\n"
        "\r\n-- upgrade --\r\nCREATE TABLE users (id INTEGER); -- revision: keep me\r\n"
        "\r\n-- downgrade --\r\nDROP TABLE users;\r\n"
    )
    path.write_bytes(original.encode())
    apply_fix(plan_fix(migrations_dir))
    converted = (migrations_dir / "0001_add_users.sql").read_bytes().decode()
    assert converted == original.replace("revision: 20251115120000", "revision: 0001")


def test_a_python_docstring_is_rewritten(migrations_dir: Path) -> None:
    py_migration(migrations_dir, "0001", "init", "def upgrade(driver):\n    pass\n")
    py_migration(migrations_dir, USERS, "users", "def upgrade(driver):\n    pass\n", down_revision="0001")
    apply_fix(plan_fix(migrations_dir))
    text = (migrations_dir / "0002_users.py").read_text()
    assert "Revision ID: 0002\nDown Revision: 0001\n" in text


def test_a_second_run_changes_nothing(migrations_dir: Path) -> None:
    _branch_work(migrations_dir)
    apply_fix(plan_fix(migrations_dir))
    before = {p.name: p.read_bytes() for p in migrations_dir.iterdir()}
    assert plan_fix(migrations_dir) == []
    apply_fix([])
    assert {p.name: p.read_bytes() for p in migrations_dir.iterdir()} == before


def test_a_broken_timestamp_file_stops_fix_before_any_change(migrations_dir: Path) -> None:
    _branch_work(migrations_dir)
    (migrations_dir / "20251117000000_broken.sql").write_text("-- revision: 20251117000000\n")
    before = {p.name: p.read_bytes() for p in migrations_dir.iterdir()}
    with pytest.raises(MigrationSourceError, match=r"20251117000000_broken\.sql"):
        plan_fix(migrations_dir)
    assert {p.name: p.read_bytes() for p in migrations_dir.iterdir()} == before


def test_numbers_widen_past_9999(migrations_dir: Path) -> None:
    sql_migration(migrations_dir, "9999", "last", "SELECT 1;")
    sql_migration(migrations_dir, USERS, "next", "SELECT 2;", down_revision="9999")
    assert [c.new_path.name for c in plan_fix(migrations_dir)] == ["10000_next.sql"]


class _CrashError(Exception):
    pass


def _crash_after(monkeypatch: pytest.MonkeyPatch, steps: int) -> None:
    """Make the ``steps``-th file replacement or removal from now raise, as a kill would stop it."""
    count = 0
    replace, unlink = Path.replace, Path.unlink

    def step() -> None:
        nonlocal count
        count += 1
        if count == steps:
            raise _CrashError

    def crashing_replace(self: Path, target: str | Path) -> Path:
        step()
        return replace(self, target)

    def crashing_unlink(self: Path, missing_ok: bool = False) -> None:
        step()
        unlink(self, missing_ok)

    monkeypatch.setattr(Path, "replace", crashing_replace)
    monkeypatch.setattr(Path, "unlink", crashing_unlink)


@pytest.mark.parametrize("steps", range(1, 9))  # journal, 3 x (write, remove), journal removal
def test_an_interrupted_fix_completes_on_the_next_run(
    migrations_dir: Path, monkeypatch: pytest.MonkeyPatch, steps: int
) -> None:
    _branch_work(migrations_dir)
    expected_dir = migrations_dir.parent / "expected"
    expected_dir.mkdir()
    _branch_work(expected_dir)
    apply_fix(plan_fix(expected_dir))
    with monkeypatch.context() as patched:
        _crash_after(patched, steps)
        with pytest.raises(_CrashError):
            apply_fix(plan_fix(migrations_dir))
    apply_fix(plan_fix(migrations_dir))
    assert plan_fix(migrations_dir) == []
    assert sorted(p.name for p in migrations_dir.iterdir()) == sorted(  # no journal or temporary left
        p.name for p in expected_dir.iterdir()
    )
    for path in expected_dir.iterdir():
        assert (migrations_dir / path.name).read_bytes() == path.read_bytes()


PY_LOWER = '"""Users.\n\nrevision id: {rev}\ndown revision: None\n"""\n\ndef upgrade(driver):\n    pass\n'
PY_FIRST_LINE = (
    "'''Revision ID:{rev}\r\nDOWN REVISION :  None  \r\n'''\r\ndef upgrade(driver):\r\n    pass\r\n"
)
SQL_UPPER = (
    "-- REVISION: {rev}\n-- Down_Revision:None\n-- description: revision: {rev}\n-- upgrade --\nSELECT 1;\n"
)


@pytest.mark.parametrize(
    ("kind", "template"),
    [("py", PY_LOWER), ("py", PY_FIRST_LINE), ("sql", SQL_UPPER)],
    ids=["python-lower-case", "python-first-line-crlf", "sql-upper-case"],
)
def test_any_header_the_parser_reads_is_rewritten(migrations_dir: Path, kind: str, template: str) -> None:
    (migrations_dir / f"{USERS}_users.{kind}").write_bytes(template.format(rev=USERS).encode())
    apply_fix(plan_fix(migrations_dir))
    [converted] = discover(migrations_dir)
    assert (converted.revision, parse(converted).down_revision) == ("0001", None)
    # Only the revision's value changes: case, spacing, line ends and other lines stay as written.
    expected = template.format(rev="0001").replace(
        "description: revision: 0001", f"description: revision: {USERS}"
    )
    assert converted.path.read_bytes() == expected.encode()
    assert not (migrations_dir / JOURNAL).exists()


def test_a_fix_that_fails_before_any_change_leaves_no_journal(migrations_dir: Path) -> None:
    _branch_work(migrations_dir)
    conversions = plan_fix(migrations_dir)
    posts = migrations_dir / f"{POSTS}_add_posts.sql"
    posts.write_text(posts.read_text().replace(f"-- revision: {POSTS}\n", ""))  # edited after planning
    before = {p.name: p.read_bytes() for p in migrations_dir.iterdir()}
    with pytest.raises(MigrationSourceError, match=rf"{POSTS}_add_posts\.sql.*revision header"):
        apply_fix(conversions)
    assert {p.name: p.read_bytes() for p in migrations_dir.iterdir()} == before
    with pytest.raises(MigrationSourceError, match="header has no revision"):  # named afresh, not replayed
        plan_fix(migrations_dir)


def test_a_pending_journal_that_cannot_start_is_dropped(
    migrations_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _branch_work(migrations_dir)
    with monkeypatch.context() as patched:
        _crash_after(patched, 2)  # the journal is written, then the run stops before any file changes
        with pytest.raises(_CrashError):
            apply_fix(plan_fix(migrations_dir))
    assert (migrations_dir / JOURNAL).exists()
    users = migrations_dir / f"{USERS}_add_users.sql"
    original = users.read_bytes()
    users.write_bytes(b"\xff")
    with pytest.raises(MigrationSourceError, match="not valid UTF-8"):
        apply_fix(plan_fix(migrations_dir))
    assert not (migrations_dir / JOURNAL).exists()
    users.write_bytes(original)
    apply_fix(plan_fix(migrations_dir))
    assert [m.revision for m in map(parse, discover(migrations_dir))] == [
        "0001",
        "0002",
        "0003",
        "0004",
        "0005",
    ]


def test_a_header_written_with_escapes_is_refused_before_any_change(migrations_dir: Path) -> None:
    # parse reads the docstring's text, but no span of the file holds "Down Revision: None" to rewrite.
    path = migrations_dir / f"{USERS}_users.py"
    path.write_text(f'"Revision ID: {USERS}\\nDown Revision: None"\n\ndef upgrade(driver):\n    pass\n')
    assert parse(discover(migrations_dir)[0]).revision == USERS
    before = {p.name: p.read_bytes() for p in migrations_dir.iterdir()}
    with pytest.raises(MigrationSourceError, match=r"users\.py: cannot find its revision header line"):
        apply_fix(plan_fix(migrations_dir))
    assert {p.name: p.read_bytes() for p in migrations_dir.iterdir()} == before  # no journal either
