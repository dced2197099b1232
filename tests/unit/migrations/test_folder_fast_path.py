"""A plain folder's listing fast path gives exactly the general reading's files, in the same order.

Listings are generated from well-named migrations of one width or several, timestamps, squashes,
duplicates, badly named files, files discovery ignores, Unicode digits and names holding a line
break; whenever the fast path answers, the general reading must agree and find no problem.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sqlspec.migrations.folder import Folder, MigrationFile, _plain_migrations, _scan_names, scan

MANY = settings(max_examples=500, deadline=None)
DIRECTORY = Path("/migrations")

SLUGS = st.from_regex(r"[A-Za-z0-9_]{1,6}", fullmatch=True)
KINDS = st.sampled_from([".sql", ".sql", ".py"])


@st.composite
def migration_names(draw: st.DrawFn, width: int) -> str:
    number = draw(st.integers(0, 10**width - 1))
    return f"{number:0{width}d}_{draw(SLUGS)}{draw(KINDS)}"


ODD_NAMES = st.sampled_from(
    [
        "__init__.py",
        "_draft.sql",
        ".hidden.sql",
        "README.md",
        "notes.txt",
        "0001_notes.md",
        "add_users.sql",
        "0001-add.sql",
        "1_x.sql",
        "00001_y.sql",
        "20251115120000_ts.sql",
        "0001-0003_squash.sql",
        "\u0660\u0660\u0660\u0661_x.sql",
        "0002_a.sql\n0003_b.sql",
        "0004_nl.sql\n",
        "0005_x.SQL",
        "0006_.sql",
        "0007_a b.sql",
    ]
)


@st.composite
def listings(draw: st.DrawFn) -> list[str]:
    width = draw(st.sampled_from([1, 4, 4, 14]))
    names = draw(st.lists(migration_names(width), max_size=12))
    names += draw(st.lists(ODD_NAMES, max_size=3))
    return sorted(set(names))


def _folder(names: list[str]) -> Folder:
    folder = Folder.__new__(Folder)  # the listing without a file system
    folder.directory = DIRECTORY
    folder.names = names
    return folder


@MANY
@given(listings())
def test_the_fast_path_agrees_with_the_general_reading(names: list[str]) -> None:
    files, problems = _scan_names(DIRECTORY, names)
    folder = _folder(names)
    if folder.plain_revisions is None:
        fast_files, fast_problems = folder.scan()
        assert fast_files == files
        assert [repr(problem) for problem in fast_problems] == [repr(problem) for problem in problems]
        return
    assert problems == []
    assert folder.scan() == (files, [])
    assert folder.plain_revisions == [file.revision for file in files]


@MANY
@given(st.sampled_from([1, 4, 14]).flatmap(lambda width: st.lists(migration_names(width), unique=True)))
def test_one_width_without_duplicates_takes_the_fast_path(names: list[str]) -> None:
    names = sorted(names)
    revisions = [name.split("_", 1)[0] for name in names]
    if len(set(revisions)) < len(revisions):
        assert _plain_migrations(names) is None
        return
    assert _plain_migrations([*names, "__init__.py", "README.md", ".keep"]) is not None


def test_a_real_folder_reads_the_same_both_ways(tmp_path: Path) -> None:
    for name in ["0002_b.py", "0001_a.sql", "0010_c.sql", "__init__.py", "README.md"]:
        (tmp_path / name).write_text("")
    (tmp_path / "0003_folder.sql").mkdir()  # folders are skipped, whatever their name
    folder = Folder(tmp_path)
    assert folder.plain_revisions == ["0001", "0002", "0010"]
    files, problems = scan(tmp_path)
    assert problems == []
    assert files == [
        MigrationFile("0001", "a", "sql", tmp_path, "0001_a.sql"),
        MigrationFile("0002", "b", "py", tmp_path, "0002_b.py"),
        MigrationFile("0010", "c", "sql", tmp_path, "0010_c.sql"),
    ]
    assert (files, problems) == _scan_names(tmp_path, folder.names)
