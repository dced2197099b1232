"""Run the linter over the project's own migrations, to judge its false positives; run by hand.

    .venv/bin/python tests/lint/survey_lint.py

Reads demo/migrations, the Litestar extension's migrations, and every migration the tests write
with ``sql_migration(...)`` whose upgrade is a literal string (each linted alone, on SQLite and on
PostgreSQL, as if every table it does not create existed). Prints each finding for a person to
judge, then the count per rule.
"""

from __future__ import annotations

import ast
import collections
import tempfile
from pathlib import Path

from sqlspec.dialects.mysql import MYSQL
from sqlspec.dialects.postgres import POSTGRES
from sqlspec.dialects.sqlite import SQLITE
from sqlspec.lint import Finding, format_finding, lint_migrations
from sqlspec.migrations.files import discover, parse

ROOT = Path(__file__).parent.parent.parent


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _calls(function: ast.AST) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(function)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "sql_migration"
    ]


def written_runs() -> list[tuple[str, list[tuple[str, str, str | None]]]]:
    """Per test function: ``(where, [(revision, upgrade, downgrade)])`` of its ``sql_migration`` calls.

    A test's files form one pending run, as the test applies them. Calls whose upgrade is not a
    literal string are left out; a downgrade that is not a literal stands as ``SELECT 1;``.
    """
    runs = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            steps = []
            for node in _calls(function):
                keywords = {k.arg: k.value for k in node.keywords}
                revision = _literal(node.args[1] if len(node.args) > 1 else keywords.get("revision"))
                upgrade = _literal(node.args[3] if len(node.args) > 3 else keywords.get("upgrade"))
                down_node = node.args[4] if len(node.args) > 4 else keywords.get("downgrade")
                if isinstance(down_node, ast.Constant) and down_node.value is None:
                    downgrade = None
                else:
                    downgrade = "SELECT 1;" if down_node is None else (_literal(down_node) or "SELECT 1;")
                if revision and revision.isdigit() and upgrade is not None and "{" not in upgrade:
                    steps.append((revision, upgrade, downgrade))
            if steps:
                runs.append((f"{path.relative_to(ROOT)}::{function.name}", sorted(set(steps))))
    return runs


def _lint_run(folder: Path, where: str, steps: list[tuple[str, str, str | None]]) -> list[Finding]:
    previous = "None"
    for revision, upgrade, downgrade in steps:
        text = f"-- revision: {revision}\n-- down_revision: {previous}\n\n-- upgrade --\n{upgrade}\n"
        if downgrade is not None:
            text += f"\n-- downgrade --\n{downgrade or 'SELECT 1;'}\n"
        (folder / f"{revision}_written.sql").write_text(text)
        previous = revision
    try:
        migrations = [parse(file) for file in discover(folder)]
    except Exception:  # a test of a broken file
        return []
    dialects = (MYSQL,) if "mysql" in where else (SQLITE, POSTGRES)
    found = []
    for dialect in dialects:
        for finding in lint_migrations(migrations, dialect):
            found.append(finding)
            print(f"{dialect.name:8} {where} {finding.revision}: {finding.rule}: {finding.message}")
    return found


def main() -> None:
    findings: list[Finding] = []
    for folder in (ROOT / "demo" / "migrations", ROOT / "sqlspec_litestar" / "migrations"):
        migrations = [parse(file) for file in discover(folder)]
        for dialect in (SQLITE, POSTGRES):
            for finding in lint_migrations(migrations, dialect):
                findings.append(finding)
                print(dialect.name, format_finding(finding, fix=False))
    runs = written_runs()
    with tempfile.TemporaryDirectory() as name:
        for number, (where, steps) in enumerate(runs, start=1):
            folder = Path(name) / str(number)
            folder.mkdir()
            findings += _lint_run(folder, where, steps)
    counts = collections.Counter(finding.rule for finding in findings)
    total = sum(len(steps) for _, steps in runs)
    print(f"{len(runs)} test runs, {total} written migrations, + demo + litestar: {dict(counts)}")


if __name__ == "__main__":
    main()
