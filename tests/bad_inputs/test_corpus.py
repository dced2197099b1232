"""The bad-input corpus: every bad input gets the right exit code, one clear line, and no change.

What the corpus promises, case by case (see :mod:`tests.bad_inputs.corpus`), through the real CLI on
SQLite and, where the database matters, PostgreSQL, each case on a scratch database of its own (and
on MySQL/MariaDB in :mod:`tests.bad_inputs.test_corpus_mysql`, which reuses the assertions below):

- the exit code is the documented one (1: a migration, a file or the database failed; 2: a usage or
  config error);
- the error is one ``Error: ...`` line on stderr that contains the case's words: no traceback, no
  second line, and never the "unexpected ... run with --debug" fallback for errors nobody foresaw;
- the database is unchanged: schema, every table's rows and the version table (a case usually
  starts with ``0001`` applied, so there is something to keep), and so is the migration folder;
- the inputs that must work (a byte-order mark, CRLF, CR or mixed line endings, a very large file)
  exit 0, apply what they should and keep the checksum of their plain LF, BOM-less twin.

A case marked ``bug`` exposes a product bug: it still asserts the right behaviour, as a strict
xfail, so it starts failing (and must be unmarked) once the bug is fixed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from sqlspec.migrations.files import MigrationFile, parse
from tests.bad_inputs.corpus import BASELINE, CASES
from tests.bad_inputs.harness import Case, Dialect, Snapshot, Workspace, one_line_error

REQUIRED_TOPICS = {
    "header",
    "section",
    "mismatch",
    "duplicate",
    "chain",
    "encoding",
    "empty",
    "bom",
    "crlf",
    "large",
    "python-syntax",
    "python-import",
    "python-no-upgrade",
    "python-exception",
    "injection",
    "config-key",
    "config-type",
    "script-location",
    "unreadable",
    "connection",
    "login",
    "missing-database",
    "target",
    "lock",
    "config-reference",
}


def _params() -> list[object]:
    params: list[object] = []
    for case in CASES:
        for dialect in case.dialects:
            marks: list[pytest.MarkDecorator] = []
            if dialect == "postgres":
                marks.append(pytest.mark.postgres)
            if case.bug:
                marks.append(pytest.mark.xfail(reason=f"product bug: {case.bug}", strict=True))
            params.append(pytest.param(case, dialect, marks=marks, id=f"{case.name}-{dialect}"))
    return params


def _workspace(dialect: Dialect, tmp_path: Path, request: pytest.FixtureRequest) -> Workspace:
    if dialect == "postgres":
        target: str = request.getfixturevalue("postgres_dsn")
    else:
        target = str(tmp_path / "app.db")
    return Workspace.create(tmp_path, dialect, target)


def _config_module(ws: Workspace, case: Case) -> str:
    connection = ws.connection()
    if case.connection is not None:
        connection = case.connection(connection)
    if case.config_source is not None:
        return ws.render_config(connection=connection, migration=case.migration, template=case.config_source)
    return ws.render_config(connection=connection, migration=case.migration)


def _argv(ws: Workspace, case: Case) -> list[str]:
    if case.config_ref is None:
        return list(case.argv)
    return ["--config", case.config_ref.format(package=ws.package), *case.argv]


def _checksum(ws: Workspace, name: str, text: str) -> str:
    """The checksum sqlspec records for ``text`` saved as ``name``."""
    twin = ws.root / "twin" / name
    twin.parent.mkdir(exist_ok=True)
    twin.write_text(text, newline="")
    revision, _, rest = name.partition("_")
    slug, _, kind = rest.rpartition(".")
    return parse(
        MigrationFile(revision, slug, "sql" if kind == "sql" else "py", twin.parent, twin.name)
    ).checksum


@pytest.mark.parametrize(("case", "dialect"), _params())
def test_bad_input(
    case: Case,
    dialect: Dialect,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if case.skip_reason is not None and (reason := case.skip_reason()):
        pytest.skip(reason)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("SQLSPEC_CONFIG", raising=False)
    run_case(_workspace(dialect, tmp_path, request), case, _assert_worked, _assert_refused)


Check = Callable[[Workspace, Case, Result, Any], None]


def run_case(ws: Workspace, case: Case, worked: Check, refused: Check) -> None:
    """Set the case up in ``ws``, run its command, and judge it with ``worked`` or ``refused``.

    ``worked`` gets the versions applied before; ``refused`` the snapshot taken before.
    """
    try:
        ws.apply(BASELINE if case.baseline is None else case.baseline)
        ws.write_migrations(case.files)
        ws.write_config("config", _config_module(ws, case))
        if case.prepare is not None:
            case.prepare(ws)
        before = ws.snapshot()
        applied_before = [version for version, _ in ws.version_rows()] if case.applies else []
        with case.hold(ws) if case.hold is not None else nullcontext():
            result = ws.cli(_argv(ws, case), case.env)
        if case.exit_code == 0:
            worked(ws, case, result, applied_before)
        else:
            refused(ws, case, result, before)
    finally:
        for name in [name for name in sys.modules if name.startswith(ws.package)]:
            del sys.modules[name]


def _context(result: Result) -> str:
    return f"stdout={result.stdout!r} stderr={result.stderr!r} exception={result.exception!r}"


def _assert_refused(ws: Workspace, case: Case, result: Result, before: Snapshot) -> None:
    """The exit code, one line holding the words, nothing applied, nothing changed."""
    assert result.exit_code == case.exit_code, _context(result)
    line = one_line_error(result)
    for word in case.words:
        assert word.format(package=ws.package) in line, f"{word!r} is not in {line!r}"
    assert "✓" not in result.stdout, f"something was applied or reverted: {_context(result)}"
    assert ws.snapshot() == before, "the command changed the database or the migration folder"


def _assert_worked(ws: Workspace, case: Case, result: Result, applied_before: list[str]) -> None:
    """Exit 0, no error output, the migrations applied, their tables made, the plain file's checksum."""
    assert result.exit_code == 0, _context(result)
    assert result.stderr == "", _context(result)
    for word in case.words:
        assert word in result.stdout, _context(result)
    rows = ws.version_rows()
    assert [version for version, _ in rows] == [*applied_before, *case.applies]
    database = ws.snapshot()["database"]
    tables = str(database.get("schema", database.get("relations")))
    for table in case.creates:
        assert f"'{table}'" in tables, f"{table} was not created: {tables}"
    if case.same_checksum_as is not None:
        (name,) = case.files
        assert rows[-1][1] == _checksum(ws, name, case.same_checksum_as)


