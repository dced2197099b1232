"""Opt-out comments, lines, Python migrations, the report shapes, the pending run of a config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

import sqlspec.lint
from sqlspec.adapters.aiosqlite import AiosqliteConfig
from sqlspec.dialects.postgres import POSTGRES
from sqlspec.lint import (
    EXTRA,
    RULES,
    Finding,
    LintUnavailableError,
    exit_code,
    format_finding,
    lint_migrations,
    lint_pending,
    to_builtins,
    to_json,
)

from .conftest import Lint, rules, sql_file, write

DROPS = "SET LOCAL lock_timeout = '1s';\nDROP TABLE a;\nDROP TABLE b;"


def test_an_allow_in_the_header_covers_the_file(lint: Lint) -> None:
    assert lint("postgres", sql_file(DROPS, header="-- sqlspec: allow drop-column-or-table")) == []


def test_an_allow_in_the_section_covers_the_next_statement(lint: Lint) -> None:
    text = (
        "SET LOCAL lock_timeout = '1s';\n-- sqlspec: allow drop-column-or-table\nDROP TABLE a;\nDROP TABLE b;"
    )
    assert [f.message for f in lint("postgres", sql_file(text))] == ["table b is dropped"]


def test_an_allow_ending_a_statement_line_covers_that_statement(lint: Lint) -> None:
    text = (
        "SET LOCAL lock_timeout = '1s';\n"
        "DROP TABLE a; -- sqlspec: allow drop-column-or-table, rename-column-or-table -- since 2.3\n"
        "DROP TABLE b;"
    )
    assert [f.message for f in lint("postgres", sql_file(text))] == ["table b is dropped"]


def test_an_allow_inside_a_multi_line_statement_covers_it(lint: Lint) -> None:
    text = "SET LOCAL lock_timeout = '1s';\nALTER TABLE a\n  -- sqlspec: allow drop-column-or-table\n"
    text += "  DROP COLUMN x;"
    assert lint("postgres", sql_file(text)) == []


def test_whole_migration_rules_take_an_allow_anywhere(lint: Lint) -> None:
    text = "SET LOCAL lock_timeout = '1s';\nALTER TABLE t ADD b int;\nUPDATE t SET b = 1;"
    allow = "-- sqlspec: allow mixed-schema-and-data, no-downgrade"
    assert lint("postgres", sql_file(f"{allow}\n{text}", downgrade=None)) == []
    assert lint("postgres", sql_file(text, downgrade=f"{allow}\nSELECT 1;")) == []


def test_an_allow_naming_no_rule_is_reported(lint: Lint) -> None:
    [found] = lint("sqlite", sql_file("SELECT 1;", header="-- sqlspec: allow no-such-rule"))
    assert (found.rule, found.line) == ("unknown-allow", 3)


def test_findings_name_the_file_line_and_statement(lint: Lint, tmp_path: Path) -> None:
    text = "SET LOCAL lock_timeout = '1s';\n\n-- DROP TABLE t\n/* note */\nDROP\n  TABLE t;"
    [found] = lint("postgres", sql_file(text, header="-- description: drop"))
    assert found == Finding(
        rule="drop-column-or-table",
        severity="warning",
        message="table t is dropped",
        revision="0001",
        path=str(tmp_path / "0001_step.sql"),
        line=9,
        why=RULES["drop-column-or-table"].why,
        fix=RULES["drop-column-or-table"].fix,
        statement="DROP TABLE t",
    )


def test_only_upgrades_are_read(lint: Lint) -> None:
    assert lint("postgres", sql_file("CREATE TABLE t (a int);", downgrade="DROP TABLE t;")) == []


def test_an_empty_downgrade_is_none(lint: Lint) -> None:
    [found] = lint("sqlite", sql_file("CREATE TABLE t (a INT);", downgrade="-- nothing"))
    assert (found.rule, found.message) == ("no-downgrade", "the '-- downgrade --' section is empty")


PYTHON = '''"""Step.

Revision ID: REVISION
Down Revision: None
"""
# sqlspec: allow ALLOWED


def upgrade(driver):
    driver.execute("DROP TABLE users")
'''


def test_python_migrations_get_the_downgrade_rule_only(lint: Lint) -> None:
    [found] = lint("postgres", PYTHON.replace("ALLOWED", "drop-column-or-table"))
    assert (found.rule, found.line) == ("no-downgrade", 1)
    assert "downgrade(driver) function" in found.message
    assert lint("postgres", PYTHON.replace("ALLOWED", "no-downgrade")) == []


def test_a_section_that_does_not_split_is_left_to_check(lint: Lint) -> None:
    found = lint("postgres", sql_file("SELECT 'open;", downgrade=None))
    assert rules(found) == ["no-downgrade"]


def test_report_shapes(lint: Lint) -> None:
    found = lint("sqlite", sql_file("ALTER TABLE t ADD COLUMN b INT NOT NULL;\nDROP TABLE u;"))
    assert [f.severity for f in found] == ["error", "warning"]
    assert json.loads(to_json(found)) == to_builtins(found)
    assert msgspec.json.decode(to_json(found), type=list[Finding]) == found
    assert to_builtins(found)[0]["rule"] == "sqlite-add-column-not-null-without-default"
    line = format_finding(found[0])
    assert line.startswith(f"{found[0].path}:5: error sqlite-add-column-not-null-without-default: new column")
    assert "\n" not in line
    assert line.endswith(found[0].fix)
    assert format_finding(found[0], fix=False).endswith("is NOT NULL with no default")
    codes = (exit_code(found), exit_code(found[1:]), exit_code(found[1:], strict=True), exit_code([]))
    assert codes == (1, 0, 1, 0)


def test_every_rule_explains_itself() -> None:
    for rule in RULES.values():
        assert rule.why
        assert rule.fix
        assert rule.severity in {"error", "warning"}
        assert "\n" not in rule.why + rule.fix
        assert rule.docs == f"docs/lint.md#{rule.id}"


def test_index_fix_names_the_header_that_allows_concurrently() -> None:
    assert "-- transactional: false" in RULES["pg-index-not-concurrent"].fix


def test_without_pglast_postgres_says_which_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "pglast", None)
    monkeypatch.delitem(sys.modules, "sqlspec.lint._postgres", raising=False)
    monkeypatch.delattr(sqlspec.lint, "_postgres", raising=False)
    with pytest.raises(LintUnavailableError) as raised:
        lint_migrations([], POSTGRES)
    assert str(raised.value) == f"linting PostgreSQL migrations needs pglast: pip install '{EXTRA}'"


def test_pglast_stays_out_of_start_up() -> None:
    code = (
        "import sys, sqlspec, sqlspec.lint, sqlspec.config, sqlspec.adapters.asyncpg\n"
        "assert 'pglast' not in sys.modules, 'pglast imported'\n"
        "assert 'sqlspec.lint._postgres' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_lint_pending_reads_what_upgrade_would_apply(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    write(folder, [sql_file("CREATE TABLE t (a INT);"), sql_file("ALTER TABLE t DROP COLUMN a;")])
    config = AiosqliteConfig(
        connection_config={"database": str(tmp_path / "app.db")},
        migration_config={"script_location": str(folder)},
    )
    assert rules(await lint_pending(config)) == ["sqlite-drop-column"]  # t is new in this run
    await config.migrate_up("0001")
    found = await lint_pending(config)
    assert rules(found) == ["sqlite-drop-column", "drop-column-or-table"]
    assert {f.revision for f in found} == {"0002"}
