"""Many databases at once: the same operation on every target of a fleet, concurrently, each on its own.

A *target* is one database config, or one PostgreSQL tenant schema of a config that names
``tenant_schemas``. Each target runs on its own engine, so it has its own run lock (its own
database, or its own schema's version table) and its own result; one failing target does not stop
the others unless ``fail_fast`` asks to stop starting new ones. Everything runs in the caller's
event loop: an anyio task group, with a :class:`anyio.CapacityLimiter` bounding how many targets
(and so connections) are busy at once.

>>> results = await migrate_fleet([eu, us, asia], concurrency=4)
>>> [r.label for r in results if r.status == "failed"]
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

import anyio

from sqlspec._cancel import shield
from sqlspec.migrations.tenants import resolve_tenant_schemas

if TYPE_CHECKING:
    from sqlspec.config import DatabaseConfig
    from sqlspec.migrations.engine import MigrationEngine
    from sqlspec.migrations.runner import MigrationRun, Reporter

__all__ = (
    "DEFAULT_CONCURRENCY",
    "Status",
    "Target",
    "TargetResult",
    "fleet_targets",
    "migrate_fleet",
    "run_fleet",
    "run_results",
    "select_targets",
)

T = TypeVar("T")
DEFAULT_CONCURRENCY = 4
"""Targets run at once by default: enough to hide network round trips, few enough connections for
a small server's ``max_connections`` (each busy target holds one)."""

Status = Literal["waiting", "running", "ok", "failed", "skipped", "interrupted"]
"""``skipped``: never started, because ``fail_fast`` stopped the fleet; ``interrupted``: cancelled
while running (what finished before stays done)."""


@dataclass(eq=False)
class Target:
    """One database of a fleet: a config, or one tenant schema of a PostgreSQL config."""

    config: DatabaseConfig
    schema: str | None = None
    last_engine: MigrationEngine | None = field(default=None, repr=False)
    """The engine :meth:`engine` made last: what it says about an interrupted run."""

    @property
    def label(self) -> str:
        """How results and ``--include`` name it: the bind_key, the schema, or ``bind_key.schema``."""
        if self.schema is None:
            return self.config.bind_key or repr(self.config)
        return self.schema if self.config.bind_key is None else f"{self.config.bind_key}.{self.schema}"

    def engine(self, *, reporter: Reporter | None = None) -> MigrationEngine:
        """A new engine for this target (its tenant schema's, for a tenant)."""
        self.last_engine = self.config.migration_engine(reporter=reporter, schema=self.schema)
        return self.last_engine

    @property
    def interruption(self) -> str | None:
        """What the last engine's cancelled run left behind, in one line."""
        return None if self.last_engine is None else self.last_engine.interruption

    def matches(self, patterns: Iterable[str]) -> bool:
        """Whether a glob pattern (``fnmatch``) matches its label, its bind_key or its schema."""
        names = [self.label, self.config.bind_key, self.schema]
        return any(fnmatchcase(name, pattern) for pattern in patterns for name in names if name)


@dataclass(eq=False)
class TargetResult(Generic[T]):
    """How one target's operation ended."""

    target: Target
    status: Status = "waiting"
    applied: int = 0
    """Migrations run (applied or reverted) on it, counted as they finish: a failed run's too."""
    duration_ms: float | None = None
    error: BaseException | None = None
    value: T | None = None
    """What the operation returned, when it succeeded."""

    @property
    def label(self) -> str:
        """The target's label, as :attr:`Target.label`."""
        return self.target.label


async def fleet_targets(configs: Sequence[DatabaseConfig]) -> list[Target]:
    """Every target of ``configs``, in order: a config, or each of its tenant schemas."""
    targets: list[Target] = []
    for config in configs:
        schemas = await resolve_tenant_schemas(config)
        if schemas is None:
            targets.append(Target(config))
        else:
            targets.extend(Target(config, schema) for schema in schemas)
    return targets


