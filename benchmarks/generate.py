"""Write the same N migrations in each tool's own format.

Migration ``i`` creates a table with an index; its downgrade drops both. The statements are
identical for every tool and valid on SQLite and PostgreSQL, so the tools differ only in what they
do around them.
"""

from __future__ import annotations

from pathlib import Path

__all__ = (
    "downgrade_statements",
    "upgrade_statements",
    "write_alembic",
    "write_raw",
    "write_sqlspec",
    "write_yoyo",
)


def upgrade_statements(i: int) -> list[str]:
    """The statements migration ``i`` runs on the way up."""
    return [
        f"CREATE TABLE bench_{i} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, created_at TIMESTAMP)",
        f"CREATE INDEX ix_bench_{i}_name ON bench_{i} (name)",
    ]


def downgrade_statements(i: int) -> list[str]:
    """The statements migration ``i`` runs on the way down."""
    return [f"DROP INDEX ix_bench_{i}_name", f"DROP TABLE bench_{i}"]


def _revision(i: int) -> str:
    return f"{i:04d}"


def _script(statements: list[str]) -> str:
    return "".join(f"{statement};\n" for statement in statements)


def write_sqlspec(folder: Path, count: int) -> None:
    """``NNNN_create_bench_N.sql`` files with a header and upgrade/downgrade sections."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, count + 1):
        down = _revision(i - 1) if i > 1 else "None"
        (folder / f"{_revision(i)}_create_bench_{i}.sql").write_text(
            f"-- revision: {_revision(i)}\n-- down_revision: {down}\n-- description: create bench_{i}\n\n"
            f"-- upgrade --\n{_script(upgrade_statements(i))}\n"
            f"-- downgrade --\n{_script(downgrade_statements(i))}"
        )


def write_raw(folder: Path, count: int) -> None:
    """``NNNN.sql`` files for :mod:`benchmarks.raw`: the up statements, ``-- down``, the down ones."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, count + 1):
        (folder / f"{_revision(i)}.sql").write_text(
            f"{_script(upgrade_statements(i))}-- down\n{_script(downgrade_statements(i))}"
        )


_ALEMBIC_ENV = '''"""Alembic environment for the benchmark: online mode, one transaction per migration."""

from alembic import context
from sqlalchemy import create_engine, pool

engine = create_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
'''

_ALEMBIC_VERSION = '''"""create bench_{i}"""

from alembic import op

revision = "{revision}"
down_revision = {down}
branch_labels = None
depends_on = None


def upgrade():
{upgrade}

def downgrade():
{downgrade}
'''


def _op_calls(statements: list[str]) -> str:
    return "".join(f'    op.execute("{statement}")\n' for statement in statements)


def write_alembic(folder: Path, count: int) -> None:
    """An Alembic script directory: ``env.py`` and ``versions/`` (the URL comes from the config)."""
    versions = folder / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    (folder / "env.py").write_text(_ALEMBIC_ENV)
    for i in range(1, count + 1):
        down = f'"{_revision(i - 1)}"' if i > 1 else "None"
        (versions / f"{_revision(i)}_create_bench_{i}.py").write_text(
            _ALEMBIC_VERSION.format(
                i=i,
                revision=_revision(i),
                down=down,
                upgrade=_op_calls(upgrade_statements(i)),
                downgrade=_op_calls(downgrade_statements(i)),
            )
        )


def write_yoyo(folder: Path, count: int) -> None:
    """yoyo SQL migrations: ``NNNN_create_bench_N.sql`` with ``-- depends:``, and ``.rollback.sql``."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, count + 1):
        name = f"{_revision(i)}_create_bench_{i}"
        depends = f"-- depends: {_revision(i - 1)}_create_bench_{i - 1}\n" if i > 1 else ""
        (folder / f"{name}.sql").write_text(f"-- create bench_{i}\n{depends}{_script(upgrade_statements(i))}")
        (folder / f"{name}.rollback.sql").write_text(_script(downgrade_statements(i)))
