"""A throwaway project for CLI tests: a package holding the config, run from its folder."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from sqlspec.cli import app


@dataclass
class Project:
    """A folder with ``<package>/config.py`` and a ``migrations`` folder next to it."""

    root: Path
    package: str
    dialect: str

    @property
    def reference(self) -> str:
        return f"{self.package}.config"

    @property
    def migrations(self) -> Path:
        return self.root / "migrations"

    def cli(self, *args: str, config: bool = True, input: str | None = None) -> Result:
        """Run ``sqlspec [--config ref] args`` in-process through typer's runner."""
        argv = ["--config", self.reference, *args] if config else list(args)
        return CliRunner().invoke(app, argv, input=input)

    def process(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run the real ``sqlspec`` executable as a subprocess."""
        executable = Path(sys.executable).parent / "sqlspec"
        return subprocess.run(
            [str(executable), "--config", self.reference, *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **(env or {})},
            check=False,
        )

    def write_config(self, body: str) -> None:
        (self.root / self.package / "config.py").write_text(body)


def _config_source(dialect: str, target: str) -> str:
    if dialect == "mysql":
        return (
            "from sqlspec.adapters.asyncmy import AsyncmyConfig\n\n"
            f"config = AsyncmyConfig(connection_config={{'dsn': {target!r}}})\n"
        )
    if dialect == "postgres":
        return (
            "from sqlspec.adapters.asyncpg import AsyncpgConfig\n\n"
            f"config = AsyncpgConfig(connection_config={{'dsn': {target!r}}})\n"
        )
    return (
        "from sqlspec.adapters.aiosqlite import AiosqliteConfig\n\n"
        f"config = AiosqliteConfig(connection_config={{'database': {target!r}}})\n"
    )


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def project(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Project]:
    """A project on a fresh database of each dialect, with the current directory at its root."""
    yield from _project(request, tmp_path, monkeypatch, request.param)


@pytest.fixture
def sqlite_project(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Project]:
    """A project on SQLite only, for behaviour that does not depend on the dialect."""
    yield from _project(request, tmp_path, monkeypatch, "sqlite")


def _project(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dialect: str
) -> Iterator[Project]:
    if dialect in {"postgres", "mysql"}:
        target = request.getfixturevalue(f"{dialect}_dsn")
    else:
        target = str(tmp_path / "app.db")
    package = f"app_{uuid.uuid4().hex[:10]}"  # unique, so imports never leak between tests
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    found = Project(tmp_path, package, dialect)
    found.write_config(_config_source(dialect, target))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("SQLSPEC_CONFIG", raising=False)
    yield found
    for name in [name for name in sys.modules if name.startswith(package)]:
        del sys.modules[name]
