"""Fail unless ``pyright --verifytypes`` finds every exported symbol of each package typed (``make lint``).

Usage: ``.venv/bin/python tests/typing/verifytypes.py sqlspec sqlspec_litestar``. pyright finds the
installed packages through the ``python`` on ``PATH``, so this puts the running interpreter's first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any


def verify(package: str, pyright: str, env: dict[str, str]) -> bool:
    command = [pyright, "--verifytypes", package, "--ignoreexternal", "--outputjson"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    try:
        output: dict[str, Any] = json.loads(result.stdout)
        report: dict[str, Any] = output["typeCompleteness"]
    except (ValueError, KeyError):
        print(f"{package}: pyright gave no report\n{result.stdout}{result.stderr}", file=sys.stderr)
        return False
    counts = report["exportedSymbolCounts"]
    total = counts["withKnownType"] + counts["withAmbiguousType"] + counts["withUnknownType"]
    score = report["completenessScore"]
    print(
        f'Symbols exported by "{package}": {total}, with known type: {counts["withKnownType"]}, '
        f"ambiguous: {counts['withAmbiguousType']}, unknown: {counts['withUnknownType']} ({score:.1%})"
    )
    ok = result.returncode == 0 and score == 1 and total > 0
    for symbol in report["symbols"]:
        for diagnostic in symbol["diagnostics"]:
            if diagnostic["severity"] == "error":
                where = diagnostic.get("file", "")
                if "range" in diagnostic:
                    where += f":{diagnostic['range']['start']['line'] + 1}"
                message = diagnostic["message"].replace("\n", "\n    ")
                print(f"  {symbol['name']} ({where}): {message}", file=sys.stderr)
    for diagnostic in output.get("generalDiagnostics", []):
        print(f"  {diagnostic['message']}", file=sys.stderr)
    return ok


def main(packages: list[str]) -> int:
    bin_dir = Path(sys.executable).parent
    pyright = shutil.which("pyright", path=str(bin_dir)) or shutil.which("pyright")
    if pyright is None:
        print("pyright is not installed (make install puts it in .venv)", file=sys.stderr)
        return 1
    env = {**os.environ, "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])}
    results = [verify(package, pyright, env) for package in packages]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["sqlspec", "sqlspec_litestar"]))
