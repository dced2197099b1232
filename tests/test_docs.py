"""The documentation's examples run as written: the README's and every guide page's.

In a page, in order and in a fresh folder per page:

- a fenced block right after ``<!-- file: PATH -->`` is written to PATH; a 14-digit timestamp in
  PATH stands for the one file that a command before made with a real timestamp: the block replaces
  that file, its header (the lines before the first blank one) must be what the command wrote, and
  the real timestamp and ``created_at`` replace the ones the block shows;
- a python block right after ``<!-- run -->`` is executed;
- in a block right after ``<!-- cli -->`` (or ``<!-- litestar -->``), each ``$ sqlspec ...`` (or
  ``$ litestar ...``) line runs as a real process and must succeed (or end with ``  # exit N``
  and exit with N), and each line under it must appear in its output, stdout or stderr (a 14-digit
  timestamp stands for any timestamp, since the real ones are made when the test runs).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
_BLOCK = re.compile(
    r"<!-- (?P<action>file: (?P<path>\S+)|run|cli|litestar) -->\n```[a-z]*\n(?P<body>.*?)```", re.DOTALL
)
PAGES = [ROOT / "README.md", *sorted(page for page in DOCS.glob("*.md") if _BLOCK.search(page.read_text()))]
BIN = Path(sys.executable).parent
_TIMESTAMP = re.compile(r"\d{14}")
_CREATED_AT = re.compile(r"(?m)^-- created_at: .*$")


def _expected(line: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\d{14}", r"\\d{14}", re.escape(line)))


def _made_file(path: str, body: str, folder: Path) -> tuple[Path, str]:
    """Where a file block goes and what it holds, once its timestamps are the real ones."""
    if not _TIMESTAMP.search(path):
        return folder / path, body
    made = sorted(folder.glob(_TIMESTAMP.sub("[0-9]" * 14, path)))
    assert len(made) == 1, f"{path}: a command before should have made one such file, not {made}"
    written = made[0].read_text()
    stamp = _TIMESTAMP.search(made[0].name)
    assert stamp is not None
    body = _TIMESTAMP.sub(stamp[0], body)
    created_at = _CREATED_AT.search(written)
    if created_at is not None:
        body = _CREATED_AT.sub(created_at[0], body)
    header = written.split("\n\n", 1)[0]
    assert body.split("\n\n", 1)[0] == header, f"{path}: the command wrote the header\n{header}"
    return made[0], body


def _run_cli(block: str, folder: Path) -> None:
    output = ""
    for line in block.splitlines():
        if line.startswith("$ "):
            command, _, expected_exit = line[2:].partition("  # exit ")
            argv = shlex.split(command)
            assert argv[0] in {"sqlspec", "litestar"}, line
            done = subprocess.run(
                [str(BIN / argv[0]), *argv[1:]],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
                env={**os.environ, "PYTHONPATH": str(folder)},
            )
            assert done.returncode == int(expected_exit or 0), f"{line}\n{done.stdout}{done.stderr}"
            output = done.stdout + done.stderr
        elif line.strip():
            assert _expected(line).search(output), f"expected {line!r} in:\n{output}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [name for name in sys.modules if name in {"app", "myapp", "myapp.config"}]:
        monkeypatch.delitem(sys.modules, name)
    with contextlib.chdir(tmp_path):
        for block in _BLOCK.finditer(page.read_text()):
            if block["path"]:
                target, body = _made_file(block["path"], block["body"], tmp_path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(body)
            elif block["action"] in {"cli", "litestar"}:
                _run_cli(block["body"], tmp_path)
            else:
                module = types.ModuleType(f"docs_{page.stem}")  # a real module: Litestar resolves
                monkeypatch.setitem(sys.modules, module.__name__, module)  # handler hints through it
                exec(compile(block["body"], f"{page.name}:{block.start()}", "exec"), module.__dict__)


_WRONG_INSTALL = re.compile(r"""(?:pip install|uv add|uv pip install)\s+(?:-\S+\s+)*["']?sqlspec(?![\w-])""")


@pytest.mark.parametrize("page", [ROOT / "README.md", *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name)
def test_pages_install_the_distribution_by_its_name(page: Path) -> None:
    """``sqlspec`` on the package index is another project; ours is ``sqlspec-migrations``."""
    wrong = [match[0] for match in _WRONG_INSTALL.finditer(page.read_text())]
    assert not wrong, f"{page.name}: {wrong} installs another project; say sqlspec-migrations"