def select_targets(
    targets: Sequence[Target], include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[Target]:
    """The targets ``include`` matches (all when empty) and ``exclude`` does not."""
    return [
        target
        for target in targets
        if (not include or target.matches(include)) and not target.matches(exclude)
    ]


async def run_fleet(
    targets: Sequence[Target],
    operation: Callable[[Target, TargetResult[T]], Awaitable[T]],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    fail_fast: bool = False,
    on_update: Callable[[TargetResult[T]], None] | None = None,
) -> list[TargetResult[T]]:
    """Run ``operation`` on every target, at most ``concurrency`` at once, in the caller's event loop.

    Targets start in order. An exception from ``operation`` fails that target only (its ``error``);
    with ``fail_fast`` no target starts after the first failure (they end ``skipped``; those
    running finish). ``on_update`` is called at each change of a target's status. Cancelling the
    call marks the running targets ``interrupted`` and propagates. The results are in target order.
    """
    results = [TargetResult[T](target) for target in targets]
    await run_results(results, operation, concurrency=concurrency, fail_fast=fail_fast, on_update=on_update)
    return results


async def run_results(
    results: Sequence[TargetResult[T]],
    operation: Callable[[Target, TargetResult[T]], Awaitable[T]],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    fail_fast: bool = False,
    on_update: Callable[[TargetResult[T]], None] | None = None,
) -> None:
    """:func:`run_fleet` filling results made beforehand (so a caller sees them even if cancelled)."""
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    limiter = anyio.CapacityLimiter(concurrency)
    stopped = False

    def update(result: TargetResult[T], status: Status) -> None:
        result.status = status
        if on_update is not None:
            on_update(result)

    async def run_one(result: TargetResult[T]) -> None:
        nonlocal stopped
        async with limiter:
            if stopped:
                update(result, "skipped")
                return
            started = time.perf_counter()
            update(result, "running")
            try:
                result.value = await operation(result.target, result)
            except anyio.get_cancelled_exc_class():
                result.duration_ms = round((time.perf_counter() - started) * 1000, 1)
                update(result, "interrupted")
                raise
            except Exception as error:
                result.error = error
                result.duration_ms = round((time.perf_counter() - started) * 1000, 1)
                stopped = stopped or fail_fast
                update(result, "failed")
                return
            result.duration_ms = round((time.perf_counter() - started) * 1000, 1)
            update(result, "ok")

    shared = _shared_connections([result.target for result in results], concurrency)
    async with shared, anyio.create_task_group() as tasks:
        for result in results:
            tasks.start_soon(run_one, result)


@asynccontextmanager
async def _shared_connections(targets: Sequence[Target], concurrency: int) -> AsyncIterator[None]:
    """Tenants of one config take turns on a pool of at most ``concurrency`` connections.

    A connection per tenant would cost a connect (and its authentication) per schema, most of an
    up-to-date tenant's time. The pool is a copy of the config's own, sized to the concurrency, so a
    run still never holds more connections than that; a pool the app opened already is used as is.
    A connection goes back to the pool with its session reset (asyncpg's ``RESET ALL``, advisory
    locks released), so no tenant's settings reach the next one.
    """
    by_config: dict[int, list[Target]] = {}
    for target in targets:
        if target.schema is not None:
            by_config.setdefault(id(target.config), []).append(target)
    pooled: list[tuple[DatabaseConfig, DatabaseConfig, list[Target]]] = []
    try:
        for tenants in by_config.values():
            if len(tenants) < 2 or tenants[0].config.pool_is_open():
                continue
            original = tenants[0].config
            copy = type(original)(
                connection_config={**original.connection_config, "min_size": 0, "max_size": concurrency},
                migration_config=original.migration_config,
                bind_key=original.bind_key,
            )
            await copy.open_pool()
            pooled.append((original, copy, tenants))
            for target in tenants:
                target.config = copy
        yield
    finally:
        with shield():
            for original, copy, tenants in pooled:
                for target in tenants:
                    target.config = original
                await copy.close_pool()


async def migrate_fleet(
    configs: Sequence[DatabaseConfig],
    revision: str = "head",
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    fail_fast: bool = False,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> list[TargetResult[list[MigrationRun]]]:
    """``migrate_up(revision)`` on every target of ``configs`` (tenant schemas expanded), concurrently.

    Never raises for one target's failure: look at each result's ``status`` and ``error``. A rerun
    applies only what is left (each target's version table says what is done).
    """
    targets = select_targets(await fleet_targets(configs), include, exclude)

    async def upgrade(target: Target, result: TargetResult[list[MigrationRun]]) -> list[MigrationRun]:
        def count(_run: MigrationRun) -> None:
            result.applied += 1

        return await target.engine(reporter=count).migrate_up(revision)

    return await run_fleet(targets, upgrade, concurrency=concurrency, fail_fast=fail_fast)
