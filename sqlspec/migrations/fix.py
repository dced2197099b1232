"""``fix``: turn development's timestamp migrations into the main branch's sequential ones.

Each timestamp file, in timestamp order, gets the next number after the highest sequential revision;
its ``revision`` and ``down_revision`` are rewritten so the result is one linear chain. Only header
lines change, and checksums never cover headers, so a database that applied a file under its
timestamp recognises it afterwards (see :mod:`sqlspec.migrations.reconcile`).

Crash-safe: every new file's text is made before anything changes, the plan is then written to a
journal in the folder, each new file is written in full (temporary file, fsync, rename) before its old
one is removed, and a run that finds a journal finishes that plan instead of making a new one. No file
is ever lost or converted twice, and a run that fails before changing a file leaves no journal behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

from sqlspec.exceptions import MigrationSourceError
from sqlspec.migrations.files import parse, read_header
from sqlspec.migrations.folder import discover
from sqlspec.migrations.revisions import is_timestamp

__all__ = ("JOURNAL", "Conversion", "apply_fix", "plan_fix")

JOURNAL = ".sqlspec-fix.json"
"""Holds the conversions in progress; a leading dot keeps it out of discovery."""

_WIDTH = 4


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
    """Make the conversions: new texts first, then the journal, then each new file before its old one goes.

    Raises :class:`MigrationSourceError` when a file cannot be converted. If nothing had changed yet,
    no journal is left (a pending one included), so the next ``fix`` plans afresh and names the file
    instead of replaying the failure.
    """
    if not conversions:
        return
    journal = conversions[0].old_path.parent / JOURNAL
    try:
        texts = {c.new_path: _rewrite(c) for c in conversions if c.old_path.exists()}
    except MigrationSourceError:
        if all(c.old_path.exists() and not c.new_path.exists() for c in conversions):
            journal.unlink(missing_ok=True)
        raise
    if not journal.exists():
        _write_atomically(journal, msgspec.json.encode(conversions, enc_hook=str))
    for conversion in conversions:
        if conversion.new_path in texts:
            _write_atomically(conversion.new_path, texts[conversion.new_path])
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
    """The old file with its revision header values rewritten, byte for byte otherwise.

    The values are found by the parser that reads them, so whatever ``parse`` accepts is rewritten.
    """
    path = conversion.old_path
    try:
        data = path.read_bytes()
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        text = data[len(bom) :].decode()
    except OSError as error:
        raise MigrationSourceError(path, f"cannot read file: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise MigrationSourceError(path, "file is not valid UTF-8; save it as UTF-8") from error
    header = read_header(path, text)
    values = {"revision": conversion.new_revision, "down_revision": conversion.down_revision or "None"}
    for key in values:
        if key not in header:
            raise MigrationSourceError(path, f"cannot find its {key} header line to rewrite")
    # From the last span to the first, so the earlier spans stay where they were read.
    for key, value in sorted(values.items(), key=lambda item: header[item[0]].start, reverse=True):
        field = header[key]
        text = text[: field.start] + value + text[field.end :]
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
