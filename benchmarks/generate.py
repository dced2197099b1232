"""Write the same N migrations in each tool's own format.

Migration ``i`` creates a table with an index; its downgrade drops both. The statements are
identical for every tool and valid on SQLite and PostgreSQL, so the tools differ only in what they
do around them. MySQL spells ``DROP INDEX`` with the table (``DROP INDEX ix ON t``), so its folders
are written apart (``mysql=True``), the same for every tool there.
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


def downgrade_statements(i: int, mysql: bool = False) -> list[str]:
    """The statements migration ``i`` runs on the way down."""
    on = f" ON bench_{i}" if mysql else ""
    return [f"DROP INDEX ix_bench_{i}_name{on}", f"DROP TABLE bench_{i}"]


def _revision(i: int) -> str:
    return f"{i:04d}"


def _script(statements: list[str]) -> str:
    return "".join(f"{statement};\n" for statement in statements)


def write_sqlspec(folder: Path, count: int, mysql: bool = False) -> None:
    """``NNNN_create_bench_N.sql`` files with a header and upgrade/downgrade sections."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, count + 1):
        down = _revision(i - 1) if i > 1 else "None"
        (folder / f"{_revision(i)}_create_bench_{i}.sql").write_text(
            f"-- revision: {_revision(i)}\n-- down_revision: {down}\n-- description: create bench_{i}\n\n"
            f"-- upgrade --\n{_script(upgrade_statements(i))}\n"
            f"-- downgrade --\n{_script(downgrade_statements(i, mysql))}"
        )


def write_raw(folder: Path, count: int, mysql: bool = False) -> None:
    """``NNNN.sql`` files for :mod:`benchmarks.raw`: the up statements, ``-- down``, the down ones."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, count + 1):
        (folder / f"{_revision(i)}.sql").write_text(
            f"{_script(upgrade_statements(i))}-- down\n{_script(downgrade_statements(i, mysql))}"
        )


_ALEMBIC_ENV = '''"""Alembic environment for the benchmark: online mode, one transaction per migration.

On SQLite, SQLAlchemy's documented recipe for transactional DDL ("Serializable isolation /
Savepoints / Transactional DDL" in its SQLite dialect notes): pysqlite's own transaction handling
is switched off (``isolation_level = None``, so it no longer commits before each DDL statement)
and SQLAlchemy emits ``BEGIN`` itself, so a migration's DDL and its version row are one
transaction, as for the other tools.
"""

from alembic import context
from sqlalchemy import create_engine, event, pool

engine = create_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
if engine.dialect.name == "sqlite":

    @event.listens_for(engine, "connect")
    def _no_pysqlite_transactions(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")

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


def write_alembic(folder: Path, count: int, mysql: bool = False) -> None:
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
                downgrade=_op_calls(downgrade_statements(i, mysql)),
            )
        )


def write_yoyo(folder: Path, count: int, mysql: bool = False) -> None:
    """yoyo SQL migrations: ``NNNN_create_bench_N.sql`` with ``-- depends:``, and ``.rollback.sql``."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, count + 1):
        name = f"{_revision(i)}_create_bench_{i}"
        depends = f"-- depends: {_revision(i - 1)}_create_bench_{i - 1}\n" if i > 1 else ""
        (folder / f"{name}.sql").write_text(f"-- create bench_{i}\n{depends}{_script(upgrade_statements(i))}")
        (folder / f"{name}.rollback.sql").write_text(_script(downgrade_statements(i, mysql)))
