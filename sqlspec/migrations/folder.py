"""Find a folder's migration files by their names, without opening one.

Learning that everything is applied needs only the names: a check never reads a file. Reading one
(header, sections, checksum) is :mod:`sqlspec.migrations.files`' job, when it is about to run or be
checked.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import os
import re
from pathlib import Path
from typing import Literal

import msgspec

from sqlspec.exceptions import DuplicateRevisionError, MigrationError, MigrationSourceError
from sqlspec.migrations.revisions import revision_sort_key

__all__ = ("Folder", "MigrationFile", "MigrationKind", "discover", "scan")

MigrationKind = Literal["sql", "py"]


@functools.cache
def _file_name() -> re.Pattern[str]:
    """The general reading of a file name; compiled on first use, as a plain folder needs none.

    START-END_slug.sql is a squash of the range START..END (see squash.py).
    """
    return re.compile(r"^(?:(?P<start>\d+)-)?(?P<revision>\d+)_(?P<slug>[A-Za-z0-9_]+)\.(?P<kind>sql|py)$")


class MigrationFile(msgspec.Struct, frozen=True):
    """A migration known by its file name only."""

    revision: str
    slug: str
    kind: MigrationKind
    directory: Path
    name: str
    namespace: str = ""
    """``ext_<name>_`` for an extension's migration: its revision is the header's, prefixed."""
    replaces_from: str | None = None
    """A squashed migration's first replaced revision (its own revision is the range's last)."""

    @property
    def path(self) -> Path:
        """The file; built on demand, as an up-to-date check never needs one (a third of its scan)."""
        return self.directory / self.name


def discover(directory: Path) -> list[MigrationFile]:
    """List the migration files of a folder in run order, from their names alone.

    Files starting with ``_`` or ``.`` and files that are not ``.sql`` / ``.py`` are ignored. Raises
    :class:`MigrationSourceError` for a missing folder or a badly named file and
    :class:`DuplicateRevisionError` when two files share a revision.
    """
    files, problems = scan(directory)
    if problems:
        raise problems[0]
    return files


def scan(directory: Path) -> tuple[list[MigrationFile], list[MigrationError]]:
    """Like :func:`discover`, but returns every naming problem instead of raising the first.

    The files are the well-named ones, one per revision, in run order; ``check`` reports the problems
    all at once. A missing folder still raises: there is nothing to scan.
    """
    return Folder(directory).scan()


class Folder:
    """A migration folder's file names, listed once; its files and their run order come from them.

    Most folders are plain: every migration named ``NNNN_slug.sql|py`` with the same number of ASCII
    digits (or all timestamps), nothing squashed, no two files for one revision, no badly named
    file. There the sorted names are already in run order, so :attr:`plain_revisions` is one slice
    per name after one pattern match over the whole listing, and an up-to-date check builds no
    :class:`MigrationFile`. Any other folder gets the general reading, which reports its problems.
    """

    def __init__(self, directory: Path) -> None:
        self.directory: Path = directory
        self.names: list[str] = _file_names(directory)
        """Every entry that is not a folder, sorted."""

    @functools.cached_property
    def _plain(self) -> tuple[list[str], list[str]] | None:
        """For a plain folder, its migrations' names and revisions in run order; else ``None``."""
        return _plain_migrations(self.names)

    @property
    def plain_revisions(self) -> list[str] | None:
        """Every revision in run order when the folder is plain (see above); ``None`` otherwise."""
        return None if self._plain is None else self._plain[1]

    def scan(self) -> tuple[list[MigrationFile], list[MigrationError]]:
        """The well-named files in run order, one per revision, and every naming problem."""
        if self._plain is None:
            return _scan_names(self.directory, self.names)
        directory = self.directory
        return [
            MigrationFile(revision, name[len(revision) + 1 : -4], "sql", directory, name)
            if name.endswith(".sql")
            else MigrationFile(revision, name[len(revision) + 1 : -3], "py", directory, name)
            for name, revision in zip(*self._plain, strict=True)
        ], []


@functools.lru_cache(maxsize=8)
def _plain_listing(width: int) -> re.Pattern[str]:
    """Lines of well-named migrations whose revisions are ``width`` ASCII digits (see :class:`Folder`)."""
    return re.compile(rf"(?:[0-9]{{{width}}}_[A-Za-z0-9_]++\.(?:sql|py)\n)*+")


