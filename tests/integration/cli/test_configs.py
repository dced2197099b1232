"""Finding configs: --config, $SQLSPEC_CONFIG, pyproject.toml, lists, callables and bind keys."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.cli.conftest import Project
from tests.migration_files import sql_migration


def _two_sqlite_configs(project: Project, *, callable_: bool = False) -> None:
    body = (
        "from sqlspec.adapters.aiosqlite import AiosqliteConfig\n\n"
        "def make(name):\n"
        "    return AiosqliteConfig(\n"
        "        connection_config={'database': f'{name}.db'},\n"
        "        migration_config={'script_location': f'migrations_{name}'},\n"
        "        bind_key=name,\n"
        "    )\n\n"
    )
    body += (
        "def configs():\n    return [make('main'), make('audit')]\n"
        if callable_
        else ("configs = [make('main'), make('audit')]\n")
    )
    project.write_config(body)
    for name in ("main", "audit"):
        folder = project.root / f"migrations_{name}"
        folder.mkdir()
        sql_migration(folder, "0001", name, f"CREATE TABLE {name} (id INTEGER);")


def _revision(project: Project, *args: str) -> str:
    result = project.cli(*args, "show-current-revision", config=False)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_env_var_and_pyproject_and_precedence(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    project.migrations.mkdir()
    sql_migration(project.migrations, "0001", "a", "SELECT 1;")
    (project.root / "pyproject.toml").write_text(f'[tool.sqlspec]\nconfig = "{project.package}.config"\n')
    assert project.cli("upgrade", config=False).exit_code == 0
    assert _revision(project) == "0001"

    monkeypatch.setenv("SQLSPEC_CONFIG", "nowhere.config")  # the variable wins over the file
    assert project.cli("show-current-revision", config=False).exit_code == 2
    assert _revision(project, "--config", f"{project.package}.config:config") == "0001"  # --config wins


@pytest.mark.parametrize("callable_", [False, True])
def test_several_configs_by_bind_key(sqlite_project: Project, callable_: bool) -> None:
    project = sqlite_project
    _two_sqlite_configs(project, callable_=callable_)
    reference = f"{project.package}.config.configs"
    result = project.cli("--config", reference, "--bind-key", "audit", "upgrade", config=False)
    assert result.exit_code == 0, result.output
    assert "applied 0001 audit" in result.stdout
    assert "main" not in result.stdout
    result = project.cli("--config", reference, "show-current-revision", "--json", config=False)
    documents = json.loads(result.stdout)  # one document for scripts, keyed by bind_key
    assert list(documents) == ["main", "audit"]
    assert {key: (d["bind_key"], d["revision"]) for key, d in documents.items()} == {
        "main": ("main", None),
        "audit": ("audit", "0001"),
    }
    result = project.cli("--config", reference, "--bind-key", "nope", "upgrade", config=False)
    assert result.exit_code == 2
    assert "no config has bind_key 'nope'; known: main, audit" in result.stderr


def test_without_bind_key_every_config_runs_and_a_failure_is_reported(sqlite_project: Project) -> None:
    project = sqlite_project
    _two_sqlite_configs(project)
    sql_migration(
        project.root / "migrations_main", "0002", "bad", "SELECT * FROM nope;", down_revision="0001"
    )
    result = project.cli("--config", f"{project.package}.config.configs", "upgrade", config=False)
    assert result.exit_code == 1
    assert "== main" in result.stdout
    assert "== audit" in result.stdout
    assert "applied 0001 audit" in result.stdout
    assert "0002_bad.sql" in result.stderr


def test_a_module_with_one_config_can_be_named_alone(project: Project) -> None:
    result = project.cli("--config", f"{project.package}.config", "show-config", config=False)
    assert result.exit_code == 0, result.output
    assert "script_location" in result.stdout


def test_pyproject_config_works_from_a_subfolder(project: Project) -> None:
    project.migrations.mkdir()
    sql_migration(project.migrations, "0001", "a", "SELECT 1;")
    (project.root / "pyproject.toml").write_text(f'[tool.sqlspec]\nconfig = "{project.package}.config"\n')
    deeper = project.root / "src" / "deeper"
    deeper.mkdir(parents=True)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "sqlspec"), "upgrade"], cwd=deeper, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "applied 0001" in done.stdout  # the config imported, and migrations/ found at the root
    assert not (deeper / "migrations").exists()
