"""``fix``: turn development's timestamp migrations into the main branch's sequential ones.

Each timestamp file, in timestamp order, gets the next number after the highest sequential revision;
its ``revision`` and ``down_revision`` are rewritten so the result is one linear chain. Only header
lines change, and checksums never cover headers, so a database that applied a file under its
timestamp recognises it afterwards (see :mod:`sqlspec.migrations.reconcile`).

Crash-safe: the plan is written to a journal in the folder before any file changes, each new file is
written in full (temporary file, fsync, rename) before its old one is removed, and a run that finds a
journal finishes that plan instead of making a new one. No file is ever lost or converted twice.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import msgspec

from sqlspec.exceptions import MigrationSourceError
from sqlspec.migrations.files import discover, parse
from sqlspec.migrations.revisions import is_timestamp

__all__ = ("JOURNAL", "Conversion", "apply_fix", "plan_fix")

JOURNAL = ".sqlspec-fix.json"
"""Holds the conversions in progress; a leading dot keeps it out of discovery."""

_WIDTH = 4
_SQL_FIELDS = {
    "revision": re.compile(r"^([ \t]*--[ \t]*revision[ \t]*:[ \t]*)[^\r\n]*", re.IGNORECASE | re.MULTILINE),
    "down": re.compile(r"^([ \t]*--[ \t]*down_revision[ \t]*:[ \t]*)[^\r\n]*", re.IGNORECASE | re.MULTILINE),
}
_PY_FIELDS = {
    "revision": re.compile(r"^([ \t]*Revision ID[ \t]*:[ \t]*)[^\r\n]*", re.MULTILINE),
    "down": re.compile(r"^([ \t]*Down Revision[ \t]*:[ \t]*)[^\r\n]*", re.MULTILINE),
}


class Conversion(msgspec.Struct, frozen=True, kw_only=True):
    """One timestamp file becoming a sequential one."""

    old_path: Path
    new_path: Path
    old_revision: str
    new_revision: str
    down_revision: str | None


def plan_fix(directory: Path) -> list[Conversion]:
    """The conversions ``fix`` would make, in order; an interrupted run's plan if one is pending.

    Every file to convert is parsed first, so a broken one stops ``fix`` before anything changes.
    """
    journal = directory / JOURNAL
    if journal.exists():
        try:
            return msgspec.json.decode(journal.read_bytes(), type=list[Conversion], dec_hook=_decode_path)
        except msgspec.DecodeError as error:
            raise MigrationSourceError(journal, f"unreadable fix journal ({error}); delete it") from error
    files = discover(directory)
    sequential = [f for f in files if not is_timestamp(f.revision)]
    timestamps = [f for f in files if is_timestamp(f.revision)]
    number = int(sequential[-1].revision) if sequential else 0
    width = max(_WIDTH, len(str(number + len(timestamps))), *(len(f.revision) for f in sequential))
    down = sequential[-1].revision if sequential else None
    conversions: list[Conversion] = []
    for file in timestamps:
        parse(file)
        number += 1
        revision = f"{number:0{width}d}"
        conversions.append(
            Conversion(
                old_path=file.path,
                new_path=file.path.with_name(f"{revision}_{file.slug}.{file.kind}"),
                old_revision=file.revision,
                new_revision=revision,
                down_revision=down,
            )
        )
        down = revision
    return conversions


def apply_fix(conversions: list[Conversion]) -> None:
    """Make the conversions: journal first, then each new file in full before its old one goes."""
    if not conversions:
        return
    journal = conversions[0].old_path.parent / JOURNAL
    if not journal.exists():
        _write_atomically(journal, msgspec.json.encode(conversions, enc_hook=str))
    for conversion in conversions:
        if conversion.old_path.exists():
            _write_atomically(conversion.new_path, _rewrite(conversion))
            conversion.old_path.unlink()
        elif not conversion.new_path.exists():
            raise MigrationSourceError(
                conversion.old_path, f"vanished during fix, and {conversion.new_path.name} was never written"
            )
    journal.unlink()


def _decode_path(kind: type, value: object) -> Path:
    if kind is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError(kind)


def _rewrite(conversion: Conversion) -> bytes:
    """The old file with its revision header lines rewritten, byte for byte otherwise."""
    data = conversion.old_path.read_bytes()
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    text = data[len(bom) :].decode()
    fields = _SQL_FIELDS if conversion.old_path.suffix == ".sql" else _PY_FIELDS
    values = {"revision": conversion.new_revision, "down": conversion.down_revision or "None"}
    for name, pattern in fields.items():
        found = pattern.search(text)
        if found is None:
            raise MigrationSourceError(conversion.old_path, f"cannot find its {name} header line to rewrite")
        text = text[: found.start()] + found[1] + values[name] + text[found.end() :]
    return bom + text.encode()


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    temporary.replace(path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
