"""The CLI tests' throwaway projects (see tests/integration/cli/conftest.py), on real databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cli.conftest import Project, _project, project, sqlite_project

__all__ = ("Project", "mysql_project", "postgres_project", "project", "sqlite_project")


@pytest.fixture
def postgres_project(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Project]:
    """A project on a fresh PostgreSQL database."""
    yield from _project(request, tmp_path, monkeypatch, "postgres")


@pytest.fixture
def mysql_project(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Project]:
    """A project on a fresh MySQL/MariaDB database."""
    yield from _project(request, tmp_path, monkeypatch, "mysql")
