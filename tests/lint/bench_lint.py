"""How long ``lint_migrations`` takes over 1,000 generated migration files; run by hand.

    .venv/bin/python tests/lint/bench_lint.py [COUNT]

Each file holds a few statements of the kinds real migrations hold (a new table with an index, a
new column, a seed, an index on an existing table), so about half the files raise a finding.
Prints wall and CPU time for PostgreSQL (pglast, its import timed apart) and SQLite, after
parsing the files with the engine's parser (timed apart too).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from sqlspec.dialects.postgres import POSTGRES
from sqlspec.dialects.sqlite import SQLITE
from sqlspec.lint import lint_migrations
from sqlspec.migrations.files import Migration, discover, parse

_BODIES = (
    "CREATE TABLE t{n} (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now());\n"
    "CREATE INDEX t{n}_name ON t{n} (name);\n"
    "INSERT INTO t{n} (id, name) VALUES (1, 'a'), (2, 'b');",
    "SET LOCAL lock_timeout = '5s';\nALTER TABLE users ADD COLUMN c{n} text;\n"
    "COMMENT ON COLUMN users.c{n} IS 'added in step {n}';",
    "CREATE INDEX users_c{n} ON users (email, id);",
    "ALTER TABLE orders ADD CONSTRAINT orders_c{n} CHECK (total >= 0);\nUPDATE orders SET total = 0;",
)


def generate(folder: Path, count: int) -> None:
    for n in range(1, count + 1):
        down = "None" if n == 1 else f"{n - 1:04d}"
        body = _BODIES[n % len(_BODIES)].format(n=n)
        (folder / f"{n:04d}_step_{n}.sql").write_text(
            f"-- revision: {n:04d}\n-- down_revision: {down}\n-- description: step {n}\n\n"
            f"-- upgrade --\n{body}\n\n-- downgrade --\nSELECT 1;\n"
        )


def _timed(label: str, work: object) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work() if callable(work) else None
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    size = f", {len(result)} findings" if isinstance(result, list) else ""
    print(f"{label:<34} wall {wall * 1000:8.1f} ms   cpu {cpu * 1000:8.1f} ms{size}")


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        generate(folder, count)
        migrations: list[Migration] = []
        _timed(f"parse {count} files", lambda: migrations.extend(parse(f) for f in discover(folder)))
        _timed("import pglast (once)", lambda: __import__("sqlspec.lint._postgres"))
        for dialect in (POSTGRES, SQLITE):
            _timed(f"lint {count} files, {dialect.name}", lambda d=dialect: lint_migrations(migrations, d))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
