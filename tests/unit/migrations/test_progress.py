"""Progress checksums of statement-by-statement migrations: computed in one pass, same as recorded."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from sqlspec.migrations.progress import PrefixChecksums


def _recorded(statements: list[str]) -> str:
    """The checksum rows already in version tables hold: sha256 of the statements joined by NUL."""
    return hashlib.sha256("\x00".join(statements).encode()).hexdigest()


@given(st.lists(st.text(max_size=20), max_size=30))
def test_every_prefix_checksum_matches_the_recorded_form(statements: list[str]) -> None:
    checksums = PrefixChecksums(statements)
    for count in range(len(statements) + 1):
        assert checksums.of_first(count) == _recorded(statements[:count])


def test_asking_again_for_the_same_prefix_gives_the_same_checksum() -> None:
    checksums = PrefixChecksums(["a", "b", "c"])
    assert checksums.of_first(2) == checksums.of_first(2) == _recorded(["a", "b"])


def test_twenty_thousand_statements_hash_each_statement_once() -> None:
    statements = [f"INSERT INTO t VALUES ({n})" for n in range(20_000)]
    checksums = PrefixChecksums(statements)
    last = ""
    for count in range(len(statements) + 1):  # as the runner asks: after every statement
        last = checksums.of_first(count)
    assert last == _recorded(statements)
    assert checksums.hashed == len(statements)
