"""How far a statement-by-statement migration got, and where a resumed one continues.

Its version row keeps the number of statements known done and a checksum of them, so a resume can
refuse a file whose finished statements were edited since.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

from sqlspec.exceptions import MigrationSourceError, MigrationStateError, resume_advice
from sqlspec.migrations.files import Migration
from sqlspec.migrations.store import AppliedMigration

__all__ = ("Interrupted", "PrefixChecksums", "resume_point")

Interrupted = Literal["ran", "not-ran"]
"""The operator's word on a statement whose outcome is unknown: it took effect, or it did not."""


class PrefixChecksums:
    """``sha256`` of the first *k* statements joined by NUL, for every *k*, in one pass over them."""

    def __init__(self, statements: Sequence[str]) -> None:
        self._statements = statements
        self._hash = hashlib.sha256()
        self._count = 0

    def of_first(self, count: int) -> str:
        """The checksum of the first ``count`` statements; ``count`` never goes down between calls."""
        while self._count < count:  # each statement is hashed once, however often this is asked
            if self._count:
                self._hash.update(b"\x00")
            self._hash.update(self._statements[self._count].encode())
            self._count += 1
        return self._hash.hexdigest()

    @property
    def hashed(self) -> int:
        """How many statements were hashed so far."""
        return self._count


def resume_point(
    migration: Migration,
    row: AppliedMigration,
    interrupted: Interrupted | None,
    statements: Sequence[str],
    checksums: PrefixChecksums,
) -> int:
    """Where a resumed migration continues: after the statements known done, and the operator's word."""
    start = row.progress or 0
    if start > len(statements) or checksums.of_first(start) != row.progress_checksum:
        ran = "statement 1" if start == 1 else f"statements 1-{start}"
        raise MigrationSourceError(
            migration.path,
            f"{ran} already ran but changed since; restore {ran} as it was and change only "
            f"statement {start + 1} or later",
        )
    if row.is_interrupted:
        if interrupted is None:
            raise MigrationStateError(
                f"migration {row.version} ({row.script}): {row.progress_text}; "
                f"{resume_advice(start + 1, len(statements))}"
            )
        if interrupted == "ran":
            start += 1
    return min(start, len(statements))
