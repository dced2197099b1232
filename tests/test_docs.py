"""The documentation's examples run as written.

In a page, in order and in a fresh folder per page:

- a fenced block right after ``<!-- file: PATH -->`` is written to PATH;
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

DOCS = Path(__file__).parent.parent / "docs"
_BLOCK = re.compile(
    r"<!-- (?P<action>file: (?P<path>\S+)|run|cli|litestar) -->\n```[a-z]*\n(?P<body>.*?)```", re.DOTALL
)
PAGES = sorted(page for page in DOCS.glob("*.md") if _BLOCK.search(page.read_text()))
BIN = Path(sys.executable).parent


def _expected(line: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\d{14}", r"\\d{14}", re.escape(line)))


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
                target = tmp_path / block["path"]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(block["body"])
            elif block["action"] in {"cli", "litestar"}:
                _run_cli(block["body"], tmp_path)
            else:
                module = types.ModuleType(f"docs_{page.stem}")  # a real module: Litestar resolves
                monkeypatch.setitem(sys.modules, module.__name__, module)  # handler hints through it
                exec(compile(block["body"], f"{page.name}:{block.start()}", "exec"), module.__dict__)