def test_the_corpus_covers_what_it_promises() -> None:
    names = [case.name for case in CASES]
    duplicates = [name for name, count in Counter(names).items() if count > 1]
    assert not duplicates, duplicates
    assert len(CASES) >= 60
    missing = REQUIRED_TOPICS - {case.topic for case in CASES}
    assert not missing, f"no case covers {sorted(missing)}"
    for case in CASES:
        assert case.words, f"{case.name} checks no words"
        assert case.exit_code in (0, 1, 2), case.name
        assert (case.exit_code == 0) == bool(case.applies), (
            f"{case.name}: a must-work case names what it applies"
        )
    must_work = {case.topic for case in CASES if case.exit_code == 0}
    assert {"bom", "crlf", "large"} <= must_work
    assert sum(1 for case in CASES if "postgres" in case.dialects) >= 40


# A few cases again through the installed ``sqlspec`` executable, as a subprocess, to show the
# in-process runs above are what a user sees: same exit code, same single line, same words.
SUBPROCESS_CASES = (
    "sql-latin1-byte",
    "py-upgrade-raises",
    "version-table-semicolon-injection",
    "config-module-missing",
    "upgrade-past-head",
    "crlf-sql",
)


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_real_executable(name: str, tmp_path: Path) -> None:
    (case,) = [case for case in CASES if case.name == name]
    ws = Workspace.create(tmp_path, "sqlite", str(tmp_path / "app.db"))
    env = {key: value for key, value in os.environ.items() if key != "SQLSPEC_CONFIG"}
    ws.write_migrations(BASELINE)
    executable = str(Path(sys.executable).parent / "sqlspec")

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [executable, *argv],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env={**env, "NO_COLOR": "1", **case.env},
            check=False,
        )

    assert run("--config", f"{ws.package}.base", "upgrade").returncode == 0
    ws.write_migrations(case.files)
    ws.write_config("config", _config_module(ws, case))
    before = ws.snapshot()
    result = run(*_argv(ws, case))
    assert result.returncode == case.exit_code, result
    if case.exit_code == 0:
        assert result.stderr == ""
        assert all(word in result.stdout for word in case.words), result
        return
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert all(word.format(package=ws.package) in lines[0] for word in case.words), lines[0]
    assert ws.snapshot() == before
