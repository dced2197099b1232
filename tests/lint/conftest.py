"""Write migration files to a folder and lint them as one pending run."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path

import pytest

from sqlspec.dialects import Dialect
from sqlspec.dialects.mysql import MYSQL
from sqlspec.dialects.postgres import POSTGRES
from sqlspec.dialects.sqlite import SQLITE
from sqlspec.lint import Finding, lint_migrations
from sqlspec.migrations.files import discover, parse

DIALECTS: dict[str, Dialect] = {"postgres": POSTGRES, "sqlite": SQLITE, "mysql": MYSQL}

Lint = Callable[..., list[Finding]]


def sql_file(upgrade: str, *, header: str = "", downgrade: str | None = "SELECT 1;") -> str:
    """A migration's text (revision filled in by :func:`write`) with these sections."""
    text = f"{header}\n-- upgrade --\n{upgrade}\n"
    return text if downgrade is None else f"{text}\n-- downgrade --\n{downgrade}\n"


def write(folder: Path, texts: Collection[str]) -> None:
    """Write each text as the next migration, giving SQL ones their revision header."""
    for number, text in enumerate(texts, start=1):
        revision = f"{number:04d}"
        if text.lstrip().startswith('"""'):
            (folder / f"{revision}_step.py").write_text(text.replace("REVISION", revision))
        else:
            down = "None" if number == 1 else f"{number - 1:04d}"
            (folder / f"{revision}_step.sql").write_text(
                f"-- revision: {revision}\n-- down_revision: {down}\n{text}"
            )


@pytest.fixture
def lint(tmp_path: Path) -> Lint:
    """``lint(dialect, *texts, existing_tables=None)``: the findings of those migrations, in order."""

    def run(dialect: str, *texts: str, existing_tables: Collection[str] | None = None) -> list[Finding]:
        write(tmp_path, texts)
        migrations = [parse(file) for file in discover(tmp_path)]
        return lint_migrations(migrations, DIALECTS[dialect], existing_tables=existing_tables)

    return run


def rules(findings: list[Finding]) -> list[str]:
    return [finding.rule for finding in findings]
