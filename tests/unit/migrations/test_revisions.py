"""The planner from plain lists: which revisions each target runs, and which targets are refused."""

from __future__ import annotations

import re

import pytest

from sqlspec.exceptions import RevisionNotFoundError, TargetError
from sqlspec.migrations.revisions import is_timestamp, plan_downgrade, plan_upgrade, revision_sort_key

ORDERED = ["0001", "0002", "0003", "0004"]


def test_sequential_sorts_before_timestamp_and_by_number() -> None:
    revisions = ["20251115123000", "0010", "20251115120000", "0002", "0100"]
    assert sorted(revisions, key=revision_sort_key) == [
        "0002",
        "0010",
        "0100",
        "20251115120000",
        "20251115123000",
    ]
    assert is_timestamp("20251115120000")
    assert not is_timestamp("0001")


@pytest.mark.parametrize(
    ("applied", "target", "expected"),
    [
        (set(), "head", ORDERED),
        ({"0001"}, "head", ["0002", "0003", "0004"]),
        (set(ORDERED), "head", []),
        (set(), "+1", ["0001"]),
        ({"0001"}, "+2", ["0002", "0003"]),
        (set(), "0003", ["0001", "0002", "0003"]),
        ({"0001", "0002", "0003"}, "0003", []),
        ({"0001", "0002", "0003"}, "0002", []),
        ({"0001", "0003"}, "head", ["0002", "0004"]),  # a hole is filled, out of order
        ({"0001", "0003"}, "0003", ["0002"]),
    ],
)
def test_plan_upgrade(applied: set[str], target: str, expected: list[str]) -> None:
    assert plan_upgrade(ORDERED, applied, target) == expected


@pytest.mark.parametrize(
    ("applied", "target", "error", "words"),
    [
        (set(), "+5", TargetError, "past head: only 4"),
        (set(ORDERED), "+1", TargetError, "only 0"),
        (set(), "+0", TargetError, "moves nowhere"),
        (set(), "-1", TargetError, "+N"),
        (set(), "base", TargetError, "downgrade target"),
        (set(), "0009", RevisionNotFoundError, "'0009'"),
        (set(), "banana", RevisionNotFoundError, "no migration file"),
    ],
)
def test_plan_upgrade_refuses(applied: set[str], target: str, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=re.escape(words)):
        plan_upgrade(ORDERED, applied, target)


@pytest.mark.parametrize(
    ("applied", "target", "expected"),
    [
        (ORDERED, "-1", ["0004"]),
        (ORDERED, "-3", ["0004", "0003", "0002"]),
        (ORDERED, "base", ["0004", "0003", "0002", "0001"]),
        ([], "base", []),
        (ORDERED, "0002", ["0004", "0003"]),
        (ORDERED, "0004", []),
        (["0001", "0002"], "0003", []),
        (["0001", "0003", "0002"], "-1", ["0002"]),  # the last applied is the first reverted
        (["0001", "0003", "0002"], "0001", ["0002", "0003"]),
    ],
)
def test_plan_downgrade(applied: list[str], target: str, expected: list[str]) -> None:
    assert plan_downgrade(ORDERED, applied, target) == expected


@pytest.mark.parametrize(
    ("applied", "target", "error", "words"),
    [
        (["0001"], "-2", TargetError, "past base: only 1"),
        ([], "-1", TargetError, "only 0"),
        (ORDERED, "+1", TargetError, "-N"),
        (ORDERED, "head", TargetError, "upgrade target"),
        (ORDERED, "0042", RevisionNotFoundError, "'0042'"),
        (["0001", "0099"], "0001", RevisionNotFoundError, "file is missing"),
        (["0099"], "0099", RevisionNotFoundError, "file is missing"),
    ],
)
def test_plan_downgrade_refuses(applied: list[str], target: str, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=re.escape(words)):
        plan_downgrade(ORDERED, applied, target)


def test_downgrade_of_a_revision_without_file_is_planned_only_by_count() -> None:
    # "-1" and "base" name no revision, so they plan; the engine then refuses the missing file.
    assert plan_downgrade(ORDERED, ["0001", "0099"], "-1") == ["0099"]


@pytest.mark.parametrize("target", [1, -1, None])
def test_a_target_that_is_not_a_string_says_what_a_target_is(target: object) -> None:
    # `config.migrate_down(-1)` is an easy slip for `migrate_down("-1")`.
    with pytest.raises(TargetError, match="a target is a string such as"):
        plan_upgrade(["0001"], set(), target)  # type: ignore[arg-type]
    with pytest.raises(TargetError, match="a target is a string such as"):
        plan_downgrade(["0001"], ["0001"], target)  # type: ignore[arg-type]
