"""Revision names and targets: which migrations an upgrade or a downgrade runs, and in what order.

Pure functions over plain sequences, with no I/O, so every target rule is tested from lists alone.
Targets: ``head``, ``+N`` or a revision for upgrades; ``-N``, ``base`` or a revision for downgrades.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from sqlspec.exceptions import RevisionNotFoundError, TargetError

__all__ = (
    "TIMESTAMP_DIGITS",
    "is_timestamp",
    "plan_downgrade",
    "plan_upgrade",
    "revision_sort_key",
)

TIMESTAMP_DIGITS = 14
_STEP = re.compile(r"^([+-])(\d+)$")


def is_timestamp(revision: str) -> bool:
    """A ``YYYYMMDDHHMMSS`` revision, as made in development; anything shorter is sequential."""
    return len(revision) == TIMESTAMP_DIGITS and revision.isdigit()


def revision_sort_key(revision: str) -> tuple[int, int]:
    """Sequential revisions first by number, then timestamp revisions by number."""
    return (1 if is_timestamp(revision) else 0, int(revision))


def _require_text(target: object) -> None:
    if not isinstance(target, str):
        raise TargetError(f"a target is a string such as 'head', '+1', '-1' or '0002', not {target!r}")


def _steps(target: str, sign: str) -> int | None:
    match = _STEP.match(target)
    if match is None:
        return None
    if match.group(1) != sign:
        direction = "upgrade" if sign == "+" else "downgrade"
        raise TargetError(f"{direction} takes {sign}N as a relative target, not {target!r}")
    count = int(match.group(2))
    if count == 0:
        raise TargetError(f"{target!r} moves nowhere; use {sign}1 or more")
    return count


def _position(ordered: Sequence[str], revision: str, applied: Collection[str] = ()) -> int:
    try:
        return ordered.index(revision)
    except ValueError:
        if revision in applied:
            raise RevisionNotFoundError(
                revision, "it is applied but its file is missing; restore the file"
            ) from None
        raise RevisionNotFoundError(
            revision, "no migration file has it (targets: head, base, +N, -N or a revision)"
        ) from None


def plan_upgrade(ordered: Sequence[str], applied: Collection[str], target: str = "head") -> list[str]:
    """The revisions to apply, in order, to reach ``target``.

    ``ordered`` is every known revision in run order; ``applied`` those the database has. Pending
    revisions that sort before an applied one (a teammate's older timestamp) are applied too.
    Raises :class:`TargetError` for ``+N`` past head and :class:`RevisionNotFoundError` for a
    revision no file has.
    """
    _require_text(target)
    pending = [revision for revision in ordered if revision not in applied]
    if target == "head":
        return pending
    if target == "base":
        raise TargetError("'base' is a downgrade target; to apply everything use 'head'")
    count = _steps(target, "+")
    if count is not None:
        if count > len(pending):
            raise TargetError(f"{target} goes past head: only {len(pending)} migration(s) pending")
        return pending[:count]
    stop = _position(ordered, target)
    return [revision for revision in ordered[: stop + 1] if revision not in applied]


def plan_downgrade(ordered: Sequence[str], applied: Sequence[str], target: str = "-1") -> list[str]:
    """The revisions to revert, in order, to reach ``target``.

    ``applied`` is in the order the database applied them; reverting walks it backwards, so the
    last thing done is the first undone. A revision target stays applied; everything after it in
    run order is reverted. Raises :class:`TargetError` for ``-N`` past base.
    """
    _require_text(target)
    newest_first = list(reversed(applied))
    if target == "base":
        return newest_first
    if target == "head":
        raise TargetError("'head' is an upgrade target; to revert everything use 'base'")
    count = _steps(target, "-")
    if count is not None:
        if count > len(newest_first):
            raise TargetError(f"{target} goes past base: only {len(newest_first)} migration(s) applied")
        return newest_first[:count]
    keep = _position(ordered, target, applied)
    unknown = [revision for revision in newest_first if revision not in ordered]
    if unknown:
        raise RevisionNotFoundError(unknown[0], "it is applied but its file is missing; restore the file")
    after = set(ordered[keep + 1 :])
    return [revision for revision in newest_first if revision in after]
