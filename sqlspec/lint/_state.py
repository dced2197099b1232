"""What the checkers share: the hits they report, and what a run of migrations has done so far."""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

__all__ = ("Hit", "RunState")


class Hit(NamedTuple):
    """A rule broken by one statement (its index in the upgrade), with the specific message."""

    rule: str
    statement: int
    message: str


class RunState:
    """Tables the pending migrations create, in run order, so rules about existing tables skip them.

    A table created earlier in the same migration or in an earlier pending migration of the run is
    empty and unused by running code when the later statement runs: building its index or adding
    its NOT NULL column locks nobody out. Names are compared lower-cased without their schema.
    ``existing``: the tables the database holds, when the caller knows them; ``None`` takes every
    table not created by the run to exist.
    """

    def __init__(self, existing: Collection[str] | None = None) -> None:
        self.new_tables: set[str] = set()
        self.new_indexes: set[str] = set()
        self.validated: set[str] = set()
        """Tables with a constraint validated earlier in the run (SET NOT NULL may use it)."""
        self._existing = None if existing is None else {table_key(name) for name in existing}

    def exists(self, table: str) -> bool:
        """Whether ``table`` holds rows and running code uses it: it was not made by this run."""
        key = table_key(table)
        if key in self.new_tables:
            return False
        return self._existing is None or key in self._existing

    def created(self, table: str) -> None:
        self.new_tables.add(table_key(table))

    def filled(self, table: str) -> None:
        """Rows copied into a new table (a rebuild): it holds data now, like an existing table."""
        self.new_tables.discard(table_key(table))

    def renamed(self, old: str, new: str) -> None:
        """A table renamed: a new table keeps being new under its new name."""
        if table_key(old) in self.new_tables:
            self.new_tables.add(table_key(new))


def table_key(name: str) -> str:
    """``Schema."Users"`` and ``users`` are one table to the rules (quotes and schema dropped)."""
    return name.rsplit(".", 1)[-1].strip('"`[]').lower()
