"""What a user installs: the wheel built from this tree, its metadata, and what it does without extras.

The wheel is built by hatchling itself (a dev dependency), so no network is needed.
"""

from __future__ import annotations

import email.message
import email.parser
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import sqlspec

ROOT = Path(__file__).parent.parent.parent
BIN = Path(sys.executable).parent
NAME = "sqlspec-migrations"
CORE = {"anyio", "msgspec", "aiosqlite", "typer", "rich"}
EXTRAS = {"postgres": {"asyncpg"}, "mysql": {"asyncmy"}, "litestar": {"litestar"}}


@dataclass(frozen=True)
class Built:
    wheel: zipfile.ZipFile
    sdist: tarfile.TarFile
    metadata: email.message.Message


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-t", "sdist", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel_path,) = out.glob("*.whl")
    (sdist_path,) = out.glob("*.tar.gz")
    with zipfile.ZipFile(wheel_path) as wheel, tarfile.open(sdist_path) as sdist:
        (metadata_name,) = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
        metadata = email.parser.Parser().parsestr(wheel.read(metadata_name).decode())
        yield Built(wheel, sdist, metadata)


def test_name_and_the_one_version(built: Built) -> None:
    assert built.metadata["Name"] == NAME
    assert built.metadata["Version"] == sqlspec.__version__


def test_license_is_in_the_wheel_and_the_sdist(built: Built) -> None:
    assert built.metadata["License-Expression"] == "MIT"
    assert built.metadata.get_all("License-File") == ["LICENSE"]
    (license_name,) = [name for name in built.wheel.namelist() if name.endswith("dist-info/licenses/LICENSE")]
    text = built.wheel.read(license_name).decode()
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 the sqlspec authors" in text
    assert f"{NAME.replace('-', '_')}-{sqlspec.__version__}/LICENSE" in built.sdist.getnames()


def test_sqlite_needs_no_extra_and_each_other_driver_has_one(built: Built) -> None:
    requirements = [Requirement(line) for line in built.metadata.get_all("Requires-Dist") or []]
    core = {r.name for r in requirements if r.marker is None}
    assert core == CORE
    for extra, drivers in EXTRAS.items():
        assert extra in (built.metadata.get_all("Provides-Extra") or [])
        wanted = {r.name for r in requirements if r.marker and r.marker.evaluate({"extra": extra})}
        assert drivers <= wanted, extra


def test_classifiers_and_urls(built: Built) -> None:
    classifiers = set(built.metadata.get_all("Classifier") or [])
    wanted = {"Typing :: Typed", "Framework :: Litestar", "Programming Language :: Python :: 3.11"}
    assert wanted <= classifiers
    urls = {entry.split(",")[0] for entry in built.metadata.get_all("Project-URL") or []}
    assert urls == {"Homepage", "Documentation", "Repository", "Issues", "Changelog"}


def test_wheel_holds_both_packages_the_command_and_the_extension(built: Built) -> None:
    names = set(built.wheel.namelist())
    assert {
        "sqlspec/__init__.py",
        "sqlspec/py.typed",
        "sqlspec_litestar/__init__.py",
        "sqlspec_litestar/py.typed",
    } <= names
    assert not {name for name in names if "__pycache__" in name or name.startswith(("tests/", "docs/"))}
    (entry_points,) = [name for name in names if name.endswith(".dist-info/entry_points.txt")]
    text = built.wheel.read(entry_points).decode()
    assert "sqlspec = sqlspec.cli:main" in text
    assert "litestar = sqlspec_litestar.migrations" in text


def test_version_option_prints_the_version() -> None:
    """From ``sqlspec.__version__``: the distribution is not named ``sqlspec``."""
    done = subprocess.run([str(BIN / "sqlspec"), "--version"], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, f"sqlspec {sqlspec.__version__}\n"), done.stderr


_IMPORT_WITHOUT = """
import sys

sys.modules[{driver!r}] = None  # as if the driver were not installed
from sqlspec.exceptions import ImproperConfigurationError

try:
    {statement}
except ImproperConfigurationError as error:
    print(error)
"""


@pytest.mark.parametrize(
    ("statement", "driver", "extra"),
    [
        ("import sqlspec.adapters.asyncpg", "asyncpg", "postgres"),
        ("import sqlspec.adapters.asyncmy", "asyncmy", "mysql"),
        ("from sqlspec_litestar import SQLSpecPlugin", "litestar", "litestar"),
    ],
)
def test_missing_driver_names_its_extra(statement: str, driver: str, extra: str) -> None:
    code = _IMPORT_WITHOUT.format(driver=driver, statement=statement)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1
    assert driver in done.stdout
    assert f'"{NAME}[{extra}]"' in done.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_help_names_the_dsn_variables() -> None:
    done = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "$SQLSPEC_TEST_POSTGRES_DSN" in done.stdout
    assert "$SQLSPEC_TEST_MYSQL_DSN" in done.stdout
    assert "$$" not in done.stdout