def _plain_migrations(names: list[str]) -> tuple[list[str], list[str]] | None:
    """The migrations' names and revisions of a plain folder (see :class:`Folder`), in run order,
    when every other name is one discovery ignores; else ``None``."""
    # Sorted, the names starting with an ASCII digit are together: every migration of a plain
    # folder, and maybe a file to ignore ("0001_notes.md"), which the pattern below refuses.
    first, end = bisect.bisect_left(names, "0"), bisect.bisect_left(names, ":")
    if any(
        not name.startswith(("_", ".")) and name.endswith((".sql", ".py"))
        for name in itertools.chain(names[:first], names[end:])
    ):
        return None  # a badly named migration: the general reading reports it
    migrations = names[first:end]
    if not migrations:
        return [], []
    width = migrations[0].find("_")
    listing = "\n".join(migrations) + "\n"
    if width < 1 or listing.count("\n") != len(migrations) or not _plain_listing(width).fullmatch(listing):
        return None  # (a name holding a line break would pass for two lines)
    # Revisions of one width in ASCII digits sort as their numbers do, so the names are in run order.
    revisions = [name[:width] for name in migrations]
    if len(set(revisions)) < len(revisions):
        return None  # two files for one revision: reported by the general reading
    return migrations, revisions


def _file_names(directory: Path) -> list[str]:
    """The names of the entries of ``directory`` that are not folders, sorted."""
    try:
        try:
            with os.scandir(directory) as entries:
                names = [entry.name for entry in entries if not entry.is_dir()]
        except (FileNotFoundError, NotADirectoryError):
            raise
        except OSError:  # is_dir() met a symlink loop: read the folder again, entry by entry
            with os.scandir(directory) as entries:
                names = [entry.name for entry in entries if not _is_folder(entry)]
    except FileNotFoundError:
        raise MigrationSourceError(
            directory, "migration folder does not exist; create it with `sqlspec init` or set script_location"
        ) from None
    except NotADirectoryError:
        raise MigrationSourceError(directory, "script_location is a file, not a folder") from None
    names.sort()
    return names


def _scan_names(directory: Path, entries: list[str]) -> tuple[list[MigrationFile], list[MigrationError]]:
    """:func:`scan` of a folder holding ``entries`` (sorted), by the general reading."""
    file_name = _file_name()
    problems: list[MigrationError] = []
    files: dict[str, list[MigrationFile]] = {}
    for name in entries:
        if name.startswith(("_", ".")) or not name.endswith((".sql", ".py")):
            continue
        match = file_name.match(name)
        if match is None:
            problems.append(
                MigrationSourceError(
                    directory / name,
                    "file name must be NNNN_slug.sql|py or YYYYMMDDHHMMSS_slug.sql|py "
                    "(letters, digits and _ in the slug); rename it, or prefix it with _ to ignore it",
                )
            )
            continue
        kind: MigrationKind = "sql" if match["kind"] == "sql" else "py"
        start = match["start"]
        if start is not None and (
            kind != "sql" or revision_sort_key(start) >= revision_sort_key(match["revision"])
        ):
            problems.append(
                MigrationSourceError(
                    directory / name,
                    "a squashed migration is named START-END_slug.sql, START before END "
                    "(`sqlspec squash START END` writes it)",
                )
            )
            continue
        found = MigrationFile(match["revision"], match["slug"], kind, directory, name, replaces_from=start)
        files.setdefault(found.revision, []).append(found)
    keyed = [(revision_sort_key(revision), same) for revision, same in files.items()]
    by_number: dict[tuple[int, int], list[MigrationFile]] = {}
    for key, same in keyed:  # 2_x.sql and 0002_y.sql are one revision too
        by_number.setdefault(key, []).extend(same)
    problems.extend(
        DuplicateRevisionError(same[0].revision, [f.path for f in same])
        for same in by_number.values()
        if len(same) > 1 and not _squash_beside_original(same)
    )
    keyed.sort(key=lambda pair: pair[0])
    # A squash and the original it ends with share a revision: both stay, the original first.
    return [
        file
        for _, same in keyed
        for file in (sorted(same, key=_squash_last) if _squash_beside_original(same) else same[:1])
    ], problems


def _squash_beside_original(same: list[MigrationFile]) -> bool:
    return len(same) == 2 and sum(file.replaces_from is not None for file in same) == 1


def _squash_last(file: MigrationFile) -> bool:
    return file.replaces_from is not None


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """Folders are skipped; anything else, a broken symlink included, is a file to read (or report)."""
    try:
        return entry.is_dir()
    except OSError:  # a symlink loop: reading it will say so
        return False
